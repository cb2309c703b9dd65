#include "reports/markdown_reporter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "reports/compare/comparison_text.h"
#include "reports/reporter.h"
#include "reports/table.h"

namespace agentreplay::reports {
namespace {

using results::Cell;

// Lists a reviewer must see (gate failures, problems) are shown up to this many lines each; the
// rest is counted, so a run where everything broke still fits a comment.
constexpr size_t kMaxListed = 40;

// A block of lines: a heading (or table header) and rows; rows are what gets cut to fit.
struct Block {
  std::string head;
  std::vector<std::string> rows;
  std::string tail;
};

std::string Lines(const std::vector<std::string>& lines, size_t limit, std::string_view more) {
  std::string text;
  for (size_t i = 0; i < lines.size() && i < limit; ++i) text += lines[i] + "\n";
  if (lines.size() > limit)
    text += fmt::format("- \u2026 and {} more {}\n", lines.size() - limit, more);
  return text;
}

// The first lines a reviewer reads: did the gate pass, how many cells got worse or better, and
// why the gate failed. Never folded.
std::string VerdictText(const ReportInput& input, const ProblemCounts& problems) {
  std::string out;
  const Comparison* comparison = input.comparison;
  if (comparison == nullptr) {
    return fmt::format("## {} agentreplay: {}\n\n", problems.Any() ? "\u26a0\ufe0f" : "\u2705",
                       MarkdownEscape(VerdictHeadline(nullptr, problems)));
  }
  size_t regressions = 0, improvements = 0;
  for (const CellComparison& cell : comparison->cells) {
    regressions += cell.verdict == Verdict::kRegression ? 1 : 0;
    improvements += cell.verdict == Verdict::kImprovement ? 1 : 0;
  }
  // A passing gate with failed turns or checks is a warning, not a green tick.
  const char* icon = !comparison->passed ? "\u274c" : problems.Any() ? "\u26a0\ufe0f" : "\u2705";
  out += fmt::format("## {} agentreplay: {}\n\n", icon,
                     MarkdownEscape(VerdictHeadline(comparison, problems)));
  out += fmt::format("{} cell{} compared: {} regressed, {} improved", comparison->cells.size(),
                     comparison->cells.size() == 1 ? "" : "s", regressions, improvements);
  if (!comparison->missing_cells.empty()) {
    out += fmt::format(", {} missing", comparison->missing_cells.size());
  }
  if (!comparison->new_cells.empty()) out += fmt::format(", {} new", comparison->new_cells.size());
  out += fmt::format(
      " (base: {}, head: {}).\n\n",
      MarkdownEscape(comparison->base_source.empty() ? "base" : comparison->base_source),
      MarkdownEscape(comparison->head_source.empty() ? "head" : comparison->head_source));
  std::vector<std::string> failures;
  for (const std::string& failure : comparison->failures) {
    failures.push_back("- " + MarkdownEscape(failure));
  }
  if (!failures.empty()) out += Lines(failures, kMaxListed, "gate failures") + "\n";
  return out;
}

// Failed checks and turns, one line each. Never folded: a passing gate must not hide them.
std::string Problems(const results::Results& results) {
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
  if (lines.empty()) return "";
  return "### Problems\n\n" +
         Lines(lines, kMaxListed, "problems (see the checks and errors columns)") + "\n";
}

// One row per gated metric that moved or could not be judged.
Block ChangedMetrics(const Comparison& comparison) {
  Block block;
  for (const CellComparison& cell : comparison.cells) {
    for (const MetricComparison& mc : cell.metrics) {
      if (!mc.gated || mc.verdict == Verdict::kNoChange) continue;
      std::string ci = "-";
      if (mc.change_ci) {
        ci = fmt::format("{} \u2026 {}", FormatChange(mc.change_ci->low),
                         FormatChange(mc.change_ci->high));
      }
      std::string p = mc.exact ? "exact" : "-";
      if (mc.p_value) p = fmt::format("{:.3g}", *mc.p_value);
      block.rows.push_back(
          fmt::format("| {}/{} | {} | {} | {} | {} | {} | {} | {}{} |",
                      MarkdownEscape(cell.scenario), MarkdownEscape(cell.head_label),
                      MarkdownEscape(cell.base_label), MarkdownEscape(mc.metric),
                      ComparedValueText(mc, mc.base_p50), ComparedValueText(mc, mc.head_p50),
                      ComparedChangeText(mc), ci, p, ChangeMarker(mc.verdict)));
    }
  }
  if (block.rows.empty()) {
    block.head = "No gated metric changed.\n\n";
    return block;
  }
  block.head = fmt::format(
      "Changed metrics ({})\n\n| cell | vs | metric | base p50 | head p50 | change | 95% CI | p "
      "|\n|:--|:--|:--|--:|--:|--:|--:|--:|\n",
      block.rows.size());
  block.tail = "\n" + std::string(ChangeMarkerLegend()) + "\n\n";
  return block;
}

Block CellTable(const ReportInput& input) {
  const Table table = CellSummaryTable(input.results, input.comparison);
  Block block;
  std::string header = "|", rule = "|";
  for (const Column& column : table.columns) {
    header += " " + MarkdownEscape(column.header) + " |";
    rule += column.align == Align::kRight ? "--:|" : ":--|";
  }
  block.head = fmt::format("All {} cells\n\n{}\n{}\n", table.rows.size(), header, rule);
  for (const auto& row : table.rows) {
    std::string line = "|";
    for (const std::string& cell : row) line += " " + MarkdownEscape(cell) + " |";
    block.rows.push_back(std::move(line));
  }
  block.tail = "\n";
  return block;
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
Block WhereTheTimeGoes(const ReportInput& input) {
  Block block;
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
      block.rows.push_back(fmt::format("- **{}/{}** ({} vs {}): {}", MarkdownEscape(cell.scenario),
                                       MarkdownEscape(cell.head_label), VerdictWords(cell.verdict),
                                       MarkdownEscape(cell.base_label),
                                       moves.empty() ? "no segment moved" : moves));
    }
    block.head = "Where the time goes (changed cells, segment medians)\n\n";
  } else {
    for (const Cell& cell : input.results.cells) {
      std::string text = "no successful sample";
      if (const results::Sample* sample = MedianE2eSample(cell)) {
        const double e2e = sample->metrics.at("e2e_ms");
        text = fmt::format("e2e {} ms: {}", FormatValue(e2e, "ms"),
                           ShareText(CriticalPath(sample->segments, e2e)));
      }
      block.rows.push_back(fmt::format("- **{}**: {}", MarkdownEscape(CellLabel(cell)), text));
    }
    block.head = "Where the time goes (median e2e turn of each cell)\n\n";
  }
  block.tail = "\n";
  return block;
}

// A block folded into <details> (open when short), its rows cut to fit in `limit` bytes, which
// are taken from `budget`. The summary line is the block head's first line; the rest of the head
// (a table header) goes inside. Returns "" when there are no rows or no room.
std::string Fold(const Block& block, size_t limit, size_t& budget) {
  limit = std::min(limit, budget);
  if (block.rows.empty()) return "";
  const size_t newline = block.head.find('\n');
  const std::string summary = block.head.substr(0, newline);
  const std::string inside = block.head.substr(newline + 1);
  constexpr size_t kOpenBelow = 25;
  constexpr std::string_view kCut =
      "\n\u2026 {} more not shown here (a comment holds 65,536 characters); the HTML report and "
      "`agentreplay report` have them all.\n";
  std::string text = fmt::format("<details{}><summary>{}</summary>\n{}",
                                 block.rows.size() < kOpenBelow ? " open" : "", summary, inside);
  const std::string close = block.tail + "</details>\n\n";
  const size_t reserve = close.size() + kCut.size() + 16;
  if (text.size() + reserve > limit) return "";
  size_t shown = 0;
  for (const std::string& row : block.rows) {
    if (text.size() + row.size() + 1 + reserve > limit) break;
    text += row + "\n";
    ++shown;
  }
  if (shown < block.rows.size()) text += fmt::format(fmt::runtime(kCut), block.rows.size() - shown);
  text += close;
  budget -= std::min(budget, text.size());
  return text;
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
        // Other control characters mean nothing in Markdown and a NUL is replaced by renderers
        // anyway: shown as U+FFFD, so that something visibly was there.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
          out += kReplacementCharacter;
        } else {
          out += c;
        }
    }
  }
  return out;
}

void MarkdownReporter::Report(const ReportInput& input, std::ostream& out) {
  // Outside any fold and never cut: the verdict, the gate's failures and the problems (each list
  // capped at kMaxListed lines). The detail follows in folds, cut to the rest of the budget.
  std::string text = VerdictText(input, CountProblems(input.results));
  text += Problems(input.results);
  text += MarkdownEscape(ContextLine(input.results.context)) + "\n\n";
  if (input.results.cells.empty()) {
    out << text << "No cells.\n";
    return;
  }
  size_t budget = kMarkdownCommentBudget - std::min(kMarkdownCommentBudget, text.size());
  // No fold takes all the room: the changed metrics at most half, the cell table two thirds of
  // what is left, "where the time goes" the rest (each takes less when it is shorter).
  if (input.comparison != nullptr) {
    const Block changed = ChangedMetrics(*input.comparison);
    text += changed.rows.empty() ? changed.head : Fold(changed, budget / 2, budget);
  }
  text += Fold(CellTable(input), budget * 2 / 3, budget);
  text += Fold(WhereTheTimeGoes(input), budget, budget);
  out << text;
}

}  // namespace agentreplay::reports
