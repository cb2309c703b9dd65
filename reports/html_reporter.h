// One self-contained HTML page that works offline: inline CSS, inline SVG charts drawn here, and
// a small inline script (sortable table, a render marker); nothing is fetched. Sections: the
// gate's verdict and changed metrics (with a comparison), the cell summary table, per-variant
// bars of ttft and e2e medians with their 95% CI whiskers, the waterfall of a turn's critical
// path per cell from the segment medians, the inter-token latency distribution per cell, the
// runtime A/B view (the same scenario and variant on several runtimes), and failed checks.
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
