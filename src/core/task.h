// Task<T>: the coroutine type the agent core is written in.
//
// The turn loop awaits the ports (clock, transport, tools) and reads top to bottom. A Task is
// lazy: it starts when awaited (or when handed to Spawn) and resumes its awaiter by symmetric
// transfer when it finishes, so deep await chains do not grow the stack. Tasks know nothing of
// threads or event loops: whoever completes a port operation resumes the coroutine, which is
// how the simulated world's scheduler and the real world's event loop drive the same code.
#pragma once

#include <coroutine>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

namespace agentreplay {

template <typename T = void>
class Task;

namespace task_detail {

struct PromiseBase {
  std::coroutine_handle<> continuation = std::noop_coroutine();
  std::exception_ptr exception;

  struct FinalAwaiter {
    bool await_ready() const noexcept { return false; }
    template <typename Promise>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> h) noexcept {
      return h.promise().continuation;
    }
    void await_resume() const noexcept {}
  };

  std::suspend_always initial_suspend() const noexcept { return {}; }
  FinalAwaiter final_suspend() const noexcept { return {}; }
  void unhandled_exception() noexcept { exception = std::current_exception(); }
};

template <typename T>
struct Promise : PromiseBase {
  std::optional<T> value;
  Task<T> get_return_object() noexcept;
  template <typename U>
  void return_value(U&& v) {
    value.emplace(std::forward<U>(v));
  }
  T Take() {
    if (exception) std::rethrow_exception(exception);
    return std::move(*value);
  }
};

template <>
struct Promise<void> : PromiseBase {
  Task<void> get_return_object() noexcept;
  void return_void() const noexcept {}
  void Take() const {
    if (exception) std::rethrow_exception(exception);
  }
};

}  // namespace task_detail

template <typename T>
class [[nodiscard]] Task {
 public:
  using promise_type = task_detail::Promise<T>;
  using Handle = std::coroutine_handle<promise_type>;

  Task() = default;
  explicit Task(Handle h) : handle_(h) {}
  Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      if (handle_) handle_.destroy();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() {
    if (handle_) handle_.destroy();
  }

  bool valid() const { return static_cast<bool>(handle_); }
  bool done() const { return handle_ && handle_.done(); }

  bool await_ready() const noexcept { return !handle_ || handle_.done(); }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiter) noexcept {
    handle_.promise().continuation = awaiter;
    return handle_;
  }
  T await_resume() { return handle_.promise().Take(); }

 private:
  Handle handle_;
};

namespace task_detail {
template <typename T>
Task<T> Promise<T>::get_return_object() noexcept {
  return Task<T>(std::coroutine_handle<Promise<T>>::from_promise(*this));
}
inline Task<void> Promise<void>::get_return_object() noexcept {
  return Task<void>(std::coroutine_handle<Promise<void>>::from_promise(*this));
}

// A coroutine that starts at once and frees itself when it ends: the root of a task tree.
struct Detached {
  struct promise_type {
    Detached get_return_object() const noexcept { return {}; }
    std::suspend_never initial_suspend() const noexcept { return {}; }
    std::suspend_never final_suspend() const noexcept { return {}; }
    void return_void() const noexcept {}
    void unhandled_exception() const noexcept { std::terminate(); }
  };
};
}  // namespace task_detail

// Starts `task` now and calls `on_done` when it finishes (with the exception, if it threw).
// The task runs until its first suspension inside this call.
template <typename T>
void Spawn(Task<T> task, std::function<void(std::exception_ptr)> on_done) {
  [](Task<T> t, std::function<void(std::exception_ptr)> done) -> task_detail::Detached {
    std::exception_ptr error;
    try {
      co_await t;
    } catch (...) {
      error = std::current_exception();
    }
    if (done) done(error);
  }(std::move(task), std::move(on_done));
}

// Runs all tasks concurrently and completes when every one has finished, with their results
// in input order. An exception from any task is rethrown after all have finished.
template <typename T>
Task<std::vector<T>> WhenAll(std::vector<Task<T>> tasks) {
  struct State {
    std::size_t remaining = 0;
    std::coroutine_handle<> waiter;
    std::vector<std::optional<T>> results;
    std::exception_ptr error;
  };
  auto state = std::make_shared<State>();
  state->results.resize(tasks.size());

  // The awaiter holds a plain pointer: `state` in this frame owns the State, and each child
  // holds its own reference. It is a named local, not a braced temporary inside the co_await,
  // because GCC 12 destroys such temporaries twice.
  struct Awaiter {
    std::shared_ptr<State>* state;
    std::vector<Task<T>>* tasks;
    bool await_ready() const noexcept { return tasks->empty(); }
    // One extra count is held by this function, so a child that finishes synchronously
    // never resumes the waiter from inside await_suspend; if all are done by the end we
    // simply do not suspend.
    bool await_suspend(std::coroutine_handle<> h) {
      State& st = **state;
      st.waiter = h;
      st.remaining = tasks->size() + 1;
      const std::size_t n = tasks->size();
      for (std::size_t i = 0; i < n; ++i) {
        std::shared_ptr<State> keep = *state;
        Spawn(
            [](Task<T> t, std::shared_ptr<State> s, std::size_t index) -> Task<void> {
              s->results[index].emplace(co_await t);
            }(std::move((*tasks)[i]), keep, i),
            [keep](std::exception_ptr e) {
              if (e && !keep->error) keep->error = e;
              if (--keep->remaining == 0) keep->waiter.resume();
            });
      }
      return --st.remaining != 0;
    }
    void await_resume() const noexcept {}
  };
  Awaiter awaiter{&state, &tasks};
  co_await awaiter;
  if (state->error) std::rethrow_exception(state->error);
  std::vector<T> out;
  out.reserve(state->results.size());
  for (auto& r : state->results) out.push_back(std::move(*r));
  co_return out;
}

}  // namespace agentreplay
