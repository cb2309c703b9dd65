#include "reports/compare/comparison_text.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <vector>

#include "reports/table.h"

namespace agentreplay::reports {
namespace {

std::string PValueText(const MetricComparison& mc) {
  if (!mc.p_value) return "-";
  if (*mc.p_value < 0.001) return "<0.001";
  return fmt::format("{:.3f}", *mc.p_value);
}

size_t CountVerdicts(const Comparison& comparison, Verdict verdict) {
  size_t count = 0;
  for (const CellComparison& cell : comparison.cells) {
    for (const MetricComparison& mc : cell.metrics) {
      if (mc.gated && mc.verdict == verdict) ++count;
    }
  }
  return count;
}

std::string Plural(size_t n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

}  // namespace

std::string FormatChangeInterval(const MetricComparison& mc) {
  if (mc.exact) return "exact";
  if (!mc.change_ci) return "-";
  return fmt::format("{} .. {}", FormatChange(mc.change_ci->low), FormatChange(mc.change_ci->high));
}

ProblemCounts CountProblems(const results::Results& results) {
  ProblemCounts counts;
  for (const results::Cell& cell : results.cells) {
    for (const results::Sample& sample : cell.samples) {
      if (!sample.warmup && !sample.ok) ++counts.failed_turns;
    }
    for (const results::Check& check : cell.checks) {
      if (!check.ok) ++counts.failed_checks;
    }
  }
  return counts;
}

std::string VerdictHeadline(const Comparison* comparison, const ProblemCounts& problems) {
  std::vector<std::string> parts;
  if (comparison != nullptr) parts.push_back(comparison->passed ? "gate passed" : "gate failed");
  if (problems.failed_turns > 0) {
    parts.push_back(fmt::format("{} failed turn{}", problems.failed_turns,
                                problems.failed_turns == 1 ? "" : "s"));
  }
  if (problems.failed_checks > 0) {
    parts.push_back(fmt::format("{} failed check{}", problems.failed_checks,
                                problems.failed_checks == 1 ? "" : "s"));
  }
  if (parts.empty()) return "all checks passed";
  return fmt::format("{}", fmt::join(parts, " \u00b7 "));
}

std::string ComparedValueText(const MetricComparison& mc, double value) {
  if (mc.metric == kErrorRateMetric) return fmt::format("{:.0f}%", value);
  return ValueWithUnit(value, MetricUnit(mc.metric));
}

std::string ComparedChangeText(const MetricComparison& mc) {
  // Points, not a relative change: 10% -> 20% failed is "+10 pts", not "+100%".
  if (mc.metric == kErrorRateMetric) return fmt::format("{:+.0f} pts", mc.change_abs);
  if (mc.base_p50 == 0 && mc.change_abs != 0) {
    return fmt::format("{:+g}", mc.change_abs);  // relative change from zero is undefined
  }
  return FormatChange(mc.change);
}

std::string GrowthSentence(const CellComparison& cell) {
  if (cell.segments.empty()) return "";
  const SegmentDelta& top = cell.segments.front();
  const double growth = top.head_ms - top.base_ms;
  if (!(growth > 0)) return "";
  return fmt::format("{} grew {} -> {} ms (+{} ms)", top.segment, FormatValue(top.base_ms, "ms"),
                     FormatValue(top.head_ms, "ms"), FormatValue(growth, "ms"));
}

void WriteComparisonText(const Comparison& comparison, std::ostream& out) {
  const size_t regressions = CountVerdicts(comparison, Verdict::kRegression);
  const size_t improvements = CountVerdicts(comparison, Verdict::kImprovement);
  const size_t insufficient = CountVerdicts(comparison, Verdict::kInsufficient);
  // Counts of gated metrics; other reporters' golden files pin this line.
  out << fmt::format("{}: {}, {}, {} compared; {}, {}", comparison.passed ? "PASS" : "FAIL",
                     Plural(regressions, "regression"), Plural(improvements, "improvement"),
                     Plural(comparison.cells.size(), "cell"),
                     Plural(comparison.missing_cells.size(), "missing cell"),
                     Plural(comparison.new_cells.size(), "new cell"));
  if (insufficient > 0) out << fmt::format("; {} with too few samples", insufficient);
  out << '\n';
  for (const std::string& failure : comparison.failures) out << "  " << failure << '\n';
  out << fmt::format("gate: {} (alpha {:g})\n", comparison.gate_source, comparison.alpha);
  out << "base: " << comparison.base_source << '\n';
  out << "head: " << comparison.head_source << '\n';
  for (const std::string& note : comparison.notes) out << "note: " << note << '\n';
  for (const std::string& cell : comparison.missing_cells) {
    out << "missing: " << cell << (comparison.missing_is_failure ? "" : " (ignored)") << '\n';
  }
  for (const std::string& cell : comparison.new_cells) {
    out << "new: " << cell << (comparison.new_is_failure ? "" : " (ignored)") << '\n';
  }

  Table table;
  table.columns = {
      {"cell", Align::kLeft},      {"vs", Align::kLeft},        {"metric", Align::kLeft},
      {"base p50", Align::kRight}, {"head p50", Align::kRight}, {"change", Align::kRight},
      {"95% CI", Align::kLeft},    {"p", Align::kRight},        {"verdict", Align::kLeft}};
  for (const CellComparison& cell : comparison.cells) {
    bool first = true;
    for (const MetricComparison& mc : cell.metrics) {
      if (!mc.gated) continue;
      const bool rate = mc.metric == kErrorRateMetric;
      const std::string unit = MetricUnit(mc.metric);
      table.rows.push_back(
          {first ? fmt::format("{}/{}", cell.scenario, cell.head_label) : "",
           first ? cell.base_label : "", mc.metric,
           rate ? ComparedValueText(mc, mc.base_p50) : FormatValue(mc.base_p50, unit),
           rate ? ComparedValueText(mc, mc.head_p50) : FormatValue(mc.head_p50, unit),
           ComparedChangeText(mc), FormatChangeInterval(mc), PValueText(mc),
           fmt::format("{}{}", VerdictWords(mc.verdict), ChangeMarker(mc.verdict))});
      first = false;
    }
  }
  if (!table.rows.empty()) {
    out << '\n';
    WriteAlignedText(table, out);
  }
  bool header = false;
  for (const CellComparison& cell : comparison.cells) {
    if (cell.verdict != Verdict::kRegression) continue;
    const std::string sentence = GrowthSentence(cell);
    if (sentence.empty()) continue;
    if (!header) out << "\nwhere the time went (critical-path segment medians):\n";
    header = true;
    out << fmt::format("  {}/{}: {}\n", cell.scenario, cell.head_label, sentence);
  }
}

}  // namespace agentreplay::reports
