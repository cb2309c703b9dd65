// A comparison as plain text for a terminal or a CI log: the gate's verdict first, then one table
// of the gated metrics of every compared cell, then, for each regressed cell, the critical-path
// segment that grew most. Shared by `compare` and any reporter that prints a comparison.
#pragma once

#include <ostream>
#include <string>

#include "reports/compare/comparison.h"

namespace agentreplay::reports {

// "PASS" / "FAIL" line, the failures, the sources, notes, the table and the segment lines.
void WriteComparisonText(const Comparison& comparison, std::ostream& out);

// "+7.1% .. +12.3%" for an interval of relative changes; "exact" for an exact comparison; "-"
// when there is none.
std::string FormatChangeInterval(const MetricComparison& mc);

// The sentence naming the segment that grew most between base and head, e.g. "tool_overhead grew
// 1050.0 -> 1280.0 ms (+230.0 ms)"; empty when no segment grew.
std::string GrowthSentence(const CellComparison& cell);

}  // namespace agentreplay::reports
