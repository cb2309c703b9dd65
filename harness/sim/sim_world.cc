#include "harness/sim/sim_world.h"

#include <fmt/format.h>
#include <time.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include "core/random.h"
#include "harness/measure/cpu_time.h"
#include "harness/run/proxy_hop_draws.h"
#include "mocks/model/calendar.h"

namespace agentreplay::harness {

uint64_t SimScheduler::ScheduleAt(TimePoint t, std::coroutine_handle<> h) {
  const uint64_t ticket = next_seq_++;
  queue_.push(Entry{t < now_ ? now_ : t, ticket, h});
  return ticket;
}

uint64_t SimScheduler::RunUntilIdle() {
  uint64_t resumed = 0;
  while (!queue_.empty()) {
    Entry e = queue_.top();
    queue_.pop();
    if (!cancelled_.empty() && cancelled_.erase(e.seq) > 0) continue;
    now_ = e.at;
    e.handle.resume();
    ++resumed;
  }
  return resumed;
}

Task<void> SimClock::Sleep(Duration d) {
  co_await SimScheduler::WaitUntil{scheduler_,
                                   scheduler_.Now() + (d.count() > 0 ? d : Duration(0))};
}

namespace {

// Parks the coroutine until `at`, or until the canceller fires: then the timed resumption is
// withdrawn and the coroutine resumes at the current virtual instant instead.
struct CancellableWait {
  SimScheduler& scheduler;
  TimePoint at;
  WaitCanceller& canceller;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) {
    const uint64_t ticket = scheduler.ScheduleAt(at, h);
    SimScheduler* s = &scheduler;
    canceller.SetHook([s, ticket, h] {
      s->Cancel(ticket);
      s->ScheduleAt(s->Now(), h);
    });
  }
  void await_resume() const noexcept {}
};

}  // namespace

Task<bool> SimClock::SleepUnlessCancelled(Duration d, WaitCanceller& canceller) {
  if (canceller.cancelled()) co_return false;
  CancellableWait wait{scheduler_, scheduler_.Now() + (d.count() > 0 ? d : Duration(0)), canceller};
  co_await wait;
  canceller.ClearHook();
  co_return !canceller.cancelled();
}

namespace {

using mocks::WireFault;

Error TransportError(std::string reason, std::string message) {
  return Error{ErrorKind::kTransport, std::move(reason), std::move(message), 0};
}

// The error a real client reports when `fault` happens (mocks/mock_backend.h has the table);
// nullopt for kStall, which only a timeout ends.
std::optional<Error> ClientErrorOf(WireFault fault, bool before_head) {
  switch (fault) {
    case WireFault::kEmptyResponse:
      return TransportError("connection_closed",
                            "the connection closed before the response arrived");
    case WireFault::kMalformedChunk:
    case WireFault::kRandomDataThenClose:
      return Error{ErrorKind::kProtocol, "malformed_http",
                   "malformed HTTP response: bytes that do not follow HTTP/1.1", 0};
    case WireFault::kConnectionReset:
      return TransportError("connection_reset", "connection reset by peer");
    case WireFault::kClose:
      if (before_head) {
        return TransportError("connection_closed",
                              "the connection closed before the response arrived");
      }
      return TransportError("body_truncated", "the connection closed before the body ended");
    case WireFault::kStall:
    case WireFault::kNone:
      break;
  }
  return std::nullopt;
}

// The client's deadlines for one wait: the read timeout counts from the start of the wait (as
// the real transport's per-read deadline), the total timeout from the request's send.
struct Deadlines {
  std::optional<TimePoint> read;
  std::optional<TimePoint> total;

  Deadlines(TimePoint now, TimePoint sent_at, const ClientTimeouts& timeouts) {
    if (timeouts.read > Duration::zero()) read = now + timeouts.read;
    if (timeouts.total > Duration::zero()) total = sent_at + timeouts.total;
  }

  // The timeout that ends a wait for something due at `due` (nullopt: never due), and when;
  // nullopt when it arrives in time. Something due exactly at a deadline still arrives.
  std::optional<std::pair<TimePoint, Error>> Expiry(std::optional<TimePoint> due,
                                                    std::string_view while_doing) const {
    auto missed = [&](const std::optional<TimePoint>& deadline) {
      return deadline && (!due || *due > *deadline);
    };
    // The earlier deadline fires; on a tie the read timeout is reported, as the real one does.
    const bool read_first = missed(read) && (!missed(total) || *read <= *total);
    if (read_first) {
      return std::pair{*read, Error{ErrorKind::kTimeout, "read_timeout",
                                    fmt::format("no data while {}", while_doing), 0}};
    }
    if (missed(total)) {
      return std::pair{*total, Error{ErrorKind::kTimeout, "total_timeout",
                                     fmt::format("request timed out while {}", while_doing), 0}};
    }
    return std::nullopt;
  }
};

// Plays a response's body back in virtual time: each chunk at its due instant, then the end,
// or the wire fault (as the client's error) where the response breaks, each wait bounded by the
// client's timeouts.
class SimBody : public BodyStream {
 public:
  SimBody(SimScheduler& scheduler, TimePoint started, TimePoint sent_at, mocks::MockResponse mock,
          const ClientTimeouts& timeouts, std::shared_ptr<SimConnectionPool> pool)
      : scheduler_(scheduler),
        started_(started),
        sent_at_(sent_at),
        mock_(std::move(mock)),
        timeouts_(timeouts),
        pool_(std::move(pool)) {
    // Whether the connection can carry another response once this one is read, as the real
    // transport decides it: a clean end and no `connection: close`.
    auto close = FindHeader(mock_.headers, "connection");
    keep_alive_ = mock_.fault == WireFault::kNone && mock_.close_delay <= Duration::zero() &&
                  !(close && *close == "close");
    if (mock_.chunks.empty()) ReleaseConnection();
  }

