// Tables of already formatted text and the small helpers every output shares (console, Markdown,
// HTML, CSV, JUnit, the metric exporters): the summary table's column definitions, number and
// change formatting, how a cell is named, which comparison belongs to a cell, and the breakdown
// of a turn's critical path live here once, so all outputs say the same thing the same way.
#pragma once

#include <cstddef>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "reports/compare/comparison.h"
#include "results/result_model.h"

namespace agentreplay::reports {

enum class Align { kLeft, kRight };

struct Column {
  std::string header;  // with the unit, e.g. "ttft p50 ms"
  Align align = Align::kLeft;
};

struct Table {
  std::vector<Column> columns;
  std::vector<std::vector<std::string>> rows;  // each row has one entry per column
};

// The summary every tabular report leads with, one row per cell in the order of the results:
// scenario, runtime, variant, n (ok samples/total), p50 of ttfs/ttft/e2e, p90 of e2e, p50 of
// tool_exec/tool_overhead/llm_wait/requests, checks ("3/3", "FAIL 2/3", "-" when none), errors.
// A metric the cell did not measure shows "-". With a comparison, the "vs base" columns show the
// comparison's change of that cell and metric followed by its marker (ChangeMarker); otherwise
// the change the harness stored against the cell's baseline.
Table CellSummaryTable(const results::Results& results, const Comparison* comparison = nullptr);

// Width in terminal columns: UTF-8 code points (reports contain no double-width characters).
size_t DisplayWidth(std::string_view text);

// Per column, the widest of its header and its cells.
std::vector<size_t> ColumnWidths(const Table& table);

// Header, a rule of dashes, then the rows; columns padded to their widths per their alignment,
// two spaces apart, no trailing spaces.
void WriteAlignedText(const Table& table, std::ostream& out);

// "scenario/runtime/variant": how reports name a cell.
std::string CellLabel(const results::Cell& cell);

// A value of a metric with `unit` (see MetricCatalog): milliseconds and microseconds with one
// decimal, dollars with four, counts as integers when whole; "-" when not finite.
std::string FormatValue(double value, std::string_view unit);

// "agentreplay 0.1.0 · world sim · seed 42 · 3 repetitions": the line reports start with.
std::string ContextLine(const results::Context& context);

// Error messages and check details may carry response bodies; a report line stays one line and
// inert: CR and LF become spaces, other C0 control characters but tab (a terminal's escape
// sequences, a NUL) become U+FFFD.
std::string OneLine(std::string_view text);

// A relative change as people read it: "+179.4%", "-12.0%", "=" for exactly zero.
std::string FormatChange(double relative);

// " ▲" regression, " ▼" improvement, " ?" too few samples to say, "" no change: appended to a
// change so significant moves stand out in any plain-text table.
std::string_view ChangeMarker(Verdict verdict);

// The legend for ChangeMarker, one line.
std::string_view ChangeMarkerLegend();

// Words for people: "regression", "improvement", "no change", "too few samples".
std::string_view VerdictWords(Verdict verdict);

// The comparison of `cell` (matched by scenario, runtime and variant), or null.
const CellComparison* FindCellComparison(const Comparison* comparison, const results::Cell& cell);

// The comparison of `metric` in `cell_comparison`, or null.
const MetricComparison* FindMetricComparison(const CellComparison& cell_comparison,
                                             std::string_view metric);

// How tools name a cell across runs ("weather/assistants/p0/sim"): the label plus the world, so
// simulated and real histories never mix. Without a world, just the label.
std::string BenchmarkName(const results::Cell& cell);

// The sample whose critical path the reports break down: among the cell's successful samples
// with an e2e_ms, the median by e2e_ms; with an even count the lower middle one, ties broken by
// (repetition, turn) so the choice is deterministic. Null when there is no such sample.
const results::Sample* MedianE2eSample(const results::Cell& cell);

// One critical-path segment of a turn: its name, milliseconds, and share of e2e_ms (0 when
// e2e_ms is not positive).
struct SegmentShare {
  std::string name;
  double ms = 0;
  double percent = 0;
};

// The non-zero segments of `segments` in display order (SegmentNames(), then any others by
// name), with their shares of `e2e_ms`.
std::vector<SegmentShare> CriticalPath(const std::map<std::string, double>& segments,
                                       double e2e_ms);

// The segment medians of a cell ("segment.<name>" p50 of its stats), as a segments map.
std::map<std::string, double> SegmentMedians(const results::Cell& cell);

// The unit of a metric name as the catalog gives it; "ms" for "segment.<name>"; "" when unknown.
std::string MetricUnit(std::string_view metric);

// A value and its unit for running text: "852.0 ms", "3" (counts carry no unit).
std::string ValueWithUnit(double value, std::string_view unit);

// Catalog metrics measured in milliseconds, in catalog order (the latency metrics).
std::vector<std::string_view> LatencyMetrics();

}  // namespace agentreplay::reports
