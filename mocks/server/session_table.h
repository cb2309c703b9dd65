// The mock server's sessions: one MockBackend per `x-agentreplay-session` id. A server that
// runs for days (`agentreplay serve`) meets clients that invent a session id per request, so
// the sessions that requests create on first use are bounded twice: one unused for an idle
// time expires (its memory is freed), and beyond a maximum a new one is refused. Sessions
// opened through the C++ API (the real world, the load benchmark) are their caller's to close:
// they never expire and do not count against the maximum. A session with a request in flight
// never expires: its idle time starts when its last response has been written.
//
// No Asio here: the table is plain data behind a mutex, usable from any server thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/time.h"
#include "mocks/api/mock_backend.h"
#include "mocks/model/connection_costs.h"
#include "mocks/model/scenario.h"

namespace agentreplay::mocks {

using SteadyClock = std::chrono::steady_clock;

// One session's back end. Its mutex serialises the server threads' Handle calls (and the
// rendering of its lazy bodies) with the log copies other threads ask for.
struct SessionSlot {
  SessionSlot(std::shared_ptr<const Scenario> scenario, uint64_t seed, bool explicit_session)
      : opened(explicit_session),
        connect(scenario->latency, seed),
        backend(std::move(scenario), seed) {
    backend.set_lazy_bodies(true);  // a stream costs its plan, not its bytes, while it plays
  }
  const bool opened;  // by OpenSession: never expires, not counted against the maximum
  // Requests being answered (read, handled, written), and when the last one ended; both
  // change without the table's lock, so they are atomics.
  std::atomic<int> active{0};
  std::atomic<SteadyClock::rep> last_used{0};
  std::mutex mutex;
  ConnectionCosts connect;  // the scenario's price of each new connection, in order
  MockBackend backend;
};

// A request's hold on its session: while it lives the session cannot expire. Its release
// (destruction or reset) restarts the session's idle time.
class SessionUse {
 public:
  SessionUse() = default;
  explicit SessionUse(std::shared_ptr<SessionSlot> slot) : slot_(std::move(slot)) {}
  SessionUse(SessionUse&& other) noexcept : slot_(std::move(other.slot_)) {}
  SessionUse& operator=(SessionUse&& other) noexcept {
    if (this != &other) {
      reset();
      slot_ = std::move(other.slot_);
    }
    return *this;
  }
  SessionUse(const SessionUse&) = delete;
  SessionUse& operator=(const SessionUse&) = delete;
  ~SessionUse() { reset(); }

  void reset();
  const std::shared_ptr<SessionSlot>& slot() const { return slot_; }
  explicit operator bool() const { return slot_ != nullptr; }

 private:
  std::shared_ptr<SessionSlot> slot_;
};

class SessionTable {
 public:
  // Sessions created on first use play `scenario` with `seed`. `idle_timeout` 0: they never
  // expire; `max_sessions` 0: no maximum.
  SessionTable(std::shared_ptr<const Scenario> scenario, uint64_t seed, Duration idle_timeout,
               size_t max_sessions);

  // OpenSession: creates or replaces `id` (exempt from expiry and the maximum).
  void Open(const std::string& id, std::shared_ptr<const Scenario> scenario, uint64_t seed);
  bool Close(const std::string& id);
  std::shared_ptr<SessionSlot> Find(std::string_view id) const;

  // A request's session, created on first use. Empty when creating it would exceed the
  // maximum (after expiring what is due); the "default" session is never refused.
  SessionUse Acquire(std::string_view id, SteadyClock::time_point now);

  // Frees the sessions created on first use that have been idle for the idle timeout;
  // returns how many.
  size_t Expire(SteadyClock::time_point now);

  size_t size() const;
  size_t max_sessions() const { return max_sessions_; }
  Duration idle_timeout() const { return idle_timeout_; }
  uint64_t expired() const { return expired_.load(std::memory_order_relaxed); }
  uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }

 private:
  size_t ExpireLocked(SteadyClock::time_point now);

  const std::shared_ptr<const Scenario> scenario_;
  const uint64_t seed_;
  const Duration idle_timeout_;
  const size_t max_sessions_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<SessionSlot>> sessions_;
  size_t created_ = 0;  // sessions in `sessions_` created on first use, "default" excluded
  SteadyClock::time_point next_expiry_{};  // nothing expires before this
  std::atomic<uint64_t> expired_{0};
  std::atomic<uint64_t> refused_{0};
};

}  // namespace agentreplay::mocks
