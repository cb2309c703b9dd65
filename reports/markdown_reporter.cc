#include "reports/markdown_reporter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "reports/table.h"

namespace agentreplay::reports {
namespace {

using results::Cell;

size_t CountFailedChecks(const results::Results& results) {
  size_t failed = 0;
  for (const Cell& cell : results.cells) {
    failed += static_cast<size_t>(std::count_if(cell.checks.begin(), cell.checks.end(),
                                                [](const results::Check& c) { return !c.ok; }));
  }
  return failed;
}

// The first lines a reviewer reads: did the gate pass, and how many cells got worse or better.
void WriteVerdict(const ReportInput& input, std::ostream& out) {
  if (const Comparison* comparison = input.comparison) {
    size_t regressions = 0, improvements = 0;
    for (const CellComparison& cell : comparison->cells) {
      regressions += cell.verdict == Verdict::kRegression ? 1 : 0;
      improvements += cell.verdict == Verdict::kImprovement ? 1 : 0;
    }
    out << fmt::format("## {} agentreplay: {}\n\n", comparison->passed ? "\u2705" : "\u274c",
                       comparison->passed ? "gate passed" : "gate failed");
    out << fmt::format("{} cell{} compared: {} regressed, {} improved", comparison->cells.size(),
                       comparison->cells.size() == 1 ? "" : "s", regressions, improvements);
    if (!comparison->missing_cells.empty()) {
      out << fmt::format(", {} missing", comparison->missing_cells.size());
    }
    if (!comparison->new_cells.empty())
      out << fmt::format(", {} new", comparison->new_cells.size());
    out << fmt::format(
        " (base: {}, head: {}).\n\n",
        MarkdownEscape(comparison->base_source.empty() ? "base" : comparison->base_source),
        MarkdownEscape(comparison->head_source.empty() ? "head" : comparison->head_source));
    for (const std::string& failure : comparison->failures) {
      out << "- " << MarkdownEscape(failure) << '\n';
    }
    if (!comparison->failures.empty()) out << '\n';
    return;
  }
  const size_t failed = CountFailedChecks(input.results);
  out << fmt::format("## {} agentreplay: {}\n\n", failed == 0 ? "\u2705" : "\u26a0\ufe0f",
                     failed == 0
                         ? "all checks passed"
                         : fmt::format("{} check{} failed", failed, failed == 1 ? "" : "s"));
}

// One row per gated metric that moved or could not be judged.
void WriteChangedMetrics(const Comparison& comparison, std::ostream& out) {
  std::vector<std::string> rows;
  for (const CellComparison& cell : comparison.cells) {
    for (const MetricComparison& mc : cell.metrics) {
      if (!mc.gated || mc.verdict == Verdict::kNoChange) continue;
      const std::string unit = MetricUnit(mc.metric);
      std::string ci = "-";
      if (mc.change_ci) {
        ci = fmt::format("{} \u2026 {}", FormatChange(mc.change_ci->low),
                         FormatChange(mc.change_ci->high));
      }
      std::string p = mc.exact ? "exact" : "-";
      if (mc.p_value) p = fmt::format("{:.3g}", *mc.p_value);
      rows.push_back(fmt::format("| {}/{} | {} | {} | {} | {} | {} | {} | {}{} |",
                                 MarkdownEscape(cell.scenario), MarkdownEscape(cell.head_label),
                                 MarkdownEscape(cell.base_label), MarkdownEscape(mc.metric),
                                 ValueWithUnit(mc.base_p50, unit), ValueWithUnit(mc.head_p50, unit),
                                 FormatChange(mc.change), ci, p, ChangeMarker(mc.verdict)));
    }
  }
  if (rows.empty()) {
    out << "No gated metric changed.\n\n";
    return;
  }
  out << "| cell | vs | metric | base p50 | head p50 | change | 95% CI | p |\n"
         "|:--|:--|:--|--:|--:|--:|--:|--:|\n";
  for (const std::string& row : rows) out << row << '\n';
  out << '\n' << ChangeMarkerLegend() << "\n\n";
}

void WriteTable(const ReportInput& input, std::ostream& out) {
  const Table table = CellSummaryTable(input.results, input.comparison);
  std::string header = "|", rule = "|";
  for (const Column& column : table.columns) {
    header += " " + MarkdownEscape(column.header) + " |";
    rule += column.align == Align::kRight ? "--:|" : ":--|";
  }
  out << header << '\n' << rule << '\n';
  for (const auto& row : table.rows) {
    std::string line = "|";
    for (const std::string& cell : row) line += " " + MarkdownEscape(cell) + " |";
    out << line << '\n';
  }
  out << '\n';
}

std::string ShareText(const std::vector<SegmentShare>& shares) {
  std::string text;
  for (const SegmentShare& share : shares) {
    if (!text.empty()) text += ", ";
    text += fmt::format("{} {} ms ({:.0f}%)", MarkdownEscape(share.name),
                        FormatValue(share.ms, "ms"), share.percent);
  }
  return text.empty() ? "no critical-path segments recorded" : text;
}

// With a comparison: for each changed cell, the segments whose medians moved, largest growth
// first. Without: each cell's median turn, segment by segment.
void WriteWhereTheTimeGoes(const ReportInput& input, std::ostream& out) {
  std::vector<std::string> lines;
  if (const Comparison* comparison = input.comparison) {
    for (const CellComparison& cell : comparison->cells) {
      if (cell.verdict != Verdict::kRegression && cell.verdict != Verdict::kImprovement) continue;
      std::string moves;
      for (const SegmentDelta& delta : cell.segments) {
        const double change = delta.head_ms - delta.base_ms;
        if (!std::isfinite(change) || change == 0) continue;
        if (!moves.empty()) moves += ", ";
        moves +=
            fmt::format("{} {} \u2192 {} ms ({:+.1f} ms)", MarkdownEscape(delta.segment),
                        FormatValue(delta.base_ms, "ms"), FormatValue(delta.head_ms, "ms"), change);
      }
      lines.push_back(fmt::format("- **{}/{}** ({} vs {}): {}", MarkdownEscape(cell.scenario),
                                  MarkdownEscape(cell.head_label), VerdictWords(cell.verdict),
                                  MarkdownEscape(cell.base_label),
                                  moves.empty() ? "no segment moved" : moves));
    }
    if (lines.empty()) return;
    out << "### Where the time goes (changed cells, segment medians)\n\n";
  } else {
    for (const Cell& cell : input.results.cells) {
      std::string text = "no successful sample";
      if (const results::Sample* sample = MedianE2eSample(cell)) {
        const double e2e = sample->metrics.at("e2e_ms");
        text = fmt::format("e2e {} ms: {}", FormatValue(e2e, "ms"),
                           ShareText(CriticalPath(sample->segments, e2e)));
      }
      lines.push_back(fmt::format("- **{}**: {}", MarkdownEscape(CellLabel(cell)), text));
    }
    if (lines.empty()) return;
    out << "### Where the time goes (median e2e turn of each cell)\n\n";
  }
  for (const std::string& line : lines) out << line << '\n';
  out << '\n';
}

void WriteProblems(const results::Results& results, std::ostream& out) {
  std::vector<std::string> lines;
  for (const Cell& cell : results.cells) {
    const std::string label = MarkdownEscape(CellLabel(cell));
    for (const results::Check& check : cell.checks) {
      if (check.ok) continue;
      std::string line = fmt::format("- check failed: **{}** {} ({}/{} passed)", label,
                                     MarkdownEscape(check.name), check.passed, check.total);
      if (!check.detail.empty()) line += ": " + MarkdownEscape(check.detail);
      lines.push_back(std::move(line));
    }
    if (cell.error_samples > 0) {
      lines.push_back(fmt::format("- errors: **{}** {} of {} samples failed", label,
                                  cell.error_samples, cell.samples.size()));
    }
  }
  if (lines.empty()) return;
  out << "### Problems\n\n";
  for (const std::string& line : lines) out << line << '\n';
  out << '\n';
}

}  // namespace

std::string MarkdownEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '\n':
      case '\r':
        out += ' ';
        break;
      case '\\':
      case '`':
      case '*':
      case '_':
      case '|':
      case '[':
      case ']':
      case '#':
      case '~':
        out += '\\';
        out += c;
        break;
      default:
        out += c;
    }
  }
  return out;
}

void MarkdownReporter::Report(const ReportInput& input, std::ostream& out) {
  WriteVerdict(input, out);
  if (input.comparison != nullptr) WriteChangedMetrics(*input.comparison, out);
  out << MarkdownEscape(ContextLine(input.results.context)) << "\n\n";
  if (input.results.cells.empty()) {
    out << "No cells.\n";
    return;
  }
  WriteTable(input, out);
  WriteWhereTheTimeGoes(input, out);
  WriteProblems(input.results, out);
}

}  // namespace agentreplay::reports
