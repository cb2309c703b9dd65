#include "sim/sim_world.h"

#include <time.h>

#include <algorithm>
#include <memory>

#include "core/random.h"

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

Duration ThreadCpuTime() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

namespace {

class SimBody : public BodyStream {
 public:
  SimBody(SimScheduler& scheduler, TimePoint sent_at, std::vector<mocks::TimedChunk> chunks)
      : scheduler_(scheduler), sent_at_(sent_at), chunks_(std::move(chunks)) {}

  Task<BodyChunk> Next() override {
    if (next_ >= chunks_.size()) {
      // The end is observed through the scheduler too, so ordering stays deterministic.
      co_await SimScheduler::WaitUntil{scheduler_, scheduler_.Now()};
      co_return BodyChunk{{}, true, std::nullopt};
    }
    mocks::TimedChunk& chunk = chunks_[next_++];
    co_await SimScheduler::WaitUntil{scheduler_, sent_at_ + chunk.at};
    co_return BodyChunk{std::move(chunk.bytes), false, std::nullopt};
  }

 private:
  SimScheduler& scheduler_;
  TimePoint sent_at_;
  std::vector<mocks::TimedChunk> chunks_;
  size_t next_ = 0;
};

}  // namespace

Task<HttpResponse> SimTransport::Send(HttpRequest request) {
  const TimePoint sent_at = scheduler_.Now();
  const Duration cpu_before = ThreadCpuTime();
  mocks::MockResponse mock = backend_.Handle(request, sent_at);
  mock_cpu_ += ThreadCpuTime() - cpu_before;

  co_await SimScheduler::WaitUntil{scheduler_, sent_at + mock.headers_at};
  HttpResponse response;
  response.status = mock.status;
  response.headers = std::move(mock.headers);
  response.body = std::make_unique<SimBody>(scheduler_, sent_at, std::move(mock.chunks));
  co_return response;
}

}  // namespace agentreplay::harness

namespace agentreplay::harness {
namespace {

// Simulated runs tell a fixed calendar time (2026-01-01T00:00:00Z plus virtual time), so
// tool outputs, and therefore request bytes, are identical run after run.
constexpr std::chrono::sys_seconds kSimWallOrigin{std::chrono::seconds(1767225600)};

// The proxy_router hop in virtual time: half the drawn hop latency on the way to the tool,
// half on the way back, around the same in-process implementation.
class SimHopDispatcher : public ToolDispatcher {
 public:
  SimHopDispatcher(ToolDispatcher& inner, Clock& clock, mocks::Dist hop, uint64_t seed)
      : inner_(inner), clock_(clock), hop_(hop), rng_(seed) {}
  Task<ToolOutput> Dispatch(const ToolCall& call) override {
    const Duration hop = FromMillis(std::max(0.0, hop_.Sample(rng_)));
    co_await clock_.Sleep(hop / 2);
    ToolOutput out = co_await inner_.Dispatch(call);
    co_await clock_.Sleep(hop - hop / 2);
    co_return out;
  }

 private:
  ToolDispatcher& inner_;
  Clock& clock_;
  mocks::Dist hop_;
  Rng rng_;
};

class SimSession : public WorldSession {
 public:
  SimSession(const mocks::Scenario& scenario, uint64_t seed)
      : clock_(scheduler_),
        backend_(scenario, seed),
        transport_(scheduler_, backend_),
        proxy_hop_ms_(scenario.proxy_hop_ms) {}

  const std::vector<mocks::StateTransition>& state_log() const override {
    return backend_.state_log();
  }
  std::unique_ptr<ToolDispatcher> ProxyHop(ToolDispatcher& in_process, uint64_t seed) override {
    return std::make_unique<SimHopDispatcher>(in_process, clock_, proxy_hop_ms_,
                                              DeriveSeed(seed, "proxy-hop"));
  }

  Clock& clock() override { return clock_; }
  Transport& transport() override { return transport_; }
  std::chrono::sys_seconds wall_origin() const override { return kSimWallOrigin; }
  Duration foreign_cpu_time() const override { return transport_.mock_cpu_time(); }

  std::optional<TurnResult> Drive(Task<TurnResult> turn) override {
    std::optional<TurnResult> result;
    std::exception_ptr error;
    bool finished = false;
    Spawn(
        [](Task<TurnResult> t, std::optional<TurnResult>& out) -> Task<void> {
          out.emplace(co_await t);
        }(std::move(turn), result),
        [&](std::exception_ptr e) {
          error = e;
          finished = true;
        });
    scheduler_.RunUntilIdle();
    if (error) std::rethrow_exception(error);
    if (!finished) return std::nullopt;
    return result;
  }

 private:
  SimScheduler scheduler_;
  SimClock clock_;
  mocks::MockBackend backend_;
  SimTransport transport_;
  mocks::Dist proxy_hop_ms_;
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
