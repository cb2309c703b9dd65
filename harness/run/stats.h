// Summary statistics, computed once per metric per cell and stored in the results.
#pragma once

#include <cstdint>
#include <vector>

#include "results/result_model.h"
#include "results/statistics.h"

namespace agentreplay::harness {

// Quantile of sorted values, type 7; lives with the other pure statistics in results/ so that
// reports/ can use it too. Kept under this name for existing callers.
using results::Quantile;

// count, min, p50, p90, p95, p99, max, mean and the sample standard deviation (n - 1). No
// intervals or outliers: those need a seed (see ComputeCellStats).
results::Summary Summarize(std::vector<double> values);

// Summarize plus the seeded bootstrap 95% intervals of the median and the mean and Tukey's
// outliers. `seed` fixes the resampling, so equal inputs give equal intervals.
results::Summary SummarizeWithIntervals(std::vector<double> values, uint64_t seed);

// Fills cell.stats from cell.samples: successful samples only, warm-up samples left out and
// counted in cell.warmup_samples; failed non-warm-up samples are counted in cell.error_samples.
// The bootstrap seed of each metric derives from `run_seed` and the cell's identity and metric
// name, so a run reproduces its intervals exactly and no two cells or metrics share draws.
void ComputeCellStats(results::Cell& cell, uint64_t run_seed);

// Fills `baseline` and `change_vs_baseline` of every non-baseline cell: the reference is the
// same scenario's "baseline" cell on the same runtime, else on any runtime.
void CompareWithBaseline(results::Results& results);

}  // namespace agentreplay::harness
