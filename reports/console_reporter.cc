#include "reports/console_reporter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "reports/compare/comparison_text.h"
#include "reports/table.h"

namespace agentreplay::reports {
namespace {

using results::Cell;
using results::Sample;

constexpr std::string_view kSeparator = " \u00b7 ";

// The summary's columns in the order a narrow layout gives them up: the first ones go first.
// The cell (runtime, variant), e2e, the change in e2e, checks and errors always stay: what a
// reader needs to see that something got slower or failed.
constexpr std::string_view kDropOrder[] = {
    "tool_overhead p50 ms", "sleep p50 ms", "fidelity p99 ms", "polls p50",   "e2e p90 ms",
    "ttfs p50 ms",          "ttft vs base", "requests p50",    "ttft p50 ms", "n"};

// Splits `text` into lines of at most `width` columns at the `separator`s (a single piece
// longer than the width stays whole); later lines start with `indent`.
std::vector<std::string> Wrap(std::string_view text, size_t width, std::string_view separator,
                              const std::string& indent) {
  std::vector<std::string> lines(1);
  while (!text.empty()) {
    const size_t cut = text.find(separator);
    const std::string_view piece = cut == std::string_view::npos ? text : text.substr(0, cut);
    text = cut == std::string_view::npos ? std::string_view() : text.substr(cut + separator.size());
    std::string& line = lines.back();
    const std::string joint = line.empty() || line == indent ? "" : std::string(separator);
    if (!line.empty() && line != indent &&
        DisplayWidth(line) + DisplayWidth(joint) + DisplayWidth(piece) > width) {
      // The separator ends the full line so the reader sees the list goes on.
      while (!line.empty() && line.back() == ' ') line.pop_back();
      lines.push_back(indent + std::string(piece));
      continue;
    }
    line += joint;
    line += piece;
  }
  return lines;
}

// The summary narrowed to `width`: without the scenario column (the rows come under a heading
// per scenario) and without the least needed columns until the rest fits.
Table Narrowed(Table table, size_t width) {
  auto drop = [&table](std::string_view header) {
    for (size_t i = 0; i < table.columns.size(); ++i) {
      if (table.columns[i].header != header) continue;
      table.columns.erase(table.columns.begin() + static_cast<std::ptrdiff_t>(i));
      for (auto& row : table.rows) {
        if (i < row.size()) row.erase(row.begin() + static_cast<std::ptrdiff_t>(i));
      }
      return;
    }
  };
  auto line_width = [&table] {
    size_t total = 2;  // the rows are indented under their scenario
    for (size_t w : ColumnWidths(table)) total += w + 2;
    return total - 2;
  };
  drop("scenario");
  for (std::string_view header : kDropOrder) {
    if (line_width() <= width) break;
    drop(header);
  }
  return table;
}

// The comparison's words within `width`: its verdict, failures, sources and segment lines
// wrapped; its table (one row per cell and metric, as wide as the longest cell name) left to
// the summary above, whose "vs base" columns carry the same changes and markers.
void WriteNarrowComparison(const Comparison& comparison, size_t width, std::ostream& out) {
  std::ostringstream full;
  WriteComparisonText(comparison, full);
  std::istringstream lines(full.str());
  bool in_table = false;
  bool table_seen = false;
  for (std::string line; std::getline(lines, line);) {
    if (!table_seen && line.rfind("cell ", 0) == 0) {
      in_table = true;
      table_seen = true;
      out << "(the comparison of every cell and metric: agentreplay compare, or --wide)\n";
      continue;
    }
    if (in_table) {
      in_table = !line.empty();
      if (in_table) continue;
    }
    if (line.empty()) {
      out << '\n';
      continue;
    }
    const size_t indent = line.find_first_not_of(' ');
    for (const std::string& part :
         Wrap(line, width, " ", std::string(std::min<size_t>(indent, 8) + 4, ' '))) {
      out << part << '\n';
    }
  }
}

// The summary grouped by scenario: a heading line per scenario, its cells indented below.
void WriteGroupedSummary(const results::Results& results, const Comparison* comparison,
                         size_t width, std::ostream& out) {
  const Table full = CellSummaryTable(results, comparison);
  const Table table = Narrowed(full, width);
  std::ostringstream aligned;
  WriteAlignedText(table, aligned);
  std::istringstream lines(aligned.str());
  std::string header;
  std::string rule;
  std::getline(lines, header);
  std::getline(lines, rule);
  out << "  " << header << "\n  " << rule << '\n';
  std::string scenario;
  for (const Cell& cell : results.cells) {
    std::string row;
    std::getline(lines, row);
    if (cell.scenario != scenario) {
      scenario = cell.scenario;
      out << scenario << '\n';
    }
    out << "  " << row << '\n';
  }
}

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

// `width` 0: one line per cell; otherwise each cell's label on a line of its own and the
// breakdown wrapped under it.
void WriteBreakdowns(const results::Results& results, size_t width, std::ostream& out) {
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
    if (width == 0) {
      out << "  " << PadRight(CellLabel(cell), label_width) << "  " << text << '\n';
      continue;
    }
    out << "  " << CellLabel(cell) << '\n';
    for (const std::string& line : Wrap("    " + text, width, kSeparator, "    ")) {
      out << line << '\n';
    }
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
  if (input.console_width > 0) {
    WriteGroupedSummary(results, input.comparison, input.console_width, out);
  } else {
    WriteAlignedText(CellSummaryTable(results, input.comparison), out);
  }
  if (input.comparison != nullptr) {
    for (const std::string& line :
         Wrap(ChangeMarkerLegend(), input.console_width == 0 ? SIZE_MAX : input.console_width, " ",
              "  ")) {
      out << line << '\n';
    }
  }
  WriteBreakdowns(results, input.console_width, out);
  // The comparison in the words `compare` prints, so both read the same.
  if (input.comparison != nullptr) {
    out << '\n';
    if (input.console_width == 0) {
      WriteComparisonText(*input.comparison, out);
    } else {
      WriteNarrowComparison(*input.comparison, input.console_width, out);
    }
  }
  const std::vector<std::string> problems = ProblemLines(results);
  if (!problems.empty()) out << '\n';
  for (const std::string& line : problems) {
    if (input.console_width == 0) {
      out << line << '\n';
      continue;
    }
    for (const std::string& part : Wrap(line, input.console_width, " ", "    ")) {
      out << part << '\n';
    }
  }
}

}  // namespace agentreplay::reports
