#include "harness/load/load_runner.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <coroutine>
#include <exception>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "harness/run/agent_session.h"
#include "harness/run/checks.h"
#include "harness/run/matrix_runner.h"
#include "harness/run/workspace_setup.h"
#include "results/statistics.h"

namespace agentreplay::harness {
namespace {

// How often the load looks at the stop flag and reports progress, and the longest single
// wait of the arrivals (so a stop is seen within it even at a low rate).
constexpr Duration kTick = std::chrono::milliseconds(100);

results::Sample ErrorSample(size_t session, int turn, std::string reason, std::string message) {
  results::Sample s;
  s.repetition = static_cast<int>(session);
  s.turn = turn;
  s.ok = false;
  s.error_kind = "internal";
  s.error_reason = std::move(reason);
  s.error_message = std::move(message);
  s.metrics["errors"] = 1.0;
  return s;
}

// One rate's load: the arrivals, the sessions and a ticker as tasks on the world's loop.
class LoadCellRun {
 public:
  LoadCellRun(World& world, Clock& clock, const mocks::Scenario& scenario, VariantSettings settings,
              const LoadOptions& options, std::vector<Duration> schedule)
      : world_(world),
        clock_(clock),
        scenario_(scenario),
        settings_(std::move(settings)),
        options_(options),
        schedule_(std::move(schedule)),
        samples_(schedule_.size()),
        outcomes_(schedule_.size()) {}

  void Run(results::Cell& cell) {
    origin_ = clock_.Now();
    Spawn(Arrivals(), [this](const std::exception_ptr& e) {
      if (e) spdlog::error("load: the arrivals stopped early: {}", Describe(e));
      arrivals_done_ = true;
    });
    Spawn(Ticker(), [this](const std::exception_ptr&) { ticker_done_ = true; });
    world_.RunLoopUntil([this] { return arrivals_done_ && ticker_done_ && active_ == 0; });
    // What the sessions left behind (cancelled timers, work abandoned by a timeout) ends before
    // the sessions kept for it go.
    world_.RunLoopUntilIdle();
    kept_.clear();
    Report();
    for (size_t i = 0; i < samples_.size(); ++i) {
      AccumulateChecks(outcomes_[i], cell.checks);
      for (auto& sample : samples_[i]) cell.samples.push_back(std::move(sample));
    }
  }

 private:
  static std::string Describe(const std::exception_ptr& e) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      return ex.what();
    } catch (...) {
      return "unknown exception";
    }
  }

  // Parks the arrivals until a slot is free (or the load stops).
  struct SlotWait {
    LoadCellRun* run;
    bool await_ready() const noexcept {
      return run->stopping_ || run->active_ < static_cast<size_t>(run->options_.concurrency_cap);
    }
    void await_suspend(std::coroutine_handle<> h) noexcept { run->slot_waiter_ = h; }
    void await_resume() const noexcept {}
  };

  void WakeArrivals() {
    if (auto h = std::exchange(slot_waiter_, nullptr)) h.resume();
  }

  Task<void> Arrivals() {
    for (size_t i = 0; i < schedule_.size() && !stopping_; ++i) {
      const TimePoint due = origin_ + schedule_[i];
      while (!stopping_ && clock_.Now() < due) {
        co_await clock_.Sleep(std::min(kTick, due - clock_.Now()));
      }
      if (stopping_) break;
      // Due and not started: this one and those behind it whose instant has passed too.
      const Duration now = clock_.Now() - origin_;
      waiting_ =
          static_cast<size_t>(std::upper_bound(schedule_.begin() + static_cast<std::ptrdiff_t>(i),
                                               schedule_.end(), now) -
                              (schedule_.begin() + static_cast<std::ptrdiff_t>(i)));
      SlotWait slot{this};
      co_await slot;
      waiting_ = 0;
      if (stopping_) break;
      ++active_;
      ++started_;
      peak_active_ = std::max(peak_active_, active_);
      Spawn(Session(i, due), [this, i](const std::exception_ptr& e) {
        if (e) {
          // Session() turns every failure into a sample; this is a last resort.
          samples_[i].push_back(ErrorSample(i, 0, "exception", Describe(e)));
        }
        SessionEnded(i);
      });
    }
  }

  void SessionEnded(size_t index) {
    --active_;
    ++finished_;
    for (const auto& s : samples_[index]) {
      if (!s.ok) {
        ++failed_;
        break;
      }
    }
    WakeArrivals();
  }

