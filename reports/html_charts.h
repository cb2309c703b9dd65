// The charts of the HTML report, drawn as inline SVG from the result model (see html_reporter.h).
// Each writes a section body (charts, legends, notes) to `out`; all text is HTML-escaped. The
// per-scenario charts take that scenario's cells and draw on the scenario's own scale; each
// chart's label column fits its longest label, so labels are never cut or clipped.
#pragma once

#include <ostream>
#include <vector>

#include "results/result_model.h"

namespace agentreplay::reports {

// The keys of the latency bars and of the waterfall segments, written once above the scenarios.
void WriteBarLegend(std::ostream& out);
void WriteSegmentLegend(std::ostream& out);

// One scenario's cells: a bar per cell for the ttfs, ttft and e2e medians, with 95% CI whiskers.
void WriteLatencyBars(const std::vector<const results::Cell*>& cells, std::ostream& out);

// One scenario's cells: the critical path of a turn as a waterfall of segment medians.
void WriteWaterfall(const std::vector<const results::Cell*>& cells, std::ostream& out);

// One scenario's cells: a histogram of the inter-token gaps of the successful, non-warm-up turns.
void WriteItlDistributions(const std::vector<const results::Cell*>& cells, std::ostream& out);

// For each scenario and variant run on more than one runtime, the runtimes' bars side by side.
void WriteRuntimeComparison(const results::Results& results, std::ostream& out);

}  // namespace agentreplay::reports
