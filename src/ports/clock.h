// Port: time. Every sleep, backoff, poll interval and timeout of the agent core goes through
// here, which is what lets the simulated world run a turn in virtual time.
#pragma once

#include "core/task.h"
#include "core/time.h"

namespace agentreplay {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
  // Completes once `d` has passed on this clock. A non-positive `d` completes at once
  // (still through the scheduler, so ordering stays deterministic).
  virtual Task<void> Sleep(Duration d) = 0;
};

}  // namespace agentreplay
