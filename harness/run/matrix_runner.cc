#include "run/matrix_runner.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <exception>

#include "core/random.h"
#include "measure/metrics.h"
#include "measure/probe.h"
#include "run/checks.h"
#include "run/scripted_tools.h"
#include "run/stats.h"
#include "sim/sim_world.h"
#include "tools/in_process_dispatcher.h"

namespace agentreplay::harness {
namespace {

results::Sample ErrorSample(int repetition, int turn, std::string kind, std::string reason,
                            std::string message) {
  results::Sample s;
  s.repetition = repetition;
  s.turn = turn;
  s.ok = false;
  s.error_kind = std::move(kind);
  s.error_reason = std::move(reason);
  s.error_message = std::move(message);
  s.metrics["errors"] = 1.0;
  return s;
}

// One repetition: a fresh world, a fresh agent, every turn of the scenario in order.
void RunRepetition(World& world, const mocks::Scenario& scenario, Runtime runtime, uint64_t seed,
                   int repetition, results::Cell& cell) {
  auto session = world.Open(scenario, seed);
  ToolCatalog catalog = MakeDefaultCatalog();
  ApplyScenarioToolLatencies(scenario, seed, catalog);
  InProcessDispatcher dispatcher(catalog, ToolContext{&session->clock(), session->wall_origin()});

  Probe probe(session->clock());
  Transport& transport = probe.WrapTransport(session->transport());
  ToolDispatcher& tools = probe.WrapDispatcher(dispatcher);

  AgentOptions options;
  options.runtime = runtime;
  options.llm.model = scenario.model;
  options.llm.instructions = scenario.instructions;
  auto agent =
      Agent::Create(options, AgentPorts{probe.clock(), transport, tools, probe}, catalog.Specs());
  if (!agent) {
    for (int t = 0; t < static_cast<int>(scenario.turns.size()); ++t) {
      cell.samples.push_back(
          ErrorSample(repetition, t, "internal", "runtime_unavailable",
                      fmt::format("runtime '{}' is not available", RuntimeName(runtime))));
    }
    return;
  }

  for (int t = 0; t < static_cast<int>(scenario.turns.size()); ++t) {
    const auto& script = scenario.turns[static_cast<size_t>(t)];
    probe.BeginTurn();
    const Duration cpu_before = ThreadCpuTime();
    const Duration foreign_before = session->foreign_cpu_time();
    std::optional<TurnResult> turn;
    try {
      turn = session->Drive(agent->RunTurn(script.user));
    } catch (const std::exception& e) {
      cell.samples.push_back(ErrorSample(repetition, t, "internal", "exception", e.what()));
      return;  // the agent's state is unknown: later turns would measure nonsense
    }
    if (!turn) {
      cell.samples.push_back(ErrorSample(repetition, t, "internal", "hang",
                                         "the world ran out of work before the turn finished"));
      return;
    }
    const Duration agent_cpu =
        (ThreadCpuTime() - cpu_before) - (session->foreign_cpu_time() - foreign_before);
    results::Sample sample;
    sample.repetition = repetition;
    sample.turn = t;
    DeriveMetrics(probe.TakeTimeline(), *turn, agent_cpu, sample);
    AccumulateChecks(EvaluateTurn(script, t, *turn), cell.checks);
    cell.samples.push_back(std::move(sample));
    if (!turn->ok) {
      SPDLOG_DEBUG("{} rep {} turn {}: {}", scenario.name, repetition, t, turn->error->message);
    }
  }
}

}  // namespace

uint64_t RepetitionSeed(uint64_t run_seed, const std::string& scenario, int repetition) {
  return DeriveSeed(run_seed, fmt::format("{}#{}", scenario, repetition));
}

results::Cell RunCell(World& world, const mocks::Scenario& scenario, Runtime runtime,
                      const std::string& variant, const MatrixOptions& options) {
  results::Cell cell;
  cell.scenario = scenario.name;
  cell.runtime = RuntimeName(runtime);
  cell.variant = variant;
  cell.world = world.name();
  for (int rep = 0; rep < options.repetitions; ++rep) {
    RunRepetition(world, scenario, runtime, RepetitionSeed(options.seed, scenario.name, rep), rep,
                  cell);
  }
  ComputeCellStats(cell);
  return cell;
}

void RunMatrix(World& world, const std::vector<mocks::Scenario>& scenarios,
               const MatrixOptions& options, results::Results& results,
               const std::function<void(const results::Results&)>& after_cell) {
  for (const auto& scenario : scenarios) {
    for (Runtime runtime : options.runtimes) {
      for (const auto& variant : options.variants) {
        results.cells.push_back(RunCell(world, scenario, runtime, variant, options));
        if (after_cell) after_cell(results);
      }
    }
  }
}

}  // namespace agentreplay::harness
