// Deadline: a bounded wait on the Clock port raced against some work. The real transport's
// timeouts are built on it, so they run on whatever clock the world gives (and a test can
// drive them with a fake one).
//
// The wait starts at construction. If the work calls Finish() first, the wait ends promptly
// (the clock's timer is cancelled) and nothing else happens; if the limit passes first,
// expired() becomes true and the current on-expire action runs once (the transport closes the
// socket there, which makes the pending operation complete with an error).
#pragma once

#include <functional>
#include <memory>

#include "core/task.h"
#include "core/time.h"
#include "ports/clock.h"

namespace agentreplay::net {

class Deadline {
 public:
  // A non-positive `limit` never expires (and costs no timer).
  Deadline(Clock& clock, Duration limit);
  // Finishes.
  ~Deadline();
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  // What to do when the limit passes; replaces the previous action. The action must stay
  // valid until Finish() or until it is replaced.
  void SetOnExpire(std::function<void()> action);
  // The work is over: the action will not run.
  void Finish();
  bool expired() const;

 private:
  struct State;
  // Owns a reference to the state, so it may outlive the Deadline: a cancelled clock wait
  // completes later, from the loop.
  static Task<void> Watch(Clock& clock, Duration limit, std::shared_ptr<State> state);

  std::shared_ptr<State> state_;
};

}  // namespace agentreplay::net
