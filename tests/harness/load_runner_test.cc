// Many sessions at once on one event loop over loopback: the load runner must keep sessions
// apart (each makes exactly the requests its own seed makes in the simulated world), count
// every latency from the session's intended start, hold arrivals back at the concurrency cap
// (and count their wait), and stop cleanly keeping what finished. Real seconds, so the
// scenario runs at a reduced time scale, and every timing bound is generous: counts are exact,
// times only within wide tolerances.
#include "harness/load/load_runner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "harness/packages/registry.h"
#include "harness/packages/shipped_files.h"
#include "harness/run/matrix_runner.h"
#include "harness/scenario/scenario_loader.h"

namespace agentreplay::harness {
namespace {

constexpr double kTimeScale = 0.25;
constexpr const char* kVariant = "p0+p2+p1+p3+p4+p5";

const Registry& Packages() {
  static const Registry registry = [] {
    auto loaded = Registry::Load(shipped::PackagesFile());
    return std::move(*loaded);
  }();
  return registry;
}

mocks::Scenario Shipped(const std::string& name) {
  auto loaded =
      LoadScenarioFile(std::filesystem::path(AGENTREPLAY_SCENARIOS_DIR) / (name + ".json"));
  EXPECT_TRUE(loaded) << loaded.error();
  return std::move(*loaded);
}

double Metric(const results::Sample& s, const char* name) {
  auto it = s.metrics.find(name);
  EXPECT_NE(it, s.metrics.end()) << name;
  return it == s.metrics.end() ? -1.0 : it->second;
}

TEST(LoadRunnerTest, FiftySessionsAtARateRunApartAndCountFromTheirIntendedStart) {
  const mocks::Scenario scenario = Shipped("two_tool_rounds");
  auto variant = Packages().ResolveVariant(kVariant);
  ASSERT_TRUE(variant.ok());
  auto world = MakeRealWorld(RealWorldOptions{kTimeScale});
  ASSERT_TRUE(world) << world.error();

  LoadOptions options;
  options.arrivals.rate = 100;
  options.arrivals.sessions = 50;
  options.seed = 3;
  size_t progress_calls = 0;
  options.on_progress = [&](const LoadProgress& p) {
    ++progress_calls;
    EXPECT_EQ(p.planned, 50u);
    EXPECT_LE(p.finished, p.started);
  };
  auto cell = RunLoadCell(**world, scenario, *variant, Runtime::kResponses, options);
  ASSERT_TRUE(cell) << cell.error();
  EXPECT_EQ(cell->variant, std::string(kVariant) + "@rate=100/s");
  EXPECT_EQ(cell->world, "real");
  ASSERT_EQ(cell->samples.size(), 50u);
  EXPECT_EQ(cell->error_samples, 0);
  EXPECT_GT(progress_calls, 0u);

  // The simulated world with the same seed: repetition i there is session i here.
  MatrixOptions sim_options;
  sim_options.repetitions = 50;
  sim_options.seed = 3;
  auto sim = MakeSimWorld();
  const results::Cell sim_cell =
      RunCell(*sim, scenario, *variant, Runtime::kResponses, sim_options);
  ASSERT_EQ(sim_cell.samples.size(), 50u);

  for (size_t i = 0; i < cell->samples.size(); ++i) {
    const results::Sample& s = cell->samples[i];
    ASSERT_TRUE(s.ok) << i << ": " << s.error_reason << ": " << s.error_message;
    EXPECT_EQ(s.repetition, static_cast<int>(i));
    // Exact: the sessions' requests did not mix.
    EXPECT_EQ(s.requests_by_endpoint, sim_cell.samples[i].requests_by_endpoint) << i;
    for (const char* count : {"requests", "tool_calls", "steps", "connections"}) {
      EXPECT_EQ(Metric(s, count), Metric(sim_cell.samples[i], count)) << count << " " << i;
    }
    // A session starts at or after its intended start; from-intended figures add the delay.
    const double delay = Metric(s, "start_delay_ms");
    EXPECT_GE(delay, 0.0) << i;
    EXPECT_DOUBLE_EQ(Metric(s, "ttft_from_intended_ms"), delay + Metric(s, "ttft_ms")) << i;
    EXPECT_DOUBLE_EQ(Metric(s, "e2e_from_intended_ms"), delay + Metric(s, "e2e_ms")) << i;
    // With many sessions on the thread, its CPU time is nobody's alone.
    EXPECT_EQ(s.metrics.count("agent_cpu_us"), 0u);
    EXPECT_FALSE(s.fidelity_ms.empty()) << i;
    // Timings within generous bounds: the e2e is the script's (sim) plus the machine's noise.
    EXPECT_NEAR(Metric(s, "e2e_ms"), Metric(sim_cell.samples[i], "e2e_ms") * kTimeScale,
                250.0 + 0.5 * Metric(sim_cell.samples[i], "e2e_ms") * kTimeScale)
        << i;
  }
  // Fifty sessions at 100/s on an idle loop: most start within a few ms of their due instant.
  const results::Summary* delay = results::FindStat(*cell, "start_delay_ms");
  ASSERT_NE(delay, nullptr);
  EXPECT_EQ(delay->count, 50);
  EXPECT_LT(delay->p50, 250.0);
  const results::Summary* fidelity = results::FindStat(*cell, "fidelity_ms");
  ASSERT_NE(fidelity, nullptr);
  EXPECT_LT(fidelity->p50, 250.0);
  EXPECT_FALSE(cell->checks.empty());
  for (const auto& check : cell->checks) EXPECT_EQ(check.total, 50) << check.name;
}

TEST(LoadRunnerTest, TheConcurrencyCapHoldsArrivalsBackAndTheirWaitCounts) {
  const mocks::Scenario scenario = Shipped("two_tool_rounds");
  auto variant = Packages().ResolveVariant(kVariant);
  ASSERT_TRUE(variant.ok());
  auto world = MakeRealWorld(RealWorldOptions{kTimeScale});
  ASSERT_TRUE(world) << world.error();
  LoadOptions options;
  options.arrivals.rate = 1000;  // all twelve due within 11 ms
  options.arrivals.sessions = 12;
  options.concurrency_cap = 3;
  size_t most_active = 0;
  options.on_progress = [&](const LoadProgress& p) { most_active = p.peak_active; };
  auto cell = RunLoadCell(**world, scenario, *variant, Runtime::kResponses, options);
  ASSERT_TRUE(cell) << cell.error();
  ASSERT_EQ(cell->samples.size(), 12u);
  EXPECT_EQ(cell->error_samples, 0);
  EXPECT_EQ(most_active, 3u);  // the cap, reached and never passed
  double shortest_e2e = 1e9;
  double longest_delay = 0;
  for (const auto& s : cell->samples) {
    shortest_e2e = std::min(shortest_e2e, Metric(s, "e2e_ms"));
    longest_delay = std::max(longest_delay, Metric(s, "start_delay_ms"));
  }
  // The last arrivals waited for three rounds of sessions: at least two whole sessions' time
  // (generously less than the three rounds it takes).
  EXPECT_GT(longest_delay, 2 * shortest_e2e);
}

TEST(LoadRunnerTest, AStopStartsNoMoreSessionsAndKeepsThoseThatFinished) {
  const mocks::Scenario scenario = Shipped("two_tool_rounds");
  auto variant = Packages().ResolveVariant(kVariant);
  ASSERT_TRUE(variant.ok());
  auto world = MakeRealWorld(RealWorldOptions{kTimeScale});
  ASSERT_TRUE(world) << world.error();
  LoadOptions options;
  options.arrivals.rate = 20;
  options.arrivals.sessions = 400;  // 20 s of arrivals, stopped after the first few
  size_t started = 0;
  options.on_progress = [&](const LoadProgress& p) { started = p.started; };
  options.stop_requested = [&] { return started >= 5; };
  auto cell = RunLoadCell(**world, scenario, *variant, Runtime::kResponses, options);
  ASSERT_TRUE(cell) << cell.error();
  EXPECT_GE(cell->samples.size(), 5u);
  EXPECT_LT(cell->samples.size(), 400u);
  EXPECT_EQ(cell->error_samples, 0);
  std::set<int> sessions;
  for (const auto& s : cell->samples) sessions.insert(s.repetition);
  EXPECT_EQ(sessions.size(), cell->samples.size());
}

TEST(LoadRunnerTest, TheSimulatedWorldCannotRunALoad) {
  const mocks::Scenario scenario = Shipped("two_tool_rounds");
  auto variant = Packages().ResolveVariant(kVariant);
  ASSERT_TRUE(variant.ok());
  auto sim = MakeSimWorld();
  LoadOptions options;
  options.arrivals.sessions = 1;
  auto cell = RunLoadCell(*sim, scenario, *variant, Runtime::kResponses, options);
  ASSERT_FALSE(cell);
  EXPECT_NE(cell.error().find("one session at a time"), std::string::npos) << cell.error();
}

}  // namespace
}  // namespace agentreplay::harness
