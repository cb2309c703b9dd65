// A repetition is the matrix's unit of work: a fresh world session and agent running every turn
// of a scenario once. Running one needs nothing from any other, so the runner may run them on
// any worker in any order; assembling a cell from its repetitions in repetition order gives the
// cell a serial run would have made.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "harness/packages/registry.h"
#include "harness/run/checks.h"
#include "harness/run/matrix_runner.h"
#include "harness/run/world.h"
#include "mocks/model/scenario.h"
#include "results/result_model.h"

namespace agentreplay::harness {

// What one repetition produced.
struct RepetitionOutput {
  std::vector<results::Sample> samples;
  std::vector<CheckOutcome> checks;  // of every turn that ended, in turn order
};

// Repetitions per cell: the warm-ups, then the measured ones (none without measured ones).
int RepetitionsPerCell(const MatrixOptions& options);

// A cell with its names and source, no samples yet.
results::Cell CellHeader(std::string_view world, const mocks::Scenario& scenario,
                         const Variant& variant, Runtime runtime);

// Runs the `index`-th repetition of the cell `header` names (warm-ups first: index < warmup is
// a warm-up, replaying the seed of measured repetition index % repetitions). Never throws for a
// broken turn: that becomes an error sample.
RepetitionOutput RunRepetition(World& world, const mocks::Scenario& scenario,
                               const Variant& variant, Runtime runtime,
                               const MatrixOptions& options, const results::Cell& header,
                               int index);

// The cell from all its repetitions, in index order: samples (warm-ups flagged), the measured
// repetitions' checks, statistics.
results::Cell AssembleCell(results::Cell header, std::vector<RepetitionOutput> repetitions,
                           const MatrixOptions& options);

}  // namespace agentreplay::harness
