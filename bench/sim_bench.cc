// Simulated-world throughput: turns per second per runtime, and the full default matrix.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "harness/packages/registry.h"
#include "harness/packages/shipped_files.h"
#include "harness/run/matrix_runner.h"
#include "harness/run/repetition.h"
#include "harness/scenario/scenario_loader.h"
#include "results/statistics.h"

namespace agentreplay::harness {
namespace {

namespace fs = std::filesystem;

const fs::path kScenarios = AGENTREPLAY_SCENARIOS_DIR;

mocks::Scenario Load(const std::string& name) {
  auto loaded = LoadScenarioFile(kScenarios / (name + ".json"));
  if (!loaded) throw std::runtime_error("cannot load scenario " + name);
  return std::move(*loaded);
}

std::vector<mocks::Scenario> AllShipped() {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(kScenarios)) {
    const auto name = e.path().filename().string();
    if (e.path().extension() == ".json" && name.find(".schema.") == std::string::npos) {
      files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<mocks::Scenario> out;
  for (const auto& f : files) out.push_back(Load(f.stem().string()));
  return out;
}

const Registry& Packages() {
  static const Registry registry = [] {
    auto loaded = Registry::Load(shipped::PackagesFile());
    if (!loaded) throw std::runtime_error(loaded.error());
    return std::move(*loaded);
  }();
  return registry;
}

std::vector<Variant> Resolve(std::string_view list) {
  auto resolved = Packages().ResolveList(list);
  if (!resolved) throw std::runtime_error(resolved.error());
  return std::move(*resolved);
}

// One repetition of `scenario` (its turns) on `runtime` with the packages that streaming needs,
// as the matrix runs it: a fresh world session, agent and workspace, no statistics (those are
// per cell: BM_CellStatistics). one_tool_call has one turn, so its CPU time per iteration is
// the CPU time of a turn.
void BM_SimulatedTurn(benchmark::State& state, Runtime runtime, const std::string& scenario_name) {
  const mocks::Scenario scenario = Load(scenario_name);
  auto world = MakeSimWorld();
  MatrixOptions options;
  options.repetitions = 1;
  const Variant variant = Resolve("p0+p2+p1+p3").front();
  const results::Cell header = CellHeader(world->name(), scenario, variant, runtime);
  int64_t turns = 0;
  int64_t errors = 0;
  for (auto _ : state) {
    options.seed = static_cast<uint64_t>(turns);
    RepetitionOutput out = RunRepetition(*world, scenario, variant, runtime, options, header, 0);
    for (const auto& sample : out.samples) errors += sample.ok ? 0 : 1;
    turns += static_cast<int64_t>(out.samples.size());
    benchmark::DoNotOptimize(out);
  }
  if (errors > 0) state.SkipWithError("turns failed");
  state.counters["turns/s"] =
      benchmark::Counter(static_cast<double>(turns), benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(BM_SimulatedTurn, assistants_one_tool, Runtime::kAssistants,
                  std::string("one_tool_call"));
BENCHMARK_CAPTURE(BM_SimulatedTurn, responses_one_tool, Runtime::kResponses,
                  std::string("one_tool_call"));
BENCHMARK_CAPTURE(BM_SimulatedTurn, chat_one_tool, Runtime::kChat, std::string("one_tool_call"));
BENCHMARK_CAPTURE(BM_SimulatedTurn, responses_long_answer, Runtime::kResponses,
                  std::string("long_answer"));

// One turn whose first step calls get_current_time state.range(0) times at once (one_tool_call
// with its call repeated): the turn's measurement once scanned every event per call (quadratic:
// 10,000 calls took seconds per turn); its cost per call must stay flat as the calls grow.
void BM_SimulatedTurnManyToolCalls(benchmark::State& state) {
  mocks::Scenario scenario = Load("one_tool_call");
  auto& calls = scenario.turns.front().steps.front().tool_calls;
  const auto call = calls.front();
  calls.assign(static_cast<std::size_t>(state.range(0)), call);
  scenario.turns.front().expect = {};
  auto world = MakeSimWorld();
  MatrixOptions options;
  options.repetitions = 1;
  const Variant variant = Resolve("p0+p2+p1+p3").front();
  const results::Cell header = CellHeader(world->name(), scenario, variant, Runtime::kResponses);
  int64_t errors = 0;
  for (auto _ : state) {
    RepetitionOutput out =
        RunRepetition(*world, scenario, variant, Runtime::kResponses, options, header, 0);
    for (const auto& sample : out.samples) errors += sample.ok ? 0 : 1;
    benchmark::DoNotOptimize(out);
  }
  if (errors > 0) state.SkipWithError("turns failed");
  state.counters["calls/s"] = benchmark::Counter(
      static_cast<double>(state.range(0)) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SimulatedTurnManyToolCalls)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(10000)
    ->Unit(benchmark::kMillisecond);

// A cell's statistics at 20 repetitions of long_answer (its pooled inter-token gaps are the
// largest metric): computed once per cell, by the worker that ends the cell.
void BM_CellStatistics(benchmark::State& state) {
  const mocks::Scenario scenario = Load("long_answer");
  auto world = MakeSimWorld();
  MatrixOptions options;
  options.repetitions = 20;
  const Variant variant = Resolve("p0+p2+p1+p3").front();
  const results::Cell cell = RunCell(*world, scenario, variant, Runtime::kResponses, options);
  for (auto _ : state) {
    results::Cell copy = cell;
    results::ComputeCellStats(copy, 1);
    benchmark::DoNotOptimize(copy);
  }
}
BENCHMARK(BM_CellStatistics)->Unit(benchmark::kMillisecond);

// The full default matrix: every shipped scenario × 3 runtimes × the default ladder × 20
// repetitions, as `agentreplay run --runtimes assistants,responses,chat -n 20` runs it.
void BM_DefaultMatrix(benchmark::State& state) {
  const auto scenarios = AllShipped();
  MatrixOptions options;
  options.repetitions = 20;
  options.variants = Resolve("default");
  options.runtimes = {Runtime::kAssistants, Runtime::kResponses, Runtime::kChat};
  size_t cells = 0;
  for (auto _ : state) {
    results::Results results;
    auto ran = RunMatrix([] { return Expected<std::unique_ptr<World>>(MakeSimWorld()); }, scenarios,
                         options, results, nullptr);
    if (!ran) state.SkipWithError(ran.error().c_str());
    cells = results.cells.size();
    benchmark::DoNotOptimize(results);
  }
  state.counters["cells"] = static_cast<double>(cells);
  state.counters["repetitions"] = static_cast<double>(cells * 20);
}
BENCHMARK(BM_DefaultMatrix)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace agentreplay::harness
