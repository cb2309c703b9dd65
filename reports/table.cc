#include "reports/table.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <utility>

#include "reports/reporter.h"

namespace agentreplay::reports {
namespace {

using results::Cell;
using results::Summary;

// One column of the summary table: its header and how a cell fills it.
struct SummaryColumn {
  Column column;
  std::function<std::string(const Cell&, const Comparison*)> value;
};

// Most columns ignore the comparison.
template <typename F>
std::function<std::string(const Cell&, const Comparison*)> OfCell(F f) {
  return [f](const Cell& cell, const Comparison*) { return f(cell); };
}

std::string UnitOf(std::string_view metric) {
  const results::MetricInfo* info = results::FindMetric(metric);
  return info == nullptr ? std::string() : std::string(info->unit);
}

// "ttft_ms", "p50" -> "ttft p50 ms": the unit moves from the name's suffix to the end, where
// people look for it; counts carry no unit.
std::string StatHeader(std::string_view metric, std::string_view stat) {
  const std::string unit = UnitOf(metric);
  std::string_view base = metric;
  const std::string suffix = "_" + unit;
  if (!unit.empty() && base.ends_with(suffix)) base.remove_suffix(suffix.size());
  std::string header = fmt::format("{} {}", base, stat);
  if (!unit.empty() && unit != "count") header += " " + unit;
  return header;
}

SummaryColumn StatColumn(std::string_view metric, std::string_view stat_name,
                         double Summary::*stat) {
  return {{StatHeader(metric, stat_name), Align::kRight},
          OfCell([name = std::string(metric), unit = UnitOf(metric), stat](const Cell& cell) {
            const Summary* summary = results::FindStat(cell, name);
            if (summary == nullptr || summary->count == 0) return std::string("-");
            return FormatValue(summary->*stat, unit);
          })};
}

std::string SamplesText(const Cell& cell) {
  const auto ok = std::count_if(cell.samples.begin(), cell.samples.end(),
                                [](const results::Sample& s) { return s.ok; });
  return fmt::format("{}/{}", ok, cell.samples.size());
}

std::string ChecksText(const Cell& cell) {
  if (cell.checks.empty()) return "-";
  const auto ok = std::count_if(cell.checks.begin(), cell.checks.end(),
                                [](const results::Check& c) { return c.ok; });
  const auto total = static_cast<std::ptrdiff_t>(cell.checks.size());
  return ok == total ? fmt::format("{}/{}", ok, total) : fmt::format("FAIL {}/{}", ok, total);
}

// The relative change of a metric's p50 against the cell's base: the comparison's when there is
// one for the cell and metric (with its marker), otherwise the harness's change vs the baseline.
SummaryColumn ChangeColumn(std::string_view metric, std::string header) {
  return {{std::move(header), Align::kRight},
          [name = std::string(metric)](const Cell& cell, const Comparison* comparison) {
            if (const CellComparison* cc = FindCellComparison(comparison, cell)) {
              if (const MetricComparison* mc = FindMetricComparison(*cc, name)) {
                return FormatChange(mc->change) + std::string(ChangeMarker(mc->verdict));
              }
            }
            auto it = cell.change_vs_baseline.find(name);
            if (it == cell.change_vs_baseline.end()) return std::string("-");
            return FormatChange(it->second);
          }};
}

const std::vector<SummaryColumn>& SummaryColumns() {
  static const std::vector<SummaryColumn> kColumns = {
      {{"scenario", Align::kLeft}, OfCell([](const Cell& c) { return c.scenario; })},
      {{"runtime", Align::kLeft}, OfCell([](const Cell& c) { return c.runtime; })},
      {{"variant", Align::kLeft}, OfCell([](const Cell& c) { return c.variant; })},
      {{"n", Align::kRight}, OfCell(SamplesText)},
      StatColumn("ttfs_ms", "p50", &Summary::p50),
      StatColumn("ttft_ms", "p50", &Summary::p50),
      StatColumn("e2e_ms", "p50", &Summary::p50),
      StatColumn("e2e_ms", "p90", &Summary::p90),
      ChangeColumn("ttft_ms", "ttft vs base"),
      ChangeColumn("e2e_ms", "e2e vs base"),
      StatColumn("polls", "p50", &Summary::p50),
      StatColumn("requests", "p50", &Summary::p50),
      StatColumn("sleep_ms", "p50", &Summary::p50),
      StatColumn("tool_overhead_ms", "p50", &Summary::p50),
      {{"checks", Align::kRight}, OfCell(ChecksText)},
      {{"errors", Align::kRight},
       OfCell([](const Cell& c) { return fmt::format("{}", c.error_samples); })},
  };
  return kColumns;
}

}  // namespace

Table CellSummaryTable(const results::Results& results, const Comparison* comparison) {
  // Over real sockets every figure carries the noise of the machine: the p99 of event arrival
  // minus the instant the server was due to write it is that noise floor, shown beside them.
  static const SummaryColumn kFidelity = StatColumn("fidelity_ms", "p99", &Summary::p99);
  std::vector<const SummaryColumn*> columns;
  for (const SummaryColumn& column : SummaryColumns()) columns.push_back(&column);
  if (results.context.world == "real") columns.insert(columns.end() - 2, &kFidelity);
  Table table;
  for (const SummaryColumn* column : columns) table.columns.push_back(column->column);
  for (const Cell& cell : results.cells) {
    std::vector<std::string> row;
    for (const SummaryColumn* column : columns) row.push_back(column->value(cell, comparison));
    table.rows.push_back(std::move(row));
  }
  return table;
}

size_t DisplayWidth(std::string_view text) {
  // Count code points: every byte that is not a UTF-8 continuation byte.
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::vector<size_t> ColumnWidths(const Table& table) {
  std::vector<size_t> widths;
  for (const Column& column : table.columns) widths.push_back(DisplayWidth(column.header));
  for (const auto& row : table.rows) {
    for (size_t i = 0; i < widths.size() && i < row.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i]));
    }
  }
  return widths;
}

