// GitHub-flavoured Markdown for a pull-request comment or a CI step summary: the verdict first
// (the gate's outcome when there is a comparison, the checks otherwise), the changed metrics, the
// cell summary table, then "where the time goes" for the cells that changed (every cell when
// there is no comparison), and the failed checks and errors. Text from scenarios and results is
// escaped, so a scenario name cannot inject Markdown or HTML.
#pragma once

#include <string>
#include <string_view>

#include "reports/reporter.h"

namespace agentreplay::reports {

class MarkdownReporter : public Reporter {
 public:
  void Report(const ReportInput& input, std::ostream& out) override;
  std::string_view DefaultFileName() const override { return "report.md"; }
};

// `text` with Markdown's punctuation and HTML's angle brackets escaped, CR/LF as spaces: safe in
// running text and in table cells.
std::string MarkdownEscape(std::string_view text);

}  // namespace agentreplay::reports
