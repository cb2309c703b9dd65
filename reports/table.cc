#include "reports/table.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <utility>

namespace agentreplay::reports {
namespace {

using results::Cell;
using results::Summary;

// One column of the summary table: its header and how a cell fills it.
struct SummaryColumn {
  Column column;
  std::function<std::string(const Cell&)> value;
};

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
          [name = std::string(metric), unit = UnitOf(metric), stat](const Cell& cell) {
            const Summary* summary = results::FindStat(cell, name);
            if (summary == nullptr || summary->count == 0) return std::string("-");
            return FormatValue(summary->*stat, unit);
          }};
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

// The relative change of a metric's p50 against the cell's baseline, as the harness computed it.
SummaryColumn ChangeColumn(std::string_view metric, std::string header) {
  return {{std::move(header), Align::kRight}, [name = std::string(metric)](const Cell& cell) {
            auto it = cell.change_vs_baseline.find(name);
            if (it == cell.change_vs_baseline.end()) return std::string("-");
            if (it->second == 0.0) return std::string("=");
            return fmt::format("{:+.1f}%", it->second * 100.0);
          }};
}

const std::vector<SummaryColumn>& SummaryColumns() {
  static const std::vector<SummaryColumn> kColumns = {
      {{"scenario", Align::kLeft}, [](const Cell& c) { return c.scenario; }},
      {{"runtime", Align::kLeft}, [](const Cell& c) { return c.runtime; }},
      {{"variant", Align::kLeft}, [](const Cell& c) { return c.variant; }},
      {{"n", Align::kRight}, SamplesText},
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
      {{"checks", Align::kRight}, ChecksText},
      {{"errors", Align::kRight}, [](const Cell& c) { return fmt::format("{}", c.error_samples); }},
  };
  return kColumns;
}

}  // namespace

Table CellSummaryTable(const results::Results& results) {
  Table table;
  for (const SummaryColumn& column : SummaryColumns()) table.columns.push_back(column.column);
  for (const Cell& cell : results.cells) {
    std::vector<std::string> row;
    for (const SummaryColumn& column : SummaryColumns()) row.push_back(column.value(cell));
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

}  // namespace agentreplay::reports
