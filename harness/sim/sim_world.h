// The simulated world: virtual time, one thread, deterministic. Coroutines that wait on the
// clock or on the transport are parked in a queue ordered by (due time, arrival order) and
// resumed in that order; time jumps from one due instant to the next. The mock back end is
// called directly, and its timed chunks are delivered at their due instants.
#pragma once

#include <coroutine>
#include <cstdint>
#include <memory>
#include <optional>
#include <queue>
#include <unordered_set>
#include <vector>

#include "core/time.h"
#include "harness/run/world.h"
#include "mocks/api/mock_backend.h"
#include "mocks/model/connection_costs.h"
#include "ports/clock.h"
#include "ports/transport.h"

namespace agentreplay::harness {

class SimScheduler {
 public:
  TimePoint Now() const { return now_; }
  // Resumes `h` at `t` (or now, if `t` is in the past), after everything already due then.
  // Returns a ticket for Cancel.
  uint64_t ScheduleAt(TimePoint t, std::coroutine_handle<> h);
  // Withdraws the resumption `ticket` stands for (it will not happen); no effect if it already
  // happened. The caller reschedules the coroutine itself.
  void Cancel(uint64_t ticket) { cancelled_.insert(ticket); }
  // Runs until nothing is waiting. Returns the number of resumptions.
  uint64_t RunUntilIdle();
  bool idle() const { return queue_.empty(); }

  // Awaitable: suspends the caller until `t`.
  struct WaitUntil {
    SimScheduler& scheduler;
    TimePoint t;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) { scheduler.ScheduleAt(t, h); }
    void await_resume() const noexcept {}
  };

 private:
  struct Entry {
    TimePoint at;
    uint64_t seq;
    std::coroutine_handle<> handle;
    bool operator>(const Entry& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  TimePoint now_{};
  uint64_t next_seq_ = 0;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue_;
  std::unordered_set<uint64_t> cancelled_;  // tickets withdrawn, skipped without moving time
};

class SimClock : public Clock {
 public:
  explicit SimClock(SimScheduler& scheduler) : scheduler_(scheduler) {}
  TimePoint Now() const override { return scheduler_.Now(); }
  Task<void> Sleep(Duration d) override;
  Task<bool> SleepUnlessCancelled(Duration d, WaitCanceller& canceller) override;

 private:
  SimScheduler& scheduler_;
};

// The client's keep-alive pool, counted the way the real transport keeps it: a request takes
// an idle connection or opens a new one, and a connection whose response was read to its end
// goes back, up to `max_idle` (0: none, every request opens its own, package pc off).
struct SimConnectionPool {
  size_t max_idle = 8;
  size_t idle = 0;
  uint64_t opened = 0;  // new connections, as the real transport's stats count them
  void Return() {
    if (idle < max_idle) ++idle;
  }
  // True when an idle connection was taken; otherwise a new one is counted as opened.
  bool Take() {
    if (idle == 0) {
      ++opened;
      return false;
    }
    --idle;
    return true;
  }
};

// Hands requests to the mock and plays its timed response back in virtual time.
class SimTransport : public Transport {
 public:
  // `connect` prices each new connection (the scenario's connect and TLS handshake times);
  // without it connections cost nothing.
  SimTransport(SimScheduler& scheduler, mocks::MockBackend& backend,
               std::optional<mocks::ConnectionCosts> connect = std::nullopt)
      : scheduler_(scheduler), backend_(backend), connect_(connect) {}
  Task<HttpResponse> Send(HttpRequest request) override;

  // The client's read and total timeouts (run/world.h); a wire fault ends as the error a real
  // client reports, at the instant it would (see mocks/mock_backend.h).
  void set_timeouts(const ClientTimeouts& timeouts) { timeouts_ = timeouts; }
  // How many idle connections the client keeps (before the first request).
  void set_max_idle_connections(size_t n) { pool_->max_idle = n; }

  // CPU time spent inside the mock, so the probe can leave it out of the agent's CPU time.
  Duration mock_cpu_time() const { return mock_cpu_; }
  uint64_t connections_opened() const { return pool_->opened; }

 private:
  SimScheduler& scheduler_;
  mocks::MockBackend& backend_;
  std::optional<mocks::ConnectionCosts> connect_;
  Duration mock_cpu_{0};
  ClientTimeouts timeouts_;
  std::shared_ptr<SimConnectionPool> pool_ = std::make_shared<SimConnectionPool>();
};

}  // namespace agentreplay::harness
