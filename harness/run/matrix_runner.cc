#include "harness/run/matrix_runner.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>

#include "core/random.h"
#include "harness/run/agent_session.h"
#include "harness/run/checks.h"
#include "harness/run/workspace_setup.h"
#include "results/statistics.h"

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
  auto world_session = world.Open(with_faults ? *with_faults : scenario, seed);
  world_session->SetClientTimeouts(ClientTimeouts{matrix.read_timeout, matrix.total_timeout});

  AgentSessionSpec spec;
  spec.scenario = &scenario;
  spec.settings = settings;
  spec.seed = seed;
  spec.tool_packs = matrix.tool_packs;
  if (matrix.workspace_dir) {
    spec.keep_workspace = *matrix.workspace_dir / cell.scenario / cell.runtime / cell.variant /
                          fmt::format("rep{}", repetition);
  }
  if (matrix.prices != nullptr) spec.price = matrix.prices->Find(scenario.model);
  if (matrix.record_dir) {
    spec.record_to = *matrix.record_dir / cell.scenario / cell.runtime / cell.variant /
                     fmt::format("rep{}.cassette.jsonl", repetition);
    spec.record_origin = matrix.record_origin;
  }
  auto session = AgentSession::Open(*world_session, std::move(spec));
  if (!session) {
    for (int t = 0; t < static_cast<int>(scenario.turns.size()); ++t) {
      cell.samples.push_back(
          ErrorSample(repetition, t, "internal", "session_unavailable", session.error()));
    }
    return;
  }

  for (int t = 0; t < static_cast<int>(scenario.turns.size()); ++t) {
    const auto& script = scenario.turns[static_cast<size_t>(t)];
    MeasuredTurn measured = (*session)->RunTurn(script.user);
    measured.sample.repetition = repetition;
    measured.sample.turn = t;
    if (!measured.turn) {
      cell.samples.push_back(std::move(measured.sample));
      return;  // the agent's state is unknown: later turns would measure nonsense
    }
    const TurnResult& turn = *measured.turn;
    std::vector<CheckOutcome> outcomes = EvaluateTurn(script, t, turn);
    Workspace* checked = script.expect.data.empty() ? nullptr : (*session)->workspace();
    for (auto& data : checked == nullptr ? std::vector<CheckOutcome>{}
                                         : CheckDataExpectations(*checked, script.expect)) {
      data.name = fmt::format("turn {}: {}", t + 1, data.name);
      outcomes.push_back(std::move(data));
    }
    AccumulateChecks(outcomes, cell.checks);
    cell.samples.push_back(std::move(measured.sample));
    if (!turn.ok) {
      SPDLOG_DEBUG("{} rep {} turn {}: {}", scenario.name, repetition, t, turn.error->message);
    }
  }
}

// A recording replays verbatim only on the runtime it was recorded on: the other runtimes' cells
// are left out, with a note (lifting the recording replays it on every runtime).
std::vector<Runtime> RecordedRuntimeOnly(const mocks::Scenario& scenario, const Variant& variant,
                                         const std::vector<Runtime>& wanted) {
  const std::optional<Runtime> recorded = ParseRuntime(scenario.recording->runtime);
  std::vector<Runtime> kept;
  std::vector<std::string_view> left_out;
  for (Runtime r : wanted) {
    if (recorded && r == *recorded) {
      kept.push_back(r);
    } else {
      left_out.push_back(RuntimeName(r));
    }
  }
  if (wanted.empty()) left_out.push_back(RuntimeName(variant.settings.runtime));
  if (!left_out.empty()) {
    spdlog::warn(
        "{}: variant {} on {}: left out, the recording was made on {} (a verbatim replay plays "
        "the recorded runtime only; lift the recording to replay it on others)",
        scenario.name, variant.name, fmt::join(left_out, ", "),
        scenario.recording->runtime.empty() ? "an unknown runtime" : scenario.recording->runtime);
  }
  return kept;
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
  cell.source.kind = scenario.source_kind;
  cell.source.path = scenario.source_path;
  cell.source.origin = scenario.source_origin;
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
  results::ComputeCellStats(cell, options.seed);
  return cell;
}

void RunMatrix(World& world, const std::vector<mocks::Scenario>& scenarios,
               const MatrixOptions& options, results::Results& results,
               const std::function<void(const results::Results&)>& after_cell) {
  // A cost that silently goes missing reads as "free": say once per model that it has none.
  if (options.prices != nullptr) {
    std::vector<std::string_view> warned;
    for (const auto& scenario : scenarios) {
      if (options.prices->Find(scenario.model) ||
          std::find(warned.begin(), warned.end(), scenario.model) != warned.end()) {
        continue;
      }
      warned.push_back(scenario.model);
      spdlog::warn(
          "model '{}' (scenario {}) has no price in the price table: cost_usd is left "
          "out of its cells",
          scenario.model, scenario.name);
    }
  }
  for (const PlannedCell& planned : PlanCells(scenarios, options)) {
    // A stop (SIGINT, SIGTERM) lets the cell in flight finish, then runs no more.
    if (options.stop_requested && options.stop_requested()) return;
    results.cells.push_back(
        RunCell(world, *planned.scenario, *planned.variant, planned.runtime, options));
    results::CompareWithBaseline(results);
    if (after_cell) after_cell(results);
  }
}

std::vector<PlannedCell> PlanCells(const std::vector<mocks::Scenario>& scenarios,
                                   const MatrixOptions& options) {
  std::vector<PlannedCell> cells;
  for (const auto& scenario : scenarios) {
    const auto own = options.scenario_variants.find(scenario.name);
    const std::vector<Variant>& variants =
        own != options.scenario_variants.end() ? own->second : options.variants;
    for (const auto& variant : variants) {
      std::vector<Runtime> runtimes = options.runtimes;
      if (runtimes.empty()) runtimes.push_back(variant.settings.runtime);
      if (scenario.recording) runtimes = RecordedRuntimeOnly(scenario, variant, runtimes);
      for (Runtime runtime : runtimes) cells.push_back(PlannedCell{&scenario, &variant, runtime});
    }
  }
  return cells;
}

}  // namespace agentreplay::harness
