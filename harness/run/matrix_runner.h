// Runs the matrix scenario × variant × runtime, each cell for N repetitions of every turn, in
// one world, and hands the growing results to a callback after every cell so they can be
// written to disk at once (a crash loses nothing already measured).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/tool_selection.h"
#include "harness/packages/registry.h"
#include "harness/run/prices.h"
#include "harness/run/world.h"
#include "llm/llm_client.h"
#include "mocks/model/scenario.h"
#include "results/result_model.h"

namespace agentreplay::harness {

struct MatrixOptions {
  std::vector<Variant> variants;
  // Per scenario name: the variants it runs instead of `variants` (its own `variants` field,
  // resolved; only used when the user named none).
  std::map<std::string, std::vector<Variant>> scenario_variants;
  // Empty: every variant runs on its own runtime (p5 → responses, otherwise assistants).
  // Otherwise every variant runs on each of these (the runtime A/B).
  std::vector<Runtime> runtimes;
  int repetitions = 5;
  // Repetitions run first per cell, flagged Sample.warmup and left out of the statistics. They
  // replay the seeds of the first measured repetitions, so warming up never changes what the
  // measured repetitions draw.
  int warmup = 0;
  uint64_t seed = 1;
  const PriceTable* prices = nullptr;  // cost_usd is left out without one
  // Package p4's packs and intent rules; a variant with p4 offers every tool without them.
  const ToolPacks* tool_packs = nullptr;
  // Keep every repetition's workspace under this directory (DIR/<scenario>/<runtime>/
  // <variant>/rep<N>) instead of a temporary one removed after the repetition.
  std::optional<std::filesystem::path> workspace_dir;
  // Record every repetition into DIR/<scenario>/<runtime>/<variant>/rep<N>.cassette.jsonl.
  std::optional<std::filesystem::path> record_dir;
  std::string record_origin;  // e.g. "agentreplay run --world live https://..."
  // Faults injected into every scenario, after its own (`run --faults FILE`, docs/faults.md).
  std::vector<mocks::FaultRule> faults;
  // The agent's HTTP client: the longest wait for the head or the next body piece, and for a
  // whole request (the official SDKs' default is 10 minutes). Non-positive: none.
  Duration read_timeout = std::chrono::seconds(30);
  Duration total_timeout = std::chrono::minutes(10);
  // Asked before each cell; true stops the matrix there (the cells done stay in the results).
  std::function<bool()> stop_requested;
};

// One cell the matrix will run, in order.
struct PlannedCell {
  const mocks::Scenario* scenario = nullptr;
  const Variant* variant = nullptr;
  Runtime runtime = Runtime::kAssistants;
};

// The cells RunMatrix runs for these scenarios and options, in the order it runs them (for
// progress: how many there are).
std::vector<PlannedCell> PlanCells(const std::vector<mocks::Scenario>& scenarios,
                                   const MatrixOptions& options);

// The seed of one repetition: independent of runtime and variant, so every cell of a
// scenario replays the same model behaviour and differences come from the agent alone.
uint64_t RepetitionSeed(uint64_t run_seed, const std::string& scenario, int repetition);

// Runs one cell. Never throws for a broken turn: that becomes an error sample.
results::Cell RunCell(World& world, const mocks::Scenario& scenario, const Variant& variant,
                      Runtime runtime, const MatrixOptions& options);

// Runs every cell in order, appending to `results.cells` and calling `after_cell` after each;
// the changes against each scenario's baseline cell are filled in as cells arrive.
void RunMatrix(World& world, const std::vector<mocks::Scenario>& scenarios,
               const MatrixOptions& options, results::Results& results,
               const std::function<void(const results::Results&)>& after_cell);

}  // namespace agentreplay::harness
