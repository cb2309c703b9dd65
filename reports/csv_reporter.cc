#include "reports/csv_reporter.h"

#include <fmt/format.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "reports/reporter.h"
#include "reports/table.h"
#include "reports/turn_errors.h"

namespace agentreplay::reports {
namespace {

constexpr std::string_view kColumns[] = {
    "scenario",
    "runtime",
    "variant",
    "world",
    "metric",
    "unit",
    "count",
    "min",
    "p50",
    "p90",
    "p95",
    "p99",
    "max",
    "mean",
    "stddev",
    "median_ci_low",
    "median_ci_high",
    "outliers",
    "change_vs_baseline",
    "compared_with",
    "change",
    "change_ci_low",
    "change_ci_high",
    "p_value",
    "verdict",
};

// Shortest text that reads back as the same double; empty when not finite.
std::string Number(double value) { return std::isfinite(value) ? fmt::format("{}", value) : ""; }

std::string Number(const std::optional<double>& value) {
  return value ? Number(*value) : std::string();
}

void WriteRow(const std::vector<std::string>& fields, std::ostream& out) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out << ',';
    out << CsvField(fields[i]);
  }
  out << "\r\n";
}

}  // namespace

std::string CsvField(std::string_view text) {
  // Quoted CR and LF are part of a field; other control characters are not text, and some
  // readers refuse a NUL (Python's csv module before 3.11): they become U+FFFD.
  std::string field;
  field.reserve(text.size());
  for (char c : text) {
    const bool control =
        static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\r' && c != '\n';
    if (control) {
      field += kReplacementCharacter;
    } else {
      field += c;
    }
  }
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string quoted = "\"";
  for (char c : field) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

void CsvReporter::Report(const ReportInput& input, std::ostream& out) {
  WriteRow(std::vector<std::string>(std::begin(kColumns), std::end(kColumns)), out);
  for (const results::Cell& cell : input.results.cells) {
    const CellComparison* cc = FindCellComparison(input.comparison, cell);
    for (const auto& [metric, s] : cell.stats) {
      std::vector<std::string> row = {cell.scenario,
                                      cell.runtime,
                                      cell.variant,
                                      cell.world,
                                      metric,
                                      MetricUnit(metric),
                                      fmt::format("{}", s.count),
                                      Number(s.min),
                                      Number(s.p50),
                                      Number(s.p90),
                                      Number(s.p95),
                                      Number(s.p99),
                                      Number(s.max),
                                      Number(s.mean),
                                      Number(s.stddev)};
      row.push_back(s.median_ci ? Number(s.median_ci->low) : "");
      row.push_back(s.median_ci ? Number(s.median_ci->high) : "");
      row.push_back(fmt::format("{}", s.outliers.size()));
      const auto change = cell.change_vs_baseline.find(metric);
      row.push_back(change == cell.change_vs_baseline.end() ? "" : Number(change->second));
      const MetricComparison* mc = cc == nullptr ? nullptr : FindMetricComparison(*cc, metric);
      if (mc == nullptr) {
        row.insert(row.end(), 6, "");
      } else {
        row.push_back(cc->base_label);
        row.push_back(Number(mc->change));
        row.push_back(mc->change_ci ? Number(mc->change_ci->low) : "");
        row.push_back(mc->change_ci ? Number(mc->change_ci->high) : "");
        row.push_back(Number(mc->p_value));
        row.push_back(VerdictName(mc->verdict));
      }
      WriteRow(row, out);
    }
    // Failed turns are not in any statistic above; this row keeps them (and a cell where every
    // turn failed) in the data: count is the turns measured, mean the share that failed.
    const TurnErrors errors = CountTurnErrors(cell);
    if (errors.turns > 0) {
      std::vector<std::string> row = {cell.scenario,
                                      cell.runtime,
                                      cell.variant,
                                      cell.world,
                                      "error_rate",
                                      "%",
                                      fmt::format("{}", errors.turns)};
      row.insert(row.end(), 6, "");  // min … max
      row.push_back(Number(errors.RatePercent()));
      row.resize(std::size(kColumns));
      WriteRow(row, out);
    }
  }
}

}  // namespace agentreplay::reports
