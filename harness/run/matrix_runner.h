// Runs the matrix scenario × variant × runtime, each cell for N repetitions of every turn, and
// hands every finished cell to a callback in plan order so it can be written to disk at once (a
// crash loses nothing already measured).
//
// Repetitions are independent (each has its own seed, world session and agent), so they are
// the unit of work: `jobs` workers, each with a world of its own, take them in plan order, and
// a cell is assembled from its repetitions in repetition order when its last one ends. The
// cells, their samples and their statistics are therefore identical to a serial run's, byte for
// byte, whatever the number of workers (CPU figures aside).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/tool_selection.h"
#include "core/expected.h"
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
  // Asked before each cell starts, from any worker; true stops the matrix there: cells already
  // started finish, no other starts (the cells done stay in the results).
  std::function<bool()> stop_requested;
  // Workers running repetitions at once, each in a world of its own (1: on the calling thread).
  int jobs = 1;
  // Run only the cells of this shard: plan index i with i % shard_count == shard_index - 1.
  // shard_count 0: every cell.
  int shard_index = 0;
  int shard_count = 0;
};

// One cell the matrix will run, in order.
struct PlannedCell {
  const mocks::Scenario* scenario = nullptr;
  const Variant* variant = nullptr;
  Runtime runtime = Runtime::kAssistants;
};

// Every cell of the plan for these scenarios and options, in plan order (shards ignored).
std::vector<PlannedCell> PlanCells(const std::vector<mocks::Scenario>& scenarios,
                                   const MatrixOptions& options);
// The cells of `plan` that the options' shard runs (all of them without a shard).
std::vector<PlannedCell> ShardOf(const std::vector<PlannedCell>& plan,
                                 const MatrixOptions& options);

// The seed of one repetition: independent of runtime and variant, so every cell of a
// scenario replays the same model behaviour and differences come from the agent alone.
uint64_t RepetitionSeed(uint64_t run_seed, const std::string& scenario, int repetition);

// Runs one cell. Never throws for a broken turn: that becomes an error sample.
results::Cell RunCell(World& world, const mocks::Scenario& scenario, const Variant& variant,
                      Runtime runtime, const MatrixOptions& options);

// Makes the world one worker runs its repetitions in (the simulated world is single-threaded:
// every worker has its own).
using WorldFactory = std::function<Expected<std::unique_ptr<World>>()>;

// Runs the shard's cells (every cell without a shard) on `options.jobs` workers, appending each
// to `results.cells` in plan order and calling `after_cell` with it on the calling thread; then
// fills in the changes against each scenario's baseline cell. Fails, before running anything,
// when a worker's world cannot be made.
Status RunMatrix(const WorldFactory& make_world, const std::vector<mocks::Scenario>& scenarios,
                 const MatrixOptions& options, results::Results& results,
                 const std::function<void(const results::Cell&)>& after_cell);

}  // namespace agentreplay::harness
