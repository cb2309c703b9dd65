// SteadyClock: the Clock port in the real world. Now() is monotonic time since a chosen zero;
// waits are timers on an EventLoop, so a waiting coroutine resumes from that loop's thread.
#pragma once

#include <chrono>

#include "core/task.h"
#include "core/time.h"
#include "net/event_loop.h"
#include "ports/clock.h"

namespace agentreplay::net {

class SteadyClock : public Clock {
 public:
  // `zero` is the instant Now() calls TimePoint{}: passing the same zero to a server's clock
  // and the client's puts both on one time scale (e.g. to compare when a server wrote an event
  // with when the client saw it).
  explicit SteadyClock(EventLoop& loop, std::chrono::steady_clock::time_point zero =
                                            std::chrono::steady_clock::now());

  TimePoint Now() const override;
  Task<void> Sleep(Duration d) override;
  Task<bool> SleepUnlessCancelled(Duration d, WaitCanceller& canceller) override;

  std::chrono::steady_clock::time_point zero() const { return zero_; }
  EventLoop& loop() const { return loop_; }

 private:
  EventLoop& loop_;
  std::chrono::steady_clock::time_point zero_;
};

}  // namespace agentreplay::net
