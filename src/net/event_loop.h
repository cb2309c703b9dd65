// EventLoop: the real world's single-threaded scheduler. It owns the I/O context that sockets
// and timers complete on; the agent core's coroutines are resumed from its handlers, so all
// core code of one loop runs on the thread that calls Run()/RunUntil().
//
// Asio stays inside the net library's .cc files: this header is cheap to include.
#pragma once

#include <concepts>
#include <functional>
#include <memory>

namespace agentreplay::net {

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Runs handlers until there is no more work or Stop() is called.
  void Run();
  // Runs handlers until `done()` holds (checked after every handler), the loop runs out of
  // work, or Stop() is called. Returns `done()`.
  template <typename Done>
  requires std::predicate<Done&>
  bool RunUntil(Done&& done) { return RunUntilImpl(std::function<bool()>(std::ref(done))); }
  // The same, for a flag that a handler sets.
  bool RunUntil(const bool& flag) {
    return RunUntilImpl([&flag] { return flag; });
  }
  // Makes Run()/RunUntil() return as soon as possible; callable from any thread. The next
  // Run()/RunUntil() starts afresh.
  void Stop();
  // Runs `fn` on the loop's thread, from a handler (never inside this call). Callable from
  // any thread.
  void Post(std::function<void()> fn);

  // For the net library's own classes (defined in net/loop_internal.h).
  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  bool RunUntilImpl(const std::function<bool()>& done);

  std::unique_ptr<Impl> impl_;
};

}  // namespace agentreplay::net
