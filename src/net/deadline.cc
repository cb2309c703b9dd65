#include "net/deadline.h"

#include <utility>

#include "core/task.h"

namespace agentreplay::net {

struct Deadline::State {
  WaitCanceller canceller;
  bool finished = false;
  bool expired = false;
  std::function<void()> on_expire;
};

Deadline::Deadline(Clock& clock, Duration limit) : state_(std::make_shared<State>()) {
  if (limit.count() <= 0) return;
  Spawn(Watch(clock, limit, state_), nullptr);
}

Deadline::~Deadline() { Finish(); }

void Deadline::SetOnExpire(std::function<void()> action) { state_->on_expire = std::move(action); }

void Deadline::Finish() {
  if (state_->finished) return;
  state_->finished = true;
  state_->on_expire = nullptr;
  state_->canceller.Cancel();
}

bool Deadline::expired() const { return state_->expired; }

Task<void> Deadline::Watch(Clock& clock, Duration limit, std::shared_ptr<State> state) {
  const bool full = co_await clock.SleepUnlessCancelled(limit, state->canceller);
  if (!full || state->finished) co_return;
  state->expired = true;
  if (auto action = std::exchange(state->on_expire, nullptr)) action();
}

}  // namespace agentreplay::net
