// GitHub-flavoured Markdown for a pull-request comment or a CI step summary. First, never folded:
// the verdict (the gate's outcome with the counts of failed turns and checks), the gate's failures
// and the problems (failed checks and errors). Then, each in a <details> fold: the changed
// metrics, the cell summary table, and "where the time goes" for the cells that changed (every
// cell when there is no comparison). The whole stays under GitHub's 65,536-character limit of a
// comment: long lists are capped, and the folds are cut to the room left, saying how many rows
// were left out. Text from scenarios and results is escaped, so a scenario name cannot inject
// Markdown or HTML.
#pragma once

#include <string>
#include <string_view>

#include "reports/reporter.h"

namespace agentreplay::reports {

// The most bytes the report uses: GitHub refuses a comment over 65,536 characters, and a CI job
// may add a line or two around the report. Bytes count at least as many as characters.
inline constexpr size_t kMarkdownCommentBudget = 64000;

class MarkdownReporter : public Reporter {
 public:
  void Report(const ReportInput& input, std::ostream& out) override;
  std::string_view DefaultFileName() const override { return "report.md"; }
};

// `text` with Markdown's punctuation and HTML's angle brackets escaped, CR/LF as spaces, other
// control characters but tab as U+FFFD: safe in running text and in table cells.
std::string MarkdownEscape(std::string_view text);

}  // namespace agentreplay::reports
