// The outcome of comparing two sets of cells (two result files, or two selections of one):
// plain data computed once by Compare() and handed to reporters, which only format it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "results/result_model.h"

namespace agentreplay::reports {

enum class Verdict {
  kNoChange,     // not significant, or inside the noise threshold
  kRegression,   // p < alpha and the whole CI of the change lies above the threshold
  kImprovement,  // symmetric
  kInsufficient  // too few samples on one side to say anything
};

// "regression", "improvement", "no_change", "insufficient": stable, for JSON/JUnit/CSV.
const char* VerdictName(Verdict verdict);

// The share of failed turns, compared as a proportion (Fisher's exact test) rather than over the
// successful samples, so a cell that failed every turn is still compared. Its MetricComparison
// holds percentages of the non-warm-up turns in base_p50/head_p50 (and points in change_abs), and
// the turns in base_count/head_count.
inline constexpr const char* kErrorRateMetric = "error_rate";

struct MetricComparison {
  // Stable metric name (MetricCatalog), "segment.<name>", or kErrorRateMetric.
  std::string metric;
  bool gated = false;  // the gate looks at this metric
  double base_p50 = 0;
  double head_p50 = 0;
  double change = 0;      // relative change of the median, (head - base) / base; 0 when base is 0
  double change_abs = 0;  // head_p50 - base_p50, in the metric's unit
  // Bootstrap 95% CI of the relative change of the median; absent when exact.
  std::optional<results::Interval> change_ci;
  // Mann–Whitney U (Fisher's exact test for the error rate), two-sided; absent when exact.
  std::optional<double> p_value;
  // Both sides were deterministic (simulated world, zero spread): compared exactly.
  bool exact = false;
  double threshold = 0;  // the noise threshold applied (relative unless `absolute`)
  bool absolute = false;
  Verdict verdict = Verdict::kNoChange;
  // A change smaller than this, in the metric's unit, never counts (the gate's floor).
  double min_change = 0;
  // Values compared on each side (successful, non-warm-up samples; ITL gaps for itl_ms).
  int64_t base_count = 0;
  int64_t head_count = 0;
};

// The critical-path segment whose median grew most, for the "where the time went" line.
struct SegmentDelta {
  std::string segment;
  double base_ms = 0;
  double head_ms = 0;
};

struct CellComparison {
  std::string scenario;
  std::string runtime;     // of the head cell
  std::string variant;     // of the head cell
  std::string base_label;  // "runtime/variant" of the base cell
  std::string head_label;
  std::vector<MetricComparison> metrics;
  std::vector<SegmentDelta> segments;    // every segment, largest growth first
  Verdict verdict = Verdict::kNoChange;  // worst over gated metrics
};

struct Comparison {
  std::string base_source;  // file and selector, as the user gave them
  std::string head_source;
  std::string world;  // "sim" or "real" (of the head)
  double alpha = 0.05;
  std::vector<CellComparison> cells;
  std::vector<std::string> missing_cells;  // in base, not in head ("scenario/runtime/variant")
  std::vector<std::string> new_cells;      // in head, not in base
  bool missing_is_failure = true;
  bool new_is_failure = false;
  bool passed = true;                 // the gate's verdict
  std::vector<std::string> failures;  // one human sentence per reason the gate failed
  std::string gate_source;            // the gate file, or "the default gate"
  // Sentences about how the comparison was made (exact comparison, mismatched contexts).
  std::vector<std::string> notes;
};

}  // namespace agentreplay::reports
