// The report people read in a terminal: a context line, the cell summary table, where each cell's
// median turn spends its time, and the failed checks and errors. With a comparison, the table's
// "vs base" columns carry the comparison's changes with significance markers, followed by the
// comparison as `compare` prints it (WriteComparisonText). Plain text, never colours, so the same
// bytes work in a terminal, a CI log and a golden test.
//
// With a width budget (ReportInput::console_width) the report fits it: the cells are grouped
// under a heading per scenario, the least needed columns give way (tool overhead, sleep,
// fidelity, polls, e2e p90, ttfs, the change in ttft, requests, then ttft and n, in that order;
// the cell, e2e, the change in e2e, checks and errors always stay), each breakdown is wrapped
// under its cell, and long problem lines are wrapped. Without one, every column on one line.
#pragma once

#include "reports/reporter.h"
#include "reports/table.h"

namespace agentreplay::reports {

class ConsoleReporter : public Reporter {
 public:
  void Report(const ReportInput& input, std::ostream& out) override;
  std::string_view DefaultFileName() const override { return "report.txt"; }
};

}  // namespace agentreplay::reports