  Task<void> Session(size_t index, TimePoint intended) {
    const uint64_t seed = RepetitionSeed(options_.seed, scenario_.name, static_cast<int>(index));
    const int turns = static_cast<int>(scenario_.turns.size());
    auto& samples = samples_[index];
    std::unique_ptr<WorldSession> world_session;
    try {
      world_session = world_.Open(scenario_, seed);
    } catch (const std::exception& e) {
      for (int t = 0; t < turns; ++t) {
        samples.push_back(ErrorSample(index, t, "session_unavailable", e.what()));
      }
      co_return;
    }
    world_session->SetClientTimeouts(options_.timeouts);
    AgentSessionSpec spec;
    spec.scenario = &scenario_;
    spec.settings = settings_;
    spec.seed = seed;
    spec.tool_packs = options_.tool_packs;
    if (options_.prices != nullptr) spec.price = options_.prices->Find(scenario_.model);
    auto opened = AgentSession::Open(*world_session, std::move(spec));
    if (!opened) {
      for (int t = 0; t < turns; ++t) {
        samples.push_back(ErrorSample(index, t, "session_unavailable", opened.error()));
      }
      co_return;
    }
    std::unique_ptr<AgentSession> session = std::move(*opened);
    bool broken = false;
    for (int t = 0; t < turns; ++t) {
      const auto& script = scenario_.turns[static_cast<size_t>(t)];
      // Only the first turn has an intended start: later ones follow the session's own pace.
      std::optional<TimePoint> due;
      if (t == 0) due = intended;
      MeasuredTurn measured = co_await session->RunTurnAsync(script.user, due);
      measured.sample.repetition = static_cast<int>(index);
      measured.sample.turn = t;
      broken = broken || !measured.sample.ok;
      if (!measured.turn) {
        samples.push_back(std::move(measured.sample));
        break;  // the agent's state is unknown: later turns would measure nonsense
      }
      std::vector<CheckOutcome> outcomes = EvaluateTurn(script, t, *measured.turn);
      Workspace* checked = script.expect.data.empty() ? nullptr : session->workspace();
      if (checked != nullptr) {
        for (auto& data : CheckDataExpectations(*checked, script.expect)) {
          data.name = fmt::format("turn {}: {}", t + 1, data.name);
          outcomes.push_back(std::move(data));
        }
      }
      for (auto& o : outcomes) outcomes_[index].push_back(std::move(o));
      samples.push_back(std::move(measured.sample));
    }
    if (broken) {
      // A turn that failed may have left work behind on the loop (a request or tool call
      // abandoned by its timeout) that still points into the session: it stays until the loop
      // is idle at the end of the rate.
      kept_.push_back(Kept{std::move(world_session), std::move(session)});
      co_return;
    }
    // One pass of the loop first, for the handlers of the turn's cancelled timers.
    co_await clock_.Sleep(Duration(0));
  }

  Task<void> Ticker() {
    while (!(arrivals_done_ && active_ == 0)) {
      co_await clock_.Sleep(kTick);
      if (!stopping_ && options_.stop_requested && options_.stop_requested()) {
        stopping_ = true;
        WakeArrivals();
      }
      Report();
    }
  }

  void Report() const {
    if (!options_.on_progress) return;
    LoadProgress p;
    p.rate = options_.arrivals.rate;
    p.planned = schedule_.size();
    p.started = started_;
    p.finished = finished_;
    p.active = active_;
    p.peak_active = peak_active_;
    p.waiting = waiting_;
    p.failed = failed_;
    p.elapsed_s = std::chrono::duration<double>(clock_.Now() - origin_).count();
    options_.on_progress(p);
  }

  struct Kept {
    std::unique_ptr<WorldSession> world;
    std::unique_ptr<AgentSession> agent;  // destroyed first: it uses the world session
  };

  World& world_;
  Clock& clock_;
  const mocks::Scenario& scenario_;
  VariantSettings settings_;
  const LoadOptions& options_;
  std::vector<Duration> schedule_;
  std::vector<std::vector<results::Sample>> samples_;  // by session index
  std::vector<std::vector<CheckOutcome>> outcomes_;    // by session index
  std::vector<Kept> kept_;
  TimePoint origin_{};
  std::coroutine_handle<> slot_waiter_;
  bool arrivals_done_ = false;
  bool ticker_done_ = false;
  bool stopping_ = false;
  size_t active_ = 0;
  size_t peak_active_ = 0;
  size_t started_ = 0;
  size_t finished_ = 0;
  size_t failed_ = 0;
  size_t waiting_ = 0;
};

}  // namespace

std::string LoadVariantName(std::string_view variant, double rate) {
  return fmt::format("{}@rate={}/s", variant, rate);
}

Expected<results::Cell> RunLoadCell(World& world, const mocks::Scenario& scenario,
                                    const Variant& variant, Runtime runtime,
                                    const LoadOptions& options) {
  Clock* clock = world.shared_clock();
  if (clock == nullptr) {
    return Fail(
        fmt::format("the {} world runs one session at a time; load needs the real world "
                    "or a live endpoint",
                    world.name()));
  }
  if (options.concurrency_cap < 1) return Fail("the concurrency cap must be at least 1");
  auto schedule = ArrivalSchedule(options.arrivals);
  if (!schedule) return schedule.failure();

  VariantSettings settings = variant.settings;
  settings.runtime = runtime;
  results::Cell cell;
  cell.scenario = scenario.name;
  cell.runtime = RuntimeName(runtime);
  cell.variant = LoadVariantName(variant.name, options.arrivals.rate);
  cell.world = world.name();
  cell.source.kind = scenario.source_kind;
  cell.source.path = scenario.source_path;
  cell.source.origin = scenario.source_origin;
  LoadCellRun run(world, *clock, scenario, std::move(settings), options, std::move(*schedule));
  run.Run(cell);
  results::ComputeCellStats(cell, options.seed);
  return cell;
}

}  // namespace agentreplay::harness
