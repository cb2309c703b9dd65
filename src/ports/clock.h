// Port: time. Every sleep, backoff, poll interval and timeout of the agent core goes through
// here, which is what lets the simulated world run a turn in virtual time.
#pragma once

#include <functional>
#include <utility>

#include "core/task.h"
#include "core/time.h"

namespace agentreplay {

// Ends a cancellable wait early. Used from the thread of the world that runs the waiting
// coroutine; the clock installs a hook while a wait is pending, and Cancel() runs it so the
// waiter resumes promptly (as a timer that was cancelled, not one that fired).
class WaitCanceller {
 public:
  void Cancel() {
    cancelled_ = true;
    if (auto hook = std::exchange(hook_, nullptr)) hook();
  }
  bool cancelled() const { return cancelled_; }
  // For Clock implementations: what Cancel() must do for the pending wait; reset when the
  // wait ends.
  void SetHook(std::function<void()> hook) { hook_ = std::move(hook); }
  void ClearHook() { hook_ = nullptr; }

 private:
  bool cancelled_ = false;
  std::function<void()> hook_;
};

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
  // Completes once `d` has passed on this clock. A non-positive `d` completes at once
  // (still through the scheduler, so ordering stays deterministic).
  virtual Task<void> Sleep(Duration d) = 0;
  // Like Sleep, but `canceller.Cancel()` ends the wait early. Returns true when the whole
  // duration passed, false when cancelled (also when cancelled before the call). This is
  // what timeouts are built on: the timer of a race that the work usually wins must not
  // hold the world up once the work is done. Not a deliberate wait: probes do not count it
  // as sleep.
  virtual Task<bool> SleepUnlessCancelled(Duration d, WaitCanceller& canceller) = 0;
};

}  // namespace agentreplay
