// One self-contained HTML page that works offline: inline CSS, inline SVG charts drawn here, and
// a small inline script (sortable table, a render marker); nothing is fetched. The verdict and
// what went wrong come first: the banner (the gate's outcome with the counts of failed turns and
// checks), the gate's failures, the problems, the changed gated metrics. Then the cell summary
// table, and a section per scenario with its own heading and scales: bars of the ttfs/ttft/e2e
// medians with their 95% CI whiskers, the waterfall of a turn's critical path from the segment
// medians, the inter-token latency histograms. Last the runtime A/B view (the same scenario and
// variant on several runtimes). Labels are never cut: a chart's label column fits its labels.
// Every string from scenarios or results is HTML-escaped; the script reads only the DOM.
#pragma once

#include "reports/reporter.h"

namespace agentreplay::reports {

class HtmlReporter : public Reporter {
 public:
  void Report(const ReportInput& input, std::ostream& out) override;
  std::string_view DefaultFileName() const override { return "report.html"; }
};

}  // namespace agentreplay::reports
