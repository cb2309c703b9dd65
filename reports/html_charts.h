// The charts of the HTML report, drawn as inline SVG from the result model (see html_reporter.h).
// Each writes a section body (charts, legends, notes) to `out`; all text is HTML-escaped.
#pragma once

#include <ostream>

#include "results/result_model.h"

namespace agentreplay::reports {

// Per scenario, a bar per cell for the ttfs, ttft and e2e medians, with 95% CI whiskers.
void WriteLatencyBars(const results::Results& results, std::ostream& out);

// Per cell, the critical path of a turn as a waterfall of segment medians, one shared time axis.
void WriteWaterfalls(const results::Results& results, std::ostream& out);

// Per cell, a histogram of the inter-token gaps of its successful, non-warm-up turns.
void WriteItlDistributions(const results::Results& results, std::ostream& out);

// For each scenario and variant run on more than one runtime, the runtimes' bars side by side.
void WriteRuntimeComparison(const results::Results& results, std::ostream& out);

}  // namespace agentreplay::reports
