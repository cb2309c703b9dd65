// A comparison as plain text for a terminal or a CI log: the gate's verdict first, then one table
// of the gated metrics of every compared cell, then, for each regressed cell, the critical-path
// segment that grew most. Shared by `compare` and any reporter that prints a comparison.
#pragma once

#include <ostream>
#include <string>

#include "reports/compare/comparison.h"
#include "results/result_model.h"

namespace agentreplay::reports {

// "PASS" / "FAIL" line, the failures, the sources, notes, the table and the segment lines.
void WriteComparisonText(const Comparison& comparison, std::ostream& out);

// What went wrong in a run besides the gate: non-warm-up turns that ended in an error, and
// scenario checks that failed (one per check and cell).
struct ProblemCounts {
  int64_t failed_turns = 0;
  int64_t failed_checks = 0;
  bool Any() const { return failed_turns > 0 || failed_checks > 0; }
};
ProblemCounts CountProblems(const results::Results& results);

// The headline of a report: with a comparison "gate passed" or "gate failed", followed by the
// counts that are not zero, as in "gate passed · 70 failed turns · 20 failed checks", so a passing
// gate never hides failures; without one, just the counts, or "all checks passed".
std::string VerdictHeadline(const Comparison* comparison, const ProblemCounts& problems);

// "+7.1% .. +12.3%" for an interval of relative changes; "exact" for an exact comparison; "-"
// when there is none.
std::string FormatChangeInterval(const MetricComparison& mc);

// A compared value with its unit: "12.5 ms", "3", and for the error rate "33%" of the turns.
std::string ComparedValueText(const MetricComparison& mc, double value);

// The change of the medians: "+12.5%"; for the error rate (and from a zero base, where a
// relative change is undefined) the absolute change, "+100 pts", "+3".
std::string ComparedChangeText(const MetricComparison& mc);

// The sentence naming the segment that grew most between base and head, e.g. "tool_overhead grew
// 1050.0 -> 1280.0 ms (+230.0 ms)"; empty when no segment grew.
std::string GrowthSentence(const CellComparison& cell);

}  // namespace agentreplay::reports
