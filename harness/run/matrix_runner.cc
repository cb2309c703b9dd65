#include "run/matrix_runner.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <mutex>

#include "core/random.h"
#include "measure/metrics.h"
#include "measure/probe.h"
#include "run/checks.h"
#include "run/scripted_tools.h"
#include "run/stats.h"
#include "run/workspace_setup.h"
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
void RunRepetition(World& world, const mocks::Scenario& scenario, const VariantSettings& settings,
                   const MatrixOptions& matrix, uint64_t seed, int repetition,
                   results::Cell& cell) {
  // Rules from --faults follow the scenario's own, so their indexes (and draws) come after.
  std::optional<mocks::Scenario> with_faults;
  if (!matrix.faults.empty()) {
    with_faults = scenario;
    with_faults->faults.insert(with_faults->faults.end(), matrix.faults.begin(),
                               matrix.faults.end());
  }
  auto session = world.Open(with_faults ? *with_faults : scenario, seed);
  session->SetClientTimeouts(ClientTimeouts{matrix.read_timeout, matrix.total_timeout});
  std::optional<std::filesystem::path> keep;
  if (matrix.workspace_dir) {
    keep = *matrix.workspace_dir / cell.scenario / cell.runtime / cell.variant /
           fmt::format("rep{}", repetition);
  }
  // Created and seeded on first use only (most turns never touch data); a failure leaves the
  // data tools answering no_workspace and is reported once.
  std::unique_ptr<Workspace> workspace;
  std::mutex workspace_mutex;
  bool workspace_failed = false;
  auto open_workspace = [&]() -> Workspace* {
    std::lock_guard lock(workspace_mutex);
    if (!workspace && !workspace_failed) {
      std::string error;
      workspace = PrepareWorkspace(scenario, keep, &error,
                                   std::chrono::system_clock::time_point(session->wall_origin()));
      if (!workspace) {
        workspace_failed = true;
        spdlog::warn("{}: cannot prepare the workspace: {}", scenario.name, error);
      }
    }
    return workspace.get();
  };
  ToolCatalog catalog = MakeDefaultCatalog();
  ApplyScenarioToolLatencies(scenario, seed, catalog, session->time_scale());
  ToolContext tool_context{&session->clock(), session->wall_origin()};
  tool_context.open_workspace = open_workspace;
  InProcessDispatcher in_process(catalog, tool_context);
  std::unique_ptr<ToolDispatcher> hop;
  ToolDispatcher* dispatcher = &in_process;
  if (settings.proxy_dispatch) {
    hop = session->ProxyHop(in_process, catalog, tool_context, seed);
    dispatcher = hop.get();
  }

  Probe probe(session->clock());
  Transport& transport = probe.WrapTransport(session->transport());
  ToolDispatcher& tools = probe.WrapDispatcher(*dispatcher);

  AgentOptions options = MakeAgentOptions(settings, seed);
  if (settings.intent_tool_selection && matrix.tool_packs != nullptr) {
    options.tool_packs = *matrix.tool_packs;
  }
  options.llm.model = scenario.model;
  options.llm.instructions = scenario.instructions;
  for (const auto& [name, behaviour] : scenario.tools) {
    if (behaviour.timeout_ms >= 0) options.tool_timeouts[name] = FromMillis(behaviour.timeout_ms);
  }
  auto agent =
      Agent::Create(options, AgentPorts{probe.clock(), transport, tools, probe}, catalog.Specs());
  if (!agent) {
    for (int t = 0; t < static_cast<int>(scenario.turns.size()); ++t) {
      cell.samples.push_back(
          ErrorSample(repetition, t, "internal", "runtime_unavailable",
                      fmt::format("runtime '{}' is not available", RuntimeName(settings.runtime))));
    }
    return;
  }

  std::optional<Price> price;
  if (matrix.prices != nullptr) price = matrix.prices->Find(scenario.model);

  for (int t = 0; t < static_cast<int>(scenario.turns.size()); ++t) {
    const auto& script = scenario.turns[static_cast<size_t>(t)];
    probe.BeginTurn();
    const Duration cpu_before = ThreadCpuTime();
    const Duration foreign_before = session->foreign_cpu_time();
    const size_t states_before = session->state_log().size();
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
    TurnContext context;
    context.agent_cpu =
        (ThreadCpuTime() - cpu_before) - (session->foreign_cpu_time() - foreign_before);
    const auto& states = session->state_log();
    context.transitions.assign(states.begin() + static_cast<std::ptrdiff_t>(states_before),
                               states.end());
    context.price = price;
    results::Sample sample;
    sample.repetition = repetition;
    sample.turn = t;
    DeriveMetrics(probe.TakeTimeline(), *turn, context, sample);
    sample.fidelity_ms = session->TakeTimingFidelity();
    std::vector<CheckOutcome> outcomes = EvaluateTurn(script, t, *turn);
    Workspace* checked = script.expect.data.empty() ? nullptr : open_workspace();
    for (auto& data : checked == nullptr ? std::vector<CheckOutcome>{}
                                         : CheckDataExpectations(*checked, script.expect)) {
      data.name = fmt::format("turn {}: {}", t + 1, data.name);
      outcomes.push_back(std::move(data));
    }
    AccumulateChecks(outcomes, cell.checks);
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

results::Cell RunCell(World& world, const mocks::Scenario& scenario, const Variant& variant,
                      Runtime runtime, const MatrixOptions& options) {
  VariantSettings settings = variant.settings;
  settings.runtime = runtime;
  results::Cell cell;
  cell.scenario = scenario.name;
  cell.runtime = RuntimeName(runtime);
  cell.variant = variant.name;
  cell.world = world.name();
  // Warm-up first; their checks are dropped with them. Sample.repetition counts warm-ups too.
  for (int w = 0; w < options.warmup && options.repetitions > 0; ++w) {
    const size_t first = cell.samples.size();
    RunRepetition(world, scenario, settings, options,
                  RepetitionSeed(options.seed, scenario.name, w % options.repetitions), w, cell);
    for (size_t i = first; i < cell.samples.size(); ++i) cell.samples[i].warmup = true;
  }
  cell.checks.clear();
  const int offset = std::max(options.warmup, 0);
  for (int rep = 0; rep < options.repetitions; ++rep) {
    RunRepetition(world, scenario, settings, options,
                  RepetitionSeed(options.seed, scenario.name, rep), offset + rep, cell);
  }
  ComputeCellStats(cell, options.seed);
  return cell;
}

void RunMatrix(World& world, const std::vector<mocks::Scenario>& scenarios,
               const MatrixOptions& options, results::Results& results,
               const std::function<void(const results::Results&)>& after_cell) {
  for (const auto& scenario : scenarios) {
    for (const auto& variant : options.variants) {
      std::vector<Runtime> runtimes = options.runtimes;
      if (runtimes.empty()) runtimes.push_back(variant.settings.runtime);
      for (Runtime runtime : runtimes) {
        results.cells.push_back(RunCell(world, scenario, variant, runtime, options));
        CompareWithBaseline(results);
        if (after_cell) after_cell(results);
      }
    }
  }
}

}  // namespace agentreplay::harness