  Task<BodyChunk> Next() override {
    const bool faulty = mock_.fault != WireFault::kNone;
    std::optional<TimePoint> due;
    enum class What { kChunk, kFault, kEnd } what = What::kEnd;
    if (done_) {
      what = What::kEnd;
      due = scheduler_.Now();
    } else if (next_ < mock_.chunks.size() &&
               (!faulty || mock_.chunks[next_].at <= mock_.fault_at)) {
      what = What::kChunk;
      due = sent_at_ + mock_.chunks[next_].at;
    } else if (faulty) {
      what = What::kFault;
      if (mock_.fault != WireFault::kStall) due = sent_at_ + mock_.fault_at;
    } else {
      due = scheduler_.Now();  // the end arrives with the last chunk
    }
    if (!done_ && what != What::kEnd) {
      const Deadlines deadlines(scheduler_.Now(), started_, timeouts_);
      if (auto expiry = deadlines.Expiry(due, "reading the body")) {
        done_ = true;
        co_await SimScheduler::WaitUntil{scheduler_, expiry->first};
        co_return BodyChunk{{}, false, std::move(expiry->second)};
      }
    }
    // The end is observed through the scheduler too, so ordering stays deterministic.
    co_await SimScheduler::WaitUntil{scheduler_, *due};
    switch (what) {
      case What::kChunk: {
        BodyChunk chunk{std::move(mock_.chunks[next_++].bytes), false, std::nullopt};
        // The real transport pools the connection as soon as the body's last bytes are in.
        if (next_ == mock_.chunks.size()) ReleaseConnection();
        co_return chunk;
      }
      case What::kFault:
        done_ = true;
        co_return BodyChunk{{}, false, ClientErrorOf(mock_.fault, false)};
      case What::kEnd:
        break;
    }
    done_ = true;
    co_return BodyChunk{{}, true, std::nullopt};
  }

 private:
  SimScheduler& scheduler_;
  TimePoint started_;  // when the client began the request: its total timeout counts from here
  TimePoint sent_at_;
  mocks::MockResponse mock_;
  ClientTimeouts timeouts_;
  std::shared_ptr<SimConnectionPool> pool_;
  bool keep_alive_ = false;
  size_t next_ = 0;
  bool done_ = false;  // ended, broke or timed out: only the end follows

  void ReleaseConnection() {
    if (keep_alive_ && pool_) pool_->Return();
    pool_.reset();
  }
};

// What the real transport takes for a pooled connection that was already dead: it closed or
// reset before any byte of the answer. The request is then sent once more on a fresh one.
bool LooksStale(const mocks::MockResponse& mock) {
  return mock.fault == WireFault::kEmptyResponse || mock.fault == WireFault::kConnectionReset ||
         mock.fault == WireFault::kClose;
}

bool BreaksBeforeHead(const mocks::MockResponse& mock) {
  return mock.fault == WireFault::kEmptyResponse || mock.fault == WireFault::kRandomDataThenClose ||
         (mock.fault != WireFault::kNone && mock.fault != WireFault::kMalformedChunk &&
          mock.fault_at < mock.headers_at);
}

}  // namespace

