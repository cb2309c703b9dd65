#include "reports/console_reporter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "reports/compare/comparison_text.h"
#include "reports/table.h"

namespace agentreplay::reports {
namespace {

using results::Cell;
using results::Sample;

constexpr std::string_view kSeparator = " \u00b7 ";

std::string PadRight(const std::string& text, size_t width) {
  return text + std::string(width - std::min(width, DisplayWidth(text)), ' ');
}

// "llm_wait 812.0 ms (93%) · tool_exec 40.0 ms (5%)": the critical-path segments in display
// order, zero segments left out.
std::string Breakdown(const Sample& sample, double e2e) {
  const std::vector<SegmentShare> shares = CriticalPath(sample.segments, e2e);
  if (shares.empty()) return "no critical-path segments recorded";
  std::string text;
  for (const SegmentShare& share : shares) {
    if (!text.empty()) text += kSeparator;
    text += fmt::format("{} {} ms", share.name, FormatValue(share.ms, "ms"));
    if (e2e > 0) {
      text += share.percent > 0 && share.percent < 0.5 ? " (<1%)"
                                                       : fmt::format(" ({:.0f}%)", share.percent);
    }
  }
  return text;
}

void WriteBreakdowns(const results::Results& results, std::ostream& out) {
  size_t label_width = 0;
  for (const Cell& cell : results.cells) {
    label_width = std::max(label_width, DisplayWidth(CellLabel(cell)));
  }
  out << "\nwhere the time goes (median e2e sample of each cell):\n";
  for (const Cell& cell : results.cells) {
    std::string text = "no successful sample";
    if (const Sample* sample = MedianE2eSample(cell)) {
      const double e2e = sample->metrics.at("e2e_ms");
      text = fmt::format("e2e {} ms: {}", FormatValue(e2e, "ms"), Breakdown(*sample, e2e));
    }
    out << "  " << PadRight(CellLabel(cell), label_width) << "  " << text << '\n';
  }
}

// Failed checks and failed samples, the lines someone reads first when a run went wrong.
std::vector<std::string> ProblemLines(const results::Results& results) {
  std::vector<std::string> lines;
  for (const Cell& cell : results.cells) {
    const std::string label = CellLabel(cell);
    for (const results::Check& check : cell.checks) {
      if (check.ok) continue;
      lines.push_back(check.detail.empty()
                          ? fmt::format("check failed: {} {}", label, OneLine(check.name))
                          : fmt::format("check failed: {} {}: {}", label, OneLine(check.name),
                                        OneLine(check.detail)));
    }
    const auto failed = std::count_if(cell.samples.begin(), cell.samples.end(),
                                      [](const Sample& s) { return !s.ok; });
    const auto first = std::find_if(cell.samples.begin(), cell.samples.end(),
                                    [](const Sample& s) { return !s.ok; });
    if (first == cell.samples.end()) continue;
    std::string what = first->error_kind;
    if (!first->error_reason.empty()) what += (what.empty() ? "" : " ") + first->error_reason;
    if (!first->error_message.empty()) what += ": " + OneLine(first->error_message);
    lines.push_back(
        fmt::format("errors: {} {} of {} samples failed; first (repetition {}, turn {}): {}", label,
                    failed, cell.samples.size(), first->repetition, first->turn, what));
  }
  return lines;
}

}  // namespace

void ConsoleReporter::Report(const ReportInput& input, std::ostream& out) {
  const results::Results& results = input.results;
  out << ContextLine(results.context) << "\n\n";
  if (results.cells.empty()) {
    out << "no cells\n";
    if (input.comparison != nullptr) WriteComparisonText(*input.comparison, out << '\n');
    return;
  }
  WriteAlignedText(CellSummaryTable(results, input.comparison), out);
  if (input.comparison != nullptr) out << ChangeMarkerLegend() << '\n';
  WriteBreakdowns(results, out);
  // The comparison in the words `compare` prints, so both read the same.
  if (input.comparison != nullptr) WriteComparisonText(*input.comparison, out << '\n');
  const std::vector<std::string> problems = ProblemLines(results);
  if (!problems.empty()) out << '\n';
  for (const std::string& line : problems) out << line << '\n';
}

}  // namespace agentreplay::reports
