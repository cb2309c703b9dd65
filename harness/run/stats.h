// Summary statistics, computed once per metric per cell and stored in the results.
#pragma once

#include <vector>

#include "results/result_model.h"

namespace agentreplay::harness {

// Quantile of sorted values with linear interpolation between closest ranks (Hyndman & Fan
// type 7, the default of R, NumPy and spreadsheets), so figures can be checked elsewhere.
double Quantile(const std::vector<double>& sorted, double q);

// count, min, p50, p90, p95, p99, max, mean and the sample standard deviation (n - 1).
results::Summary Summarize(std::vector<double> values);

// Fills cell.stats from cell.samples (successful samples only) and cell.error_samples.
void ComputeCellStats(results::Cell& cell);

// Fills `baseline` and `change_vs_baseline` of every non-baseline cell: the reference is the
// same scenario's "baseline" cell on the same runtime, else on any runtime.
void CompareWithBaseline(results::Results& results);

}  // namespace agentreplay::harness