Task<HttpResponse> SimTransport::Send(HttpRequest request) {
  // Connection reuse is modelled because it changes what a client does with a broken answer:
  // on a reused connection a close or reset before any byte looks like a stale keep-alive
  // connection, and the request goes out once more (as the real transport does it).
  // A new connection pays its handshakes before the request goes out (the real transport's
  // total timeout counts them too).
  const TimePoint started = scheduler_.Now();
  bool reused = pool_->Take();
  for (int attempt = 0;; ++attempt) {
    if (!reused && connect_) {
      const Duration handshakes = connect_->Next();
      if (handshakes > Duration::zero()) {
        co_await SimScheduler::WaitUntil{scheduler_, scheduler_.Now() + handshakes};
      }
    }
    const TimePoint sent_at = scheduler_.Now();
    const Duration cpu_before = ThreadCpuTime();
    mocks::MockResponse mock = backend_.Handle(request, sent_at);
    mock_cpu_ += ThreadCpuTime() - cpu_before;

    HttpResponse response;
    const bool broken = BreaksBeforeHead(mock);
    std::optional<TimePoint> due = sent_at + (broken ? mock.fault_at : mock.headers_at);
    if (broken && mock.fault == WireFault::kStall) due.reset();
    const Deadlines deadlines(sent_at, started, timeouts_);
    if (auto expiry = deadlines.Expiry(due, "waiting for the response headers")) {
      co_await SimScheduler::WaitUntil{scheduler_, expiry->first};
      response.error = std::move(expiry->second);
      co_return response;
    }
    co_await SimScheduler::WaitUntil{scheduler_, *due};
    if (broken) {
      if (reused && attempt == 0 && LooksStale(mock)) {
        reused = false;
        ++pool_->opened;  // sent once more on a fresh connection
        continue;
      }
      response.error = ClientErrorOf(mock.fault, true);
      co_return response;
    }
    response.status = mock.status;
    response.headers = mock.headers;
    response.body =
        std::make_unique<SimBody>(scheduler_, started, sent_at, std::move(mock), timeouts_, pool_);
    co_return response;
  }
}

}  // namespace agentreplay::harness

namespace agentreplay::harness {
namespace {

// The proxy_router hop in virtual time: half the drawn hop on the way to the tool, half on the
// way back, around the same in-process implementation. Each call takes a connection from the
// hop client's own keep-alive pool for its round trip, as the real hop's transport does, so
// concurrent calls (px) open as many connections as run at once. The hop's cost already
// covers its connection: only the count changes with pooling.
class SimHopDispatcher : public ToolDispatcher {
 public:
  SimHopDispatcher(ToolDispatcher& inner, Clock& clock, ProxyHopDraws draws,
                   std::shared_ptr<SimConnectionPool> pool)
      : inner_(inner), clock_(clock), draws_(std::move(draws)), pool_(std::move(pool)) {}
  Task<ToolOutput> Dispatch(const ToolCall& call) override {
    const Duration hop = draws_.Next(call.name);
    pool_->Take();
    co_await clock_.Sleep(hop / 2);
    ToolOutput out = co_await inner_.Dispatch(call);
    co_await clock_.Sleep(hop - hop / 2);
    pool_->Return();
    co_return out;
  }

 private:
  ToolDispatcher& inner_;
  Clock& clock_;
  ProxyHopDraws draws_;
  std::shared_ptr<SimConnectionPool> pool_;
};

class SimSession : public WorldSession {
 public:
  SimSession(const mocks::Scenario& scenario, uint64_t seed)
      : hop_costs_(scenario),
        clock_(scheduler_),
        backend_(scenario, seed),
        transport_(scheduler_, backend_, mocks::ConnectionCosts(scenario.latency, seed)) {}

  const std::vector<mocks::StateTransition>& state_log() const override {
    return backend_.state_log();
  }
  std::unique_ptr<ToolDispatcher> ProxyHop(ToolDispatcher& in_process, const ToolCatalog&,
                                           const ToolContext&, uint64_t seed) override {
    return std::make_unique<SimHopDispatcher>(in_process, clock_, ProxyHopDraws(hop_costs_, seed),
                                              hop_pool_);
  }

  void SetClientTimeouts(const ClientTimeouts& timeouts) override {
    transport_.set_timeouts(timeouts);
  }
  void SetMaxIdleConnections(int n) override {
    const size_t idle = static_cast<size_t>(std::max(0, n));
    transport_.set_max_idle_connections(idle);
    hop_pool_->max_idle = idle;
  }
  std::optional<uint64_t> connections_opened() const override {
    return transport_.connections_opened() + hop_pool_->opened;
  }
  Clock& clock() override { return clock_; }
  Transport& transport() override { return transport_; }
  std::chrono::sys_seconds wall_origin() const override { return mocks::kScenarioEpoch; }
  Duration foreign_cpu_time() const override { return transport_.mock_cpu_time(); }

  // Until idle, not until the turn finishes: a tool call abandoned by its timeout runs to its
  // end in virtual time too, so nothing is left suspended when the session goes.
  std::optional<TurnResult> Drive(Task<TurnResult> turn) override {
    return DriveTurn(std::move(turn), [&](const bool&) { scheduler_.RunUntilIdle(); });
  }

 private:
  ProxyHopCosts hop_costs_;
  SimScheduler scheduler_;
  SimClock clock_;
  mocks::MockBackend backend_;
  SimTransport transport_;
  std::shared_ptr<SimConnectionPool> hop_pool_ = std::make_shared<SimConnectionPool>();
};

class SimWorld : public World {
 public:
  std::string_view name() const override { return "sim"; }
  std::unique_ptr<WorldSession> Open(const mocks::Scenario& scenario, uint64_t seed) override {
    return std::make_unique<SimSession>(scenario, seed);
  }
};

}  // namespace

std::unique_ptr<World> MakeSimWorld() { return std::make_unique<SimWorld>(); }

}  // namespace agentreplay::harness
