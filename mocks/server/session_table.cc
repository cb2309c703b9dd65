#include "mocks/server/session_table.h"

#include <algorithm>
#include <utility>

#include "mocks/server/http_server.h"

namespace agentreplay::mocks {

void SessionUse::reset() {
  if (slot_ == nullptr) return;
  // The idle time starts now, before the session can be seen idle.
  slot_->last_used.store(SteadyClock::now().time_since_epoch().count(), std::memory_order_relaxed);
  slot_->active.fetch_sub(1, std::memory_order_release);
  slot_.reset();
}

SessionTable::SessionTable(std::shared_ptr<const Scenario> scenario, uint64_t seed,
                           Duration idle_timeout, size_t max_sessions)
    : scenario_(std::move(scenario)),
      seed_(seed),
      idle_timeout_(idle_timeout),
      max_sessions_(max_sessions) {}

void SessionTable::Open(const std::string& id, std::shared_ptr<const Scenario> scenario,
                        uint64_t seed) {
  // Built outside the lock: a scenario with documents indexes them.
  auto slot = std::make_shared<SessionSlot>(std::move(scenario), seed, /*explicit_session=*/true);
  std::lock_guard lock(mutex_);
  auto& entry = sessions_[id];
  if (entry != nullptr && !entry->opened && id != kDefaultSession) --created_;
  entry = std::move(slot);
}

bool SessionTable::Close(const std::string& id) {
  std::lock_guard lock(mutex_);
  const auto it = sessions_.find(id);
  if (it == sessions_.end()) return false;
  if (!it->second->opened && id != kDefaultSession) --created_;
  sessions_.erase(it);
  return true;
}

std::shared_ptr<SessionSlot> SessionTable::Find(std::string_view id) const {
  std::lock_guard lock(mutex_);
  const auto it = sessions_.find(std::string(id));
  return it == sessions_.end() ? nullptr : it->second;
}

SessionUse SessionTable::Acquire(std::string_view id, SteadyClock::time_point now) {
  std::lock_guard lock(mutex_);
  const std::string key(id);
  auto it = sessions_.find(key);
  if (it == sessions_.end()) {
    const bool counted = id != kDefaultSession;
    if (counted && max_sessions_ > 0 && created_ >= max_sessions_) {
      // Full: make room from the sessions that are due to expire, if any are.
      ExpireLocked(now);
      if (created_ >= max_sessions_) {
        refused_.fetch_add(1, std::memory_order_relaxed);
        return {};
      }
    }
    auto slot = std::make_shared<SessionSlot>(scenario_, seed_, /*explicit_session=*/false);
    slot->last_used.store(now.time_since_epoch().count(), std::memory_order_relaxed);
    it = sessions_.emplace(key, std::move(slot)).first;
    if (counted) ++created_;
  }
  // Under the lock, so an expiry never frees a session a request has just found.
  it->second->active.fetch_add(1, std::memory_order_acquire);
  return SessionUse(it->second);
}

size_t SessionTable::Expire(SteadyClock::time_point now) {
  std::lock_guard lock(mutex_);
  return ExpireLocked(now);
}

size_t SessionTable::ExpireLocked(SteadyClock::time_point now) {
  if (idle_timeout_ <= Duration::zero()) return 0;
  const auto timeout = std::chrono::duration_cast<SteadyClock::duration>(idle_timeout_);
  // A client inventing a session per request at the maximum must not cost a scan per
  // request: until the earliest instant anything can expire, nothing is looked at.
  if (now < next_expiry_) return 0;
  const SteadyClock::rep cutoff = (now - timeout).time_since_epoch().count();
  // Sessions in use now, released later, and sessions created later expire after now + timeout.
  SteadyClock::time_point next = now + timeout;
  size_t freed = 0;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    const SessionSlot& slot = *it->second;
    const bool idle = slot.active.load(std::memory_order_acquire) == 0 &&
                      slot.last_used.load(std::memory_order_relaxed) <= cutoff;
    if (slot.opened || !idle) {
      if (!slot.opened && slot.active.load(std::memory_order_relaxed) == 0) {
        const SteadyClock::time_point used{
            SteadyClock::duration(slot.last_used.load(std::memory_order_relaxed))};
        next = std::min(next, used + timeout);
      }
      ++it;
      continue;
    }
    if (it->first != kDefaultSession) --created_;
    it = sessions_.erase(it);  // the last reference: the back end's memory goes with it
    ++freed;
  }
  next_expiry_ = next;
  expired_.fetch_add(freed, std::memory_order_relaxed);
  return freed;
}

size_t SessionTable::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

}  // namespace agentreplay::mocks
