// Joining the shards of one run (`run --shard I/N`) back into the document one machine would
// have written: the same cells in the same plan order, with the same samples and statistics.
// A run is cut round-robin (plan index i belongs to shard i % N + 1), every cell's samples and
// statistics depend only on the plan and the cell, so merging is interleaving plus checks that
// the inputs really are the slices of one plan. Nothing is recomputed but the changes against
// the baselines, which depend on cells from other shards.
#pragma once

#include <string>
#include <vector>

#include "core/expected.h"
#include "results/result_model.h"

namespace agentreplay::results {

struct MergeOptions {
  // Merge shards that stopped early (fewer cells than their slice) and leave out shards that
  // are missing, saying in the notes what is missing; otherwise either is an error.
  bool allow_partial = false;
};

// Merges `shards` (documents or journals as read; `names[i]` names `shards[i]` in messages).
//
// - One whole-run input (no shard in its context) passes through: the journal of a run that
//   crashed becomes its results document. Cells it lacks against its plan are a note, not an
//   error: a run stopped by a signal writes exactly that document itself.
// - Otherwise every input must be a shard of one plan: equal plan, shard count, planned cells,
//   seed, repetitions, warm-up, world, version, git revision and build type (an error names both
//   files and the field), each shard index once, all N present, and each shard holding exactly
//   the cells of its slice (an error names the file and how many are missing), unless
//   `allow_partial`.
//
// The merged context is the first shard's (by index) with the shard cleared, and:
// `started_at` the earliest of the shards'; `hostname` the distinct hostnames in shard order,
// joined with ","; `command_line` the first shard's without its --shard argument. Cells keep
// their samples and statistics; `baseline` and `change_vs_baseline` are recomputed over the
// merged document. `notes` (if given) receives what a partial merge left out.
Expected<Results> MergeShards(std::vector<Results> shards, std::vector<std::string> names,
                              const MergeOptions& options = {},
                              std::vector<std::string>* notes = nullptr);

// Cells in shard `index` (1-based) of `count` for a plan of `planned_cells`: the plan indices i
// with i % count == index - 1.
int ShardCellCount(int planned_cells, int index, int count);

// `command_line` without a "--shard I/N" or "--shard=I/N" argument.
std::string WithoutShardArgument(const std::string& command_line);

}  // namespace agentreplay::results
