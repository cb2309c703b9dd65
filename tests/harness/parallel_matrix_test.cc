// The matrix on many workers: the same cells, samples and statistics as on one, byte for byte
// (CPU time aside), in plan order; shards partition the plan; a stop leaves a prefix of it.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <set>

#include "harness/packages/shipped_files.h"
#include "harness/run/matrix_runner.h"
#include "harness/scenario/scenario_loader.h"
#include "results/results_json.h"
#include "tests/harness/test_variants.h"

namespace agentreplay::harness {
namespace {

std::vector<mocks::Scenario> ShippedScenarios() {
  std::vector<mocks::Scenario> scenarios;
  for (const auto& path : shipped::ScenarioFiles()) {
    auto loaded = LoadScenarioFile(path);
    if (!loaded) throw std::runtime_error(loaded.error());
    scenarios.push_back(std::move(*loaded));
  }
  return scenarios;
}

WorldFactory SimWorlds() {
  return [] { return Expected<std::unique_ptr<World>>(MakeSimWorld()); };
}

// The document without what is measured rather than simulated: the agent's CPU time.
std::string WithoutCpu(results::Results results) {
  for (auto& cell : results.cells) {
    for (auto& sample : cell.samples) sample.metrics.erase("agent_cpu_us");
    cell.stats.erase("agent_cpu_us");
    cell.change_vs_baseline.erase("agent_cpu_us");
  }
  return results::ResultsToJson(results);
}

MatrixOptions Options(int jobs) {
  MatrixOptions options;
  options.variants = *ShippedPackages().ResolveList("baseline,p0+p2+p1+p3");
  options.repetitions = 3;
  options.warmup = 1;
  options.seed = 7;
  options.jobs = jobs;
  return options;
}

results::Results RunPlan(const std::vector<mocks::Scenario>& scenarios,
                         const MatrixOptions& options, std::vector<std::string>* order = nullptr) {
  results::Results results;
  const Status ran =
      RunMatrix(SimWorlds(), scenarios, options, results, [&](const results::Cell& cell) {
        if (order) order->push_back(cell.scenario + "/" + cell.variant);
      });
  EXPECT_TRUE(ran) << (ran ? "" : ran.error());
  return results;
}

TEST(ParallelMatrixTest, ManyWorkersGiveTheSerialRunsDocument) {
  const auto scenarios = ShippedScenarios();
  std::vector<std::string> serial_order, parallel_order;
  const results::Results serial = RunPlan(scenarios, Options(1), &serial_order);
  const results::Results parallel = RunPlan(scenarios, Options(4), &parallel_order);
  ASSERT_EQ(serial.cells.size(), PlanCells(scenarios, Options(1)).size());
  EXPECT_EQ(parallel_order, serial_order);  // handed on in plan order
  EXPECT_EQ(WithoutCpu(parallel), WithoutCpu(serial));
}

TEST(ParallelMatrixTest, ShardsPartitionThePlanRoundRobin) {
  const auto scenarios = ShippedScenarios();
  MatrixOptions whole_options = Options(2);
  whole_options.warmup = 0;
  whole_options.repetitions = 1;
  const results::Results whole = RunPlan(scenarios, whole_options);
  const size_t n = 3;
  std::vector<results::Results> shards;
  for (size_t i = 1; i <= n; ++i) {
    MatrixOptions options = whole_options;
    options.shard_index = static_cast<int>(i);
    options.shard_count = static_cast<int>(n);
    shards.push_back(RunPlan(scenarios, options));
  }
  size_t total = 0;
  for (const auto& shard : shards) total += shard.cells.size();
  ASSERT_EQ(total, whole.cells.size());
  for (size_t k = 0; k < whole.cells.size(); ++k) {
    results::Cell expected = whole.cells[k];
    results::Cell got = shards[k % n].cells[k / n];
    // Baselines may live in another shard: compare what the cell itself measured.
    for (auto* cell : {&expected, &got}) {
      cell->baseline.clear();
      cell->change_vs_baseline.clear();
      for (auto& sample : cell->samples) sample.metrics.erase("agent_cpu_us");
      cell->stats.erase("agent_cpu_us");
    }
    results::Results a, b;
    a.cells = {expected};
    b.cells = {got};
    EXPECT_EQ(results::ResultsToJson(b), results::ResultsToJson(a)) << "plan index " << k;
  }
}

TEST(ParallelMatrixTest, AStopLeavesAPrefixOfThePlanWithEveryStartedCellWhole) {
  const auto scenarios = ShippedScenarios();
  MatrixOptions options = Options(3);
  std::atomic<int> asked{0};
  options.stop_requested = [&asked] { return ++asked > 4; };  // four cells start, then stop
  const results::Results stopped = RunPlan(scenarios, options);
  const results::Results whole = RunPlan(scenarios, Options(1));
  ASSERT_EQ(stopped.cells.size(), 4u);
  for (size_t k = 0; k < stopped.cells.size(); ++k) {
    EXPECT_EQ(stopped.cells[k].scenario, whole.cells[k].scenario);
    EXPECT_EQ(stopped.cells[k].variant, whole.cells[k].variant);
    EXPECT_EQ(stopped.cells[k].samples.size(), whole.cells[k].samples.size());
  }
}

TEST(ParallelMatrixTest, AWorldThatCannotBeMadeFailsBeforeAnythingRuns) {
  results::Results results;
  int made = 0;
  const Status ran = RunMatrix(
      [&made]() -> Expected<std::unique_ptr<World>> {
        if (++made > 1) return Fail("no more worlds");
        return std::unique_ptr<World>(MakeSimWorld());
      },
      ShippedScenarios(), Options(2), results, nullptr);
  ASSERT_FALSE(ran);
  EXPECT_EQ(ran.error(), "no more worlds");
  EXPECT_TRUE(results.cells.empty());
}

}  // namespace
}  // namespace agentreplay::harness
