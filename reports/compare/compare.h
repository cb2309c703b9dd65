// Compare(): two selections of cells (two result files, or two selections of one) matched cell by
// cell and metric by metric, judged by a gate. The decisions (docs/compare-and-gates.md):
//
// - A metric is compared exactly (no p-value, no interval) when the two sides cannot differ by
//   chance: both are simulated runs with the same seed and repetitions (they replay the same
//   seeded draws, so every difference comes from the agent), both sides have zero spread, or the
//   metric is a count (polls, requests, tool calls...: the agent's decisions, not timing).
//   An exact change is a regression when it exceeds the threshold.
// - Otherwise: Mann–Whitney U (two-sided) and a seeded bootstrap 95% CI of the relative change of
//   the median. A regression needs p < alpha AND the whole CI above the threshold (and the change
//   of the median above the gate's absolute floor); an improvement is the mirror image; anything
//   else is no change. Too few samples for the test to ever reach alpha: insufficient.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/expected.h"
#include "reports/compare/comparison.h"
#include "reports/compare/gate.h"
#include "reports/compare/selector.h"
#include "results/result_model.h"

namespace agentreplay::reports {

// Compares the cells of `base` selected by `base_selector` with those of `head` selected by
// `head_selector`. Cells are matched on scenario, runtime and variant, except on the dimensions
// where the two selectors differ: `--base variant=baseline --head variant=p0` matches each p0 cell
// with the baseline cell of the same scenario and runtime. Several head cells may share one base
// cell; several base cells for one key are ambiguous. Only cells the gate judges take part.
// `base_source`/`head_source` name the sides in the output ("a.json [variant=p0]").
// Returns the comparison, or a sentence saying why the selections cannot be compared.
Expected<Comparison> Compare(const results::Results& base, const Selector& base_selector,
                             const results::Results& head, const Selector& head_selector,
                             const Gate& gate, std::string base_source = "base",
                             std::string head_source = "head");

// Each cell of `results` against its Cell::baseline in the same results (what `run` and `report`
// hand to reporters). Cells without a baseline are left out; nothing is missing or new.
Comparison CompareWithinRun(const results::Results& results, const Gate& gate = DefaultGate());

// One metric: `base` and `head` are the raw values (any order). `deterministic` says the two
// sides replay the same seeded draws (see above). `seed` fixes the bootstrap.
MetricComparison CompareMetricValues(std::string_view metric, std::vector<double> base,
                                     std::vector<double> head, bool deterministic, const Gate& gate,
                                     uint64_t seed);

// The error rates of two cells: `*_failed` of `*_turns` non-warm-up turns failed. Exact when
// `deterministic`; otherwise Fisher's exact test, two-sided, and a verdict needs p < alpha. The
// change counts when it exceeds the gate's threshold for kErrorRateMetric (absolute, in
// percentage points; 0 when the gate names none: any significant change of failures counts).
// Zero spread does not make it exact: all turns succeeding on three repetitions says little.
MetricComparison CompareErrorRates(int64_t base_failed, int64_t base_turns, int64_t head_failed,
                                   int64_t head_turns, bool deterministic, const Gate& gate);

// Both cells' critical-path segment medians ("segment.<name>" p50), largest growth first.
std::vector<SegmentDelta> SegmentDeltas(const results::Cell& base, const results::Cell& head);

// The smallest two-sided p-value Mann–Whitney can give for samples of sizes m and n without ties,
// 2 / C(m + n, m) (capped at 1): when it is not below alpha, no data could be significant.
double MinimumMannWhitneyP(int64_t m, int64_t n);

}  // namespace agentreplay::reports
