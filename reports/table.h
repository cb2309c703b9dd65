// Tables of already formatted text, shared by every tabular output (console now, Markdown and CSV
// later): the summary table's column definitions, number formatting and alignment live here once,
// so all outputs show the same columns with the same headers and units.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

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
// A metric the cell did not measure shows "-".
Table CellSummaryTable(const results::Results& results);

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

}  // namespace agentreplay::reports
