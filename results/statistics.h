// Pure statistical functions shared by the harness (summaries written into results) and reports/
// (comparisons and gates). No I/O, no global state: every random draw comes from an explicit
// seed, so the same inputs give the same intervals on every machine and compiler.
//
// Conventions follow the usual references so figures can be checked elsewhere: quantiles are
// Hyndman & Fan type 7 (R's default, NumPy's "linear"), Mann–Whitney follows SciPy's
// `mannwhitneyu(..., alternative="two-sided")` (exact distribution without ties, otherwise the
// normal approximation with tie and continuity corrections), intervals are percentile bootstrap.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "results/result_model.h"

namespace agentreplay::results {

// Quantile `q` in [0, 1] of ascending `sorted` values, interpolating linearly between the closest
// ranks (type 7). 0 for an empty input.
double Quantile(const std::vector<double>& sorted, double q);

// The median (type 7) of values in any order.
double Median(std::vector<double> values);

// Tukey's fences of ascending values: [Q1 - k IQR, Q3 + k IQR] with k = 1.5.
Interval TukeyFences(const std::vector<double>& sorted, double k = 1.5);

// The values of ascending `sorted` outside Tukey's fences, ascending.
std::vector<double> TukeyOutliers(const std::vector<double>& sorted);

// A stable seed for one purpose drawn from a base seed: FNV-1a over `label`, mixed by SplitMix64
// (the same construction as the core's DeriveSeed, reimplemented so this target stays free of the
// agent core).
uint64_t StatSeed(uint64_t seed, std::string_view label);

struct BootstrapOptions {
  int resamples = 2000;
  double confidence = 0.95;
};

// Percentile-bootstrap confidence intervals of the median and of the mean, from the same
// resamples. Absent below 2 values. All-equal values give the degenerate interval [v, v] without
// resampling (every resample would be that value). Above kBootstrapMaxValues values (a cell's
// pooled inter-token gaps) the large-sample intervals replace the bootstrap, whose cost grows
// with resamples × values while its answer converges to theirs: the distribution-free interval
// of the median between the order statistics at ranks n/2 ∓ z·√n/2 (the normal approximation of
// Binomial(n, 1/2)), and mean ± z·s/√n.
inline constexpr size_t kBootstrapMaxValues = 1000;
struct CenterIntervals {
  std::optional<Interval> median;
  std::optional<Interval> mean;
};
CenterIntervals BootstrapCenterIntervals(const std::vector<double>& sorted, uint64_t seed,
                                         const BootstrapOptions& options = {});

// Percentile-bootstrap CI of the relative change of the median, (median(head) - median(base)) /
// median(base), resampling both sides independently. Absent when either side has fewer than 2
// values or when more than half the resamples have a zero base median (no relative change).
std::optional<Interval> BootstrapRelativeChangeCi(const std::vector<double>& base,
                                                  const std::vector<double>& head, uint64_t seed,
                                                  const BootstrapOptions& options = {});

struct MannWhitney {
  double u = 0;        // U of the first sample: pairs (x, y) with x > y, ties counting one half
  double p_value = 1;  // two-sided
  bool exact = false;  // from the exact null distribution (no ties, small samples)
};

// Largest n1 * n2 for which the exact distribution is used (when there are no ties).
inline constexpr int64_t kMannWhitneyExactMaxProduct = 2500;

// The Mann–Whitney U test of `x` against `y`, two-sided. Without ties and with
// n1 * n2 <= kMannWhitneyExactMaxProduct the p-value comes from the exact distribution of U;
// otherwise from the normal approximation with the tie-corrected variance and a continuity
// correction of 1/2. Empty inputs, or all values tied, give p = 1.
MannWhitney MannWhitneyU(const std::vector<double>& x, const std::vector<double>& y);

// Fisher's exact test of two proportions, two-sided: `x1` events out of `n1` trials against `x2`
// out of `n2` (e.g. failed turns of two cells). With the margins fixed, the number of events in the
// first group is hypergeometric; the p-value sums the probabilities of every table no more likely
// than the observed one (with a relative tolerance of 1e-7 for rounding, as R's fisher.test and
// SciPy's fisher_exact do). Exact at any sample size, unlike a z-test, which fails exactly where a
// rate goes from 0% to 100% on few turns. Empty groups or no variation (no events, or only events)
// give p = 1.
double FisherExactP(int64_t x1, int64_t n1, int64_t x2, int64_t n2);

// The smallest two-sided p-value FisherExactP can give for groups of sizes n1 and n2 (every event
// in one group, none in the other): when it is not below alpha, no outcome could be significant.
double MinimumFisherP(int64_t n1, int64_t n2);

// The values each statistic of a cell summarises, by metric name: every scalar metric of the
// cell's successful, non-warm-up samples; "segment.<name>" for each critical-path segment; and
// "itl_ms" pooling every inter-token gap (present, possibly empty, when any sample counted).
std::map<std::string, std::vector<double>> CollectMetricValues(const Cell& cell);

// count, min, p50, p90, p95, p99, max, mean and the sample standard deviation (n - 1). No
// intervals or outliers: those need a seed (see ComputeCellStats).
Summary Summarize(std::vector<double> values);

// Summarize plus the seeded bootstrap 95% intervals of the median and the mean and Tukey's
// outliers. `seed` fixes the resampling, so equal inputs give equal intervals.
Summary SummarizeWithIntervals(std::vector<double> values, uint64_t seed);

// Fills cell.stats from cell.samples: successful samples only, warm-up samples left out and
// counted in cell.warmup_samples; failed non-warm-up samples are counted in cell.error_samples.
// The bootstrap seed of each metric derives from `run_seed` and the cell's identity and metric
// name, so a run reproduces its intervals exactly and no two cells or metrics share draws
// (cell_summaries.cc).
void ComputeCellStats(Cell& cell, uint64_t run_seed);

// Fills `baseline` and `change_vs_baseline` of every non-baseline cell: the reference is the
// same scenario's "baseline" cell on the same runtime, else on any runtime.
void CompareWithBaseline(Results& results);

}  // namespace agentreplay::results
