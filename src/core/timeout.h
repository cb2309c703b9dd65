// Bounding an awaited task by a duration on the Clock port. The work is not cancelled when the
// time runs out (tools and requests cannot be interrupted in general): it carries on detached,
// owning what it needs, and its result is dropped. The timer is cancelled as soon as the work
// wins, so a finished race never holds up the world that runs it.
#pragma once

#include <coroutine>
#include <exception>
#include <memory>
#include <optional>

#include "core/task.h"
#include "ports/clock.h"

namespace agentreplay {

// Completes with the work's result, or nullopt when `limit` passed first. A non-positive
// `limit` means no bound. An exception from the work is rethrown if the work won the race.
// `work` must own everything it touches (take parameters by value), and `clock` must
// outlive it, since it may outlive this call.
template <typename T>
Task<std::optional<T>> WithTimeout(Clock& clock, Duration limit, Task<T> work) {
  if (limit <= Duration::zero()) {
    T value = co_await work;
    co_return std::optional<T>(std::move(value));
  }
  struct State {
    std::optional<T> result;
    std::exception_ptr error;
    WaitCanceller timer;
    std::coroutine_handle<> waiter;
    bool settled = false;    // one side has won
    bool suspended = false;  // the waiter has parked; settle must resume it
    bool timed_out = false;
    void Settle() {
      if (settled) return;
      settled = true;
      if (suspended) waiter.resume();
    }
  };
  auto state = std::make_shared<State>();

  struct Awaiter {
    std::shared_ptr<State>* state;
    Clock* clock;
    Duration limit;
    Task<T>* work;
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h) {
      std::shared_ptr<State> st = *state;
      st->waiter = h;
      Spawn(
          [](Task<T> w, std::shared_ptr<State> s) -> Task<void> {
            T value = co_await w;
            if (!s->settled) s->result.emplace(std::move(value));
          }(std::move(*work), st),
          [st](std::exception_ptr e) {
            if (!st->settled) st->error = e;
            st->timer.Cancel();
            st->Settle();
          });
      if (!st->settled) {
        Spawn(
            [](Clock& c, Duration d, std::shared_ptr<State> s) -> Task<void> {
              const bool expired = co_await c.SleepUnlessCancelled(d, s->timer);
              if (expired && !s->settled) s->timed_out = true;
            }(*clock, limit, st),
            [st](std::exception_ptr) { st->Settle(); });
      }
      // Either side may have finished inside Spawn; then do not park at all.
      if (st->settled) return false;
      st->suspended = true;
      return true;
    }
    void await_resume() const noexcept {}
  };
  Awaiter awaiter{&state, &clock, limit, &work};
  co_await awaiter;
  if (state->timed_out) co_return std::nullopt;
  if (state->error) std::rethrow_exception(state->error);
  co_return std::move(state->result);
}

}  // namespace agentreplay
