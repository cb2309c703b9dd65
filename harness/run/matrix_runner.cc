#include "harness/run/matrix_runner.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>

#include "core/random.h"
#include "harness/run/agent_session.h"
#include "harness/run/checks.h"
#include "harness/run/repetition.h"
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

}  // namespace

int RepetitionsPerCell(const MatrixOptions& options) {
  if (options.repetitions <= 0) return 0;
  return std::max(options.warmup, 0) + options.repetitions;
}

results::Cell CellHeader(std::string_view world, const mocks::Scenario& scenario,
                         const Variant& variant, Runtime runtime) {
  results::Cell cell;
  cell.scenario = scenario.name;
  cell.runtime = RuntimeName(runtime);
  cell.variant = variant.name;
  cell.world = world;
  cell.source.kind = scenario.source_kind;
  cell.source.path = scenario.source_path;
  cell.source.origin = scenario.source_origin;
  return cell;
}

// One repetition: a fresh world session, a fresh agent, every turn of the scenario in order.
RepetitionOutput RunRepetition(World& world, const mocks::Scenario& scenario,
                               const Variant& variant, Runtime runtime, const MatrixOptions& matrix,
                               const results::Cell& cell, int index) {
  RepetitionOutput out;
  const int warmup = std::max(matrix.warmup, 0);
  // Warm-ups replay the seeds of the first measured repetitions, so warming up never changes
  // what the measured repetitions draw. Sample.repetition counts warm-ups too.
  const int seed_index = index < warmup ? index % matrix.repetitions : index - warmup;
  const uint64_t seed = RepetitionSeed(matrix.seed, scenario.name, seed_index);
  const int repetition = index;
  VariantSettings settings = variant.settings;
  settings.runtime = runtime;

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
      out.samples.push_back(
          ErrorSample(repetition, t, "internal", "session_unavailable", session.error()));
    }
    return out;
  }

  for (int t = 0; t < static_cast<int>(scenario.turns.size()); ++t) {
    const auto& script = scenario.turns[static_cast<size_t>(t)];
    MeasuredTurn measured = (*session)->RunTurn(script.user);
    measured.sample.repetition = repetition;
    measured.sample.turn = t;
    if (!measured.turn) {
      out.samples.push_back(std::move(measured.sample));
      return out;  // the agent's state is unknown: later turns would measure nonsense
    }
    const TurnResult& turn = *measured.turn;
    std::vector<CheckOutcome> outcomes = EvaluateTurn(script, t, turn);
    Workspace* checked = script.expect.data.empty() ? nullptr : (*session)->workspace();
    for (auto& data : checked == nullptr ? std::vector<CheckOutcome>{}
                                         : CheckDataExpectations(*checked, script.expect)) {
      data.name = fmt::format("turn {}: {}", t + 1, data.name);
      outcomes.push_back(std::move(data));
    }
    for (auto& outcome : outcomes) out.checks.push_back(std::move(outcome));
    out.samples.push_back(std::move(measured.sample));
    if (!turn.ok) {
      SPDLOG_DEBUG("{} rep {} turn {}: {}", scenario.name, repetition, t, turn.error->message);
    }
  }
  return out;
}

results::Cell AssembleCell(results::Cell header, std::vector<RepetitionOutput> repetitions,
                           const MatrixOptions& options) {
  results::Cell cell = std::move(header);
  const size_t warmup = static_cast<size_t>(std::max(options.warmup, 0));
  for (size_t i = 0; i < repetitions.size(); ++i) {
    for (auto& sample : repetitions[i].samples) {
      sample.warmup = i < warmup;
      cell.samples.push_back(std::move(sample));
    }
    // Warm-ups' checks are dropped with them.
    if (i >= warmup) AccumulateChecks(repetitions[i].checks, cell.checks);
  }
  results::ComputeCellStats(cell, options.seed);
  return cell;
}

namespace {

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
  results::Cell header = CellHeader(world.name(), scenario, variant, runtime);
  std::vector<RepetitionOutput> repetitions;
  repetitions.reserve(static_cast<size_t>(RepetitionsPerCell(options)));
  for (int i = 0; i < RepetitionsPerCell(options); ++i) {
    repetitions.push_back(RunRepetition(world, scenario, variant, runtime, options, header, i));
  }
  return AssembleCell(std::move(header), std::move(repetitions), options);
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

std::vector<PlannedCell> ShardOf(const std::vector<PlannedCell>& plan,
                                 const MatrixOptions& options) {
  if (options.shard_count <= 0) return plan;
  std::vector<PlannedCell> cells;
  for (size_t i = 0; i < plan.size(); ++i) {
    if (i % static_cast<size_t>(options.shard_count) ==
        static_cast<size_t>(options.shard_index - 1)) {
      cells.push_back(plan[i]);
    }
  }
  return cells;
}

}  // namespace agentreplay::harness
