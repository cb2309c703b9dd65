// Every reporter's whole output on the hand-built results (and comparison), byte for byte.
#include "tests/reports/golden.h"

#include <gtest/gtest.h>

#include <cctype>
#include <sstream>
#include <string>

#include "reports/reporter.h"
#include "tests/reports/sample_comparison.h"
#include "tests/results/sample_results.h"

namespace agentreplay::reports {
namespace {

struct GoldenCase {
  const char* format;
  const char* file;
  bool with_comparison;
};

std::string Render(std::string_view format, const ReportInput& input) {
  auto reporter = MakeReporter(format);
  EXPECT_NE(reporter, nullptr) << format;
  std::ostringstream out;
  if (reporter != nullptr) reporter->Report(input, out);
  return out.str();
}

class GoldenTest : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(GoldenTest, MatchesTheGoldenFile) {
  const results::Results results = fixtures::SampleResults();
  const Comparison comparison = fixtures::SampleComparison();
  const GoldenCase& c = GetParam();
  const ReportInput input{results, c.with_comparison ? &comparison : nullptr};
  testing::ExpectGolden(c.file, Render(c.format, input), results.context);
}

INSTANTIATE_TEST_SUITE_P(
    Reporters, GoldenTest,
    ::testing::Values(
        GoldenCase{"console", "console-compared.txt", true},
        GoldenCase{"markdown", "report.md", false},
        GoldenCase{"markdown", "report-compared.md", true},
        GoldenCase{"html", "report.html", false}, GoldenCase{"html", "report-compared.html", true},
        GoldenCase{"csv", "report.csv", false}, GoldenCase{"csv", "report-compared.csv", true},
        GoldenCase{"junit", "junit.xml", false}, GoldenCase{"junit", "junit-compared.xml", true},
        GoldenCase{"prometheus", "metrics.prom", false},
        GoldenCase{"openmetrics", "metrics.openmetrics.txt", false},
        GoldenCase{"gbench", "gbench.json", false},
        GoldenCase{"github-benchmark", "github-benchmark.json", false},
        GoldenCase{"bencher", "bencher.json", false}),
    [](const ::testing::TestParamInfo<GoldenCase>& param_info) {
      std::string name = param_info.param.file;
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

// Formats for tools ignore the comparison: their output describes the results only.
TEST(GoldenTest, ToolFormatsIgnoreTheComparison) {
  const results::Results results = fixtures::SampleResults();
  const Comparison comparison = fixtures::SampleComparison();
  for (std::string_view format :
       {"json", "prometheus", "openmetrics", "gbench", "github-benchmark", "bencher"}) {
    EXPECT_EQ(Render(format, {results}), Render(format, {results, &comparison})) << format;
  }
}

}  // namespace
}  // namespace agentreplay::reports