void WriteAlignedText(const Table& table, std::ostream& out) {
  const std::vector<size_t> widths = ColumnWidths(table);
  auto write_line = [&](const std::function<std::string(size_t)>& text_of) {
    std::string line;
    for (size_t i = 0; i < widths.size(); ++i) {
      if (i > 0) line += "  ";
      const std::string text = text_of(i);
      const size_t padding = widths[i] - std::min(widths[i], DisplayWidth(text));
      if (table.columns[i].align == Align::kRight) line.append(padding, ' ');
      line += text;
      if (table.columns[i].align == Align::kLeft) line.append(padding, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << '\n';
  };
  write_line([&](size_t i) { return table.columns[i].header; });
  write_line([&](size_t i) { return std::string(widths[i], '-'); });
  for (const auto& row : table.rows) {
    write_line([&](size_t i) { return i < row.size() ? row[i] : std::string(); });
  }
}

std::string CellLabel(const results::Cell& cell) {
  return fmt::format("{}/{}/{}", cell.scenario, cell.runtime, cell.variant);
}

std::string FormatValue(double value, std::string_view unit) {
  if (!std::isfinite(value)) return "-";
  if (unit == "ms" || unit == "us") return fmt::format("{:.1f}", value);
  if (unit == "usd") return fmt::format("{:.4f}", value);
  if (value == std::trunc(value)) return fmt::format("{:.0f}", value);
  return fmt::format("{:.1f}", value);
}

std::string ContextLine(const results::Context& context) {
  constexpr std::string_view kSeparator = " \u00b7 ";
  return fmt::format("agentreplay {}{}world {}{}seed {}{}{} repetition{}",
                     context.version.empty() ? "(unknown version)" : context.version, kSeparator,
                     context.world.empty() ? "?" : context.world, kSeparator, context.seed,
                     kSeparator, context.repetitions, context.repetitions == 1 ? "" : "s");
}

std::string OneLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\n' || c == '\r') {
      out += ' ';
    } else if (byte < 0x20 && c != '\t') {
      out += kReplacementCharacter;
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatChange(double relative) {
  if (!std::isfinite(relative)) return "-";
  if (relative == 0.0) return "=";
  return fmt::format("{:+.1f}%", relative * 100.0);
}

std::string_view ChangeMarker(Verdict verdict) {
  switch (verdict) {
    case Verdict::kRegression:
      return " \u25b2";
    case Verdict::kImprovement:
      return " \u25bc";
    case Verdict::kInsufficient:
      return " ?";
    case Verdict::kNoChange:
      break;
  }
  return "";
}

std::string_view ChangeMarkerLegend() {
  return "\u25b2 regression, \u25bc improvement (significant and beyond the noise threshold), "
         "? too few samples";
}

std::string_view VerdictWords(Verdict verdict) {
  switch (verdict) {
    case Verdict::kRegression:
      return "regression";
    case Verdict::kImprovement:
      return "improvement";
    case Verdict::kInsufficient:
      return "too few samples";
    case Verdict::kNoChange:
      break;
  }
  return "no change";
}

const CellComparison* FindCellComparison(const Comparison* comparison, const Cell& cell) {
  if (comparison == nullptr) return nullptr;
  for (const CellComparison& cc : comparison->cells) {
    if (cc.scenario == cell.scenario && cc.runtime == cell.runtime && cc.variant == cell.variant) {
      return &cc;
    }
  }
  return nullptr;
}

const MetricComparison* FindMetricComparison(const CellComparison& cell_comparison,
                                             std::string_view metric) {
  for (const MetricComparison& mc : cell_comparison.metrics) {
    if (mc.metric == metric) return &mc;
  }
  return nullptr;
}

std::string BenchmarkName(const Cell& cell) {
  return cell.world.empty() ? CellLabel(cell) : CellLabel(cell) + "/" + cell.world;
}

namespace {

// The turn's e2e_ms when it is a usable number.
const double* E2e(const results::Sample& sample) {
  const auto it = sample.metrics.find("e2e_ms");
  return it != sample.metrics.end() && std::isfinite(it->second) ? &it->second : nullptr;
}

}  // namespace

const results::Sample* MedianE2eSample(const Cell& cell) {
  std::vector<const results::Sample*> candidates;
  for (const results::Sample& sample : cell.samples) {
    if (sample.ok && !sample.warmup && E2e(sample) != nullptr) candidates.push_back(&sample);
  }
  if (candidates.empty()) return nullptr;
  std::sort(candidates.begin(), candidates.end(),
            [](const results::Sample* a, const results::Sample* b) {
              const double ea = *E2e(*a), eb = *E2e(*b);
              if (ea != eb) return ea < eb;
              if (a->repetition != b->repetition) return a->repetition < b->repetition;
              return a->turn < b->turn;
            });
  return candidates[(candidates.size() - 1) / 2];
}

std::vector<SegmentShare> CriticalPath(const std::map<std::string, double>& segments,
                                       double e2e_ms) {
  std::vector<SegmentShare> shares;
  auto add = [&](std::string_view name, double ms) {
    if (!std::isfinite(ms) || ms == 0) return;
    shares.push_back({std::string(name), ms, e2e_ms > 0 ? 100 * ms / e2e_ms : 0.0});
  };
  const auto& known = results::SegmentNames();
  for (std::string_view name : known) {
    const auto it = segments.find(std::string(name));
    if (it != segments.end()) add(name, it->second);
  }
  for (const auto& [name, ms] : segments) {
    if (std::find(known.begin(), known.end(), name) == known.end()) add(name, ms);
  }
  return shares;
}

std::map<std::string, double> SegmentMedians(const Cell& cell) {
  std::map<std::string, double> medians;
  constexpr std::string_view kPrefix = "segment.";
  for (const auto& [name, summary] : cell.stats) {
    if (name.starts_with(kPrefix) && summary.count > 0) {
      medians[name.substr(kPrefix.size())] = summary.p50;
    }
  }
  return medians;
}

std::string MetricUnit(std::string_view metric) {
  if (metric.starts_with("segment.")) return "ms";
  const results::MetricInfo* info = results::FindMetric(metric);
  return info == nullptr ? std::string() : std::string(info->unit);
}

std::string ValueWithUnit(double value, std::string_view unit) {
  const std::string text = FormatValue(value, unit);
  return unit.empty() || unit == "count" ? text : fmt::format("{} {}", text, unit);
}

std::vector<std::string_view> LatencyMetrics() {
  std::vector<std::string_view> names;
  for (const results::MetricInfo& info : results::MetricCatalog()) {
    if (info.unit == "ms") names.push_back(info.name);
  }
  return names;
}

}  // namespace agentreplay::reports
