#include "reports/table.h"

#include <gtest/gtest.h>

#include <limits>
#include <sstream>

#include "reports/markdown_reporter.h"
#include "reports/svg.h"
#include "tests/results/sample_results.h"

namespace agentreplay::reports {
namespace {

TEST(TableTest, AlignsByDisplayWidthWithoutTrailingSpaces) {
  Table table{{{"name", Align::kLeft}, {"ms", Align::kRight}, {"note", Align::kLeft}},
              {{"caf\xc3\xa9", "1.5", ""}, {"a", "1234.0", "slow"}}};
  EXPECT_EQ(ColumnWidths(table), (std::vector<size_t>{4, 6, 4}));
  std::ostringstream out;
  WriteAlignedText(table, out);
  EXPECT_EQ(out.str(),
            "name      ms  note\n"
            "----  ------  ----\n"
            "caf\xc3\xa9     1.5\n"
            "a     1234.0  slow\n");
}

// Error messages and check details reach the console, Markdown and HTML: one line each, and no
// control character (a terminal's escape sequence, a NUL) passes through as such.
TEST(TableTest, TextIsMadeOneLineAndInert) {
  EXPECT_EQ(OneLine(std::string("a\nb\rc\x1b[2J\0d\te", 13)), "a b c\uFFFD[2J\uFFFDd\te");
  EXPECT_EQ(MarkdownEscape(std::string("a\nb\0c\x07", 6)), "a b\uFFFDc\uFFFD");
  EXPECT_EQ(HtmlEscape(std::string("<a\0\x1b\n>", 6)), "&lt;a\uFFFD\uFFFD\n&gt;");
}

TEST(TableTest, ShortRowsArePadded) {
  Table table{{{"a", Align::kLeft}, {"b", Align::kRight}}, {{"x"}}};
  std::ostringstream out;
  WriteAlignedText(table, out);
  EXPECT_EQ(out.str(), "a  b\n-  -\nx\n");
}

TEST(TableTest, SummaryColumnsCarryUnits) {
  const Table table = CellSummaryTable(fixtures::SampleResults());
  std::vector<std::string> headers;
  for (const Column& c : table.columns) headers.push_back(c.header);
  EXPECT_EQ(headers,
            (std::vector<std::string>{"scenario", "runtime", "variant", "n", "ttfs p50 ms",
                                      "ttft p50 ms", "e2e p50 ms", "e2e p90 ms", "ttft vs base",
                                      "e2e vs base", "polls p50", "requests p50", "sleep p50 ms",
                                      "tool_overhead p50 ms", "checks", "errors"}));
  ASSERT_EQ(table.rows.size(), 3u);
  EXPECT_EQ(table.rows[1][3], "2/3");
  EXPECT_EQ(table.rows[1][5], "-");  // no ttft_ms stats
  EXPECT_EQ(table.rows[1][14], "FAIL 1/2");
}

TEST(TableTest, ChangeAgainstBaselineIsFormattedNotComputed) {
  results::Results r = fixtures::SampleResults();
  r.cells[1].change_vs_baseline["e2e_ms"] = -0.4567;
  r.cells[1].change_vs_baseline["ttft_ms"] = 0.0;
  const Table table = CellSummaryTable(r);
  EXPECT_EQ(table.rows[1][8], "=");
  EXPECT_EQ(table.rows[1][9], "-45.7%");
  EXPECT_EQ(table.rows[0][9], "-");  // no baseline to compare with
}

TEST(TableTest, StatWithNoSamplesShowsDash) {
  results::Results r = fixtures::SampleResults();
  r.cells[0].stats["ttfs_ms"].count = 0;
  EXPECT_EQ(CellSummaryTable(r).rows[0][4], "-");
}

TEST(TableTest, FormatValueByUnit) {
  EXPECT_EQ(FormatValue(812.04, "ms"), "812.0");
  EXPECT_EQ(FormatValue(3, "count"), "3");
  EXPECT_EQ(FormatValue(3.5, "count"), "3.5");
  EXPECT_EQ(FormatValue(0.00123, "usd"), "0.0012");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::quiet_NaN(), "ms"), "-");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity(), "count"), "-");
}

TEST(TableTest, CellLabel) {
  EXPECT_EQ(CellLabel(fixtures::SampleResults().cells[1]), "weather/assistants/p0");
}

}  // namespace
}  // namespace agentreplay::reports
