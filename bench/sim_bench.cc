// Simulated turns per second: the whole path (mock, agent core, probe, metrics) per turn.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "run/matrix_runner.h"
#include "scenario/scenario_loader.h"
#include "test_variants.h"

namespace agentreplay::harness {
namespace {

mocks::Scenario Load(const std::string& name) {
  LoadResult loaded =
      LoadScenarioFile(std::filesystem::path(AGENTREPLAY_SCENARIOS_DIR) / (name + ".json"));
  if (!loaded.scenario) throw std::runtime_error("cannot load scenario " + name);
  return std::move(*loaded.scenario);
}

void BM_SimulatedTurn(benchmark::State& state, const std::string& name) {
  const mocks::Scenario scenario = Load(name);
  auto world = MakeSimWorld();
  MatrixOptions options;
  options.repetitions = 1;
  int64_t turns = 0;
  for (auto _ : state) {
    options.seed = static_cast<uint64_t>(turns);
    results::Cell cell = RunCell(*world, scenario, StreamingResponses(), Runtime::kResponses, options);
    benchmark::DoNotOptimize(cell);
    turns += static_cast<int64_t>(cell.samples.size());
  }
  state.SetItemsProcessed(turns);
  state.counters["turns/s"] =
      benchmark::Counter(static_cast<double>(turns), benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(BM_SimulatedTurn, text_answer, std::string("text_answer"));
BENCHMARK_CAPTURE(BM_SimulatedTurn, one_tool_call, std::string("one_tool_call"));
BENCHMARK_CAPTURE(BM_SimulatedTurn, two_tool_rounds, std::string("two_tool_rounds"));

// The default matrix as `agentreplay run` runs it (every shipped scenario, 20 repetitions).
void BM_DefaultMatrix(benchmark::State& state) {
  std::vector<mocks::Scenario> scenarios;
  for (const char* n : {"text_answer", "one_tool_call", "two_tool_rounds"})
    scenarios.push_back(Load(n));
  auto world = MakeSimWorld();
  MatrixOptions options;
  options.repetitions = 20;
  options.variants = {StreamingResponses()};
  for (auto _ : state) {
    results::Results results;
    RunMatrix(*world, scenarios, options, results, nullptr);
    benchmark::DoNotOptimize(results);
  }
}
BENCHMARK(BM_DefaultMatrix)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace agentreplay::harness
