#include "reports/console_reporter.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "reports/table.h"
#include "tests/results/sample_results.h"

namespace agentreplay::reports {
namespace {

std::string Render(const results::Results& r) {
  std::ostringstream out;
  ConsoleReporter().Report({r}, out);
  return out.str();
}

// The whole report, byte for byte: column widths, alignment, "-" for missing metrics, the
// breakdown of each cell's median sample and the problem lines.
TEST(ConsoleReporterTest, GoldenReport) {
  const std::string expected =
      R"(agentreplay 0.1.0 · world sim · seed 42 · 3 repetitions

scenario  runtime     variant    n  ttfs p50 ms  ttft p50 ms  e2e p50 ms  e2e p90 ms  ttft vs base  e2e vs base  polls p50  requests p50  sleep p50 ms  tool_overhead p50 ms    checks  errors
--------  ----------  -------  ---  -----------  -----------  ----------  ----------  ------------  -----------  ---------  ------------  ------------  --------------------  --------  ------
weather   responses   p5       3/3        120.0        311.0       852.0       866.8             -            -          -             3             -                  12.0       2/2       0
weather   assistants  p0       2/3        120.0            -      2380.4      2407.5             -      +179.4%          -             3             -                1050.0  FAIL 1/2       1
lookup    chat        p0       0/1            -            -           -           -             -            -          -             -             -                     -         -       1

where the time goes (median e2e sample of each cell):
  weather/responses/p5   e2e 852.0 ms: llm_wait 795.0 ms (93%) · tool_exec 40.0 ms (5%) · tool_overhead 12.0 ms (1%) · agent_cpu 5.0 ms (1%)
  weather/assistants/p0  e2e 2380.4 ms: llm_wait 1290.0 ms (54%) · tool_exec 40.0 ms (2%) · tool_overhead 1050.0 ms (44%) · agent_cpu 0.4 ms (<1%)
  lookup/chat/p0         no successful sample

check failed: weather/assistants/p0 turn 0: answer contains "sunny": repetition 1: the turn failed (http_500)
errors: weather/assistants/p0 1 of 3 samples failed; first (repetition 1, turn 0): api http_500: server error retry later
errors: lookup/chat/p0 1 of 1 samples failed; first (repetition 0, turn 0): transport stream_truncated
)";
  EXPECT_EQ(Render(fixtures::SampleResults()), expected);
}

std::string RenderWithin(const results::Results& r, size_t width) {
  std::ostringstream out;
  ReportInput input{r};
  input.console_width = width;
  ConsoleReporter().Report(input, out);
  return out.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// With a width budget every line fits it: the cells come under a heading per scenario, the
// least needed columns give way, breakdowns and problem lines are wrapped.
TEST(ConsoleReporterTest, AWidthBudgetGroupsByScenarioAndEveryLineFits) {
  for (size_t width : {120U, 100U, 80U}) {
    SCOPED_TRACE(width);
    const std::string text = RenderWithin(fixtures::SampleResults(), width);
    for (const std::string& line : Lines(text)) EXPECT_LE(DisplayWidth(line), width) << line;
    const std::vector<std::string> lines = Lines(text);
    // The table: header and rule indented, a heading line per scenario, rows indented.
    ASSERT_GE(lines.size(), 8U);
    EXPECT_EQ(lines[2].rfind("  runtime", 0), 0U) << lines[2];
    EXPECT_EQ(lines[4], "weather");
    EXPECT_EQ(lines[5].rfind("  responses", 0), 0U) << lines[5];
    EXPECT_EQ(lines[7], "lookup");
    // The key columns stay whatever the width.
    for (const char* key : {"variant", "e2e p50 ms", "e2e vs base", "checks", "errors"}) {
      EXPECT_NE(lines[2].find(key), std::string::npos) << key;
    }
    // Nothing is lost to the wrapping: the failures are all there.
    EXPECT_NE(text.find("FAIL 1/2"), std::string::npos);
    EXPECT_NE(text.find("http_500"), std::string::npos);
    EXPECT_NE(text.find("stream_truncated"), std::string::npos);
    EXPECT_NE(text.find("check failed: weather/assistants/p0"), std::string::npos);
  }
  // Narrower, fewer columns: at 80 the tool overhead and sleep columns are gone.
  const std::string narrow = RenderWithin(fixtures::SampleResults(), 80);
  EXPECT_EQ(narrow.find("tool_overhead p50 ms"), std::string::npos);
  EXPECT_EQ(narrow.find("sleep p50 ms"), std::string::npos);
  EXPECT_NE(RenderWithin(fixtures::SampleResults(), 0).find("tool_overhead p50 ms"),
            std::string::npos);
}

TEST(ConsoleReporterTest, NoCells) {
  results::Results r;
  r.context.version = "0.1.0";
  r.context.world = "real";
  r.context.seed = 7;
  r.context.repetitions = 1;
  EXPECT_EQ(Render(r), "agentreplay 0.1.0 · world real · seed 7 · 1 repetition\n\nno cells\n");
}

TEST(ConsoleReporterTest, CleanRunHasNoProblemLines) {
  results::Results r = fixtures::SampleResults();
  r.cells.resize(1);
  const std::string text = Render(r);
  EXPECT_EQ(text.find("check failed"), std::string::npos);
  EXPECT_EQ(text.find("errors:"), std::string::npos);
  EXPECT_EQ(text.back(), '\n');
  EXPECT_NE(text.find("  weather/responses/p5  e2e 852.0 ms: llm_wait"), std::string::npos);
}

TEST(ConsoleReporterTest, SampleWithoutSegments) {
  results::Results r = fixtures::SampleResults();
  r.cells.resize(1);
  for (auto& s : r.cells[0].samples) s.segments.clear();
  EXPECT_NE(Render(r).find("e2e 852.0 ms: no critical-path segments recorded\n"),
            std::string::npos);
}

TEST(ConsoleReporterTest, SegmentsOutsideTheCatalogComeLast) {
  results::Results r = fixtures::SampleResults();
  r.cells.resize(1);
  for (auto& s : r.cells[0].samples) s.segments["queue"] = 0.0;  // zero: left out
  r.cells[0].samples[0].segments["aaa_custom"] = 8.52;
  EXPECT_NE(Render(r).find("agent_cpu 5.0 ms (1%) · aaa_custom 8.5 ms (1%)\n"), std::string::npos);
}

TEST(MedianE2eSampleTest, OddCountPicksTheMiddle) {
  const results::Cell cell = fixtures::SampleResults().cells[0];  // e2e 852, 870.5, 840
  ASSERT_NE(MedianE2eSample(cell), nullptr);
  EXPECT_EQ(MedianE2eSample(cell)->repetition, 0);
}

TEST(MedianE2eSampleTest, EvenCountPicksTheLowerMiddleAndSkipsFailures) {
  const results::Cell cell = fixtures::SampleResults().cells[1];  // 2410.5, failed, 2380.4
  ASSERT_NE(MedianE2eSample(cell), nullptr);
  EXPECT_EQ(MedianE2eSample(cell)->repetition, 2);
}

TEST(MedianE2eSampleTest, TiesBreakByRepetitionThenTurn) {
  results::Cell cell;
  for (int rep : {2, 0, 1}) {
    for (int turn : {1, 0}) {
      results::Sample s;
      s.repetition = rep;
      s.turn = turn;
      s.metrics["e2e_ms"] = 100.0;
      cell.samples.push_back(s);
    }
  }
  // Six equal samples ordered (0,0) (0,1) (1,0) (1,1) (2,0) (2,1): the lower middle is (1,0).
  const results::Sample* median = MedianE2eSample(cell);
  ASSERT_NE(median, nullptr);
  EXPECT_EQ(median->repetition, 1);
  EXPECT_EQ(median->turn, 0);
}

TEST(MedianE2eSampleTest, NoneWithoutSuccessfulE2e) {
  results::Cell cell;
  cell.samples.resize(2);
  cell.samples[0].ok = false;
  cell.samples[0].metrics["e2e_ms"] = 5.0;
  EXPECT_EQ(MedianE2eSample(cell), nullptr);  // the other one is ok but has no e2e_ms
}

}  // namespace
}  // namespace agentreplay::reports
