// The Markdown report as a pull-request comment: under GitHub's size limit however many cells,
// with the verdict, the gate's failures and the problems outside the folds.
#include "reports/markdown_reporter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "reports/compare/compare.h"
#include "tests/reports/large_results.h"
#include "tests/reports/sample_comparison.h"
#include "tests/results/sample_results.h"

namespace agentreplay::reports {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// GitHub refuses a comment (and a step summary) longer than this many characters.
constexpr size_t kGitHubCommentLimit = 65536;

std::string Render(const ReportInput& input) {
  std::ostringstream out;
  MarkdownReporter().Report(input, out);
  return out.str();
}

// The text before the first fold.
std::string Unfolded(const std::string& markdown) {
  return markdown.substr(0, markdown.find("<details"));
}

TEST(MarkdownReporterTest, ALargeComparisonFitsACommentWithTheVerdictAndFailuresUnfolded) {
  results::Results results = fixtures::LargeResults();
  Comparison comparison = CompareWithinRun(results);
  // A failing gate with a failure per cell: the list a reviewer must see is long too.
  comparison.passed = false;
  for (const CellComparison& cell : comparison.cells) {
    comparison.failures.push_back(cell.scenario + "/" + cell.head_label + ": e2e_ms regressed");
  }
  const std::string markdown = Render({results, &comparison});
  EXPECT_LT(markdown.size(), kGitHubCommentLimit);
  EXPECT_LE(markdown.size(), kMarkdownCommentBudget);
  EXPECT_THAT(markdown, StartsWith("## \u274c agentreplay: gate failed \u00b7 "));
  const std::string unfolded = Unfolded(markdown);
  EXPECT_THAT(unfolded, HasSubstr("failed turns"));
  EXPECT_THAT(unfolded, HasSubstr("failed checks"));
  // The first failures are the comparison's own: p0+p2 fails a turn that the baseline does not.
  EXPECT_THAT(unfolded,
              HasSubstr("- planning\\_document\\_with\\_a\\_long\\_descriptive\\_scenario\\_"
                        "name/assistants/p0+p2: more turns failed (0% of 3 -&gt; 33% of 3; exact"));
  EXPECT_THAT(unfolded, HasSubstr("more gate failures"));  // counted, not dropped silently
  EXPECT_THAT(unfolded, HasSubstr("### Problems"));
  EXPECT_THAT(unfolded, HasSubstr("- check failed: "));
  // The detail is folded and, where it did not fit, says how much was left out.
  EXPECT_THAT(markdown, HasSubstr("<details><summary>All 200 cells</summary>"));
  EXPECT_THAT(markdown, HasSubstr("more not shown here"));
  EXPECT_EQ(markdown.substr(markdown.size() - 12), "</details>\n\n");
}

TEST(MarkdownReporterTest, ALargeReportWithoutAComparisonFitsToo) {
  results::Results results = fixtures::LargeResults();
  // Ten times the cells: 2000 rows of detail cannot fit, the verdict and problems still lead.
  const results::Results one = results;
  for (int copy = 1; copy < 10; ++copy) {
    for (results::Cell cell : one.cells) {
      cell.scenario += "_" + std::to_string(copy);
      results.cells.push_back(std::move(cell));
    }
  }
  const std::string markdown = Render({results});
  EXPECT_LT(markdown.size(), kGitHubCommentLimit);
  EXPECT_THAT(markdown, StartsWith("## \u26a0\ufe0f agentreplay: "));
  EXPECT_THAT(Unfolded(markdown), HasSubstr("more problems"));
  EXPECT_THAT(markdown, HasSubstr("<details><summary>All 2000 cells</summary>"));
}

TEST(MarkdownReporterTest, APassingGateStillCountsFailedTurnsAndChecks) {
  const results::Results results = fixtures::SampleResults();
  Comparison comparison = fixtures::SampleComparison();
  comparison.passed = true;
  comparison.failures.clear();
  const std::string markdown = Render({results, &comparison});
  EXPECT_THAT(markdown,
              StartsWith("## \u26a0\ufe0f agentreplay: gate passed \u00b7 2 failed turns \u00b7 1 "
                         "failed check\n"));
  // Small tables stay open.
  EXPECT_THAT(markdown, HasSubstr("<details open><summary>All 3 cells</summary>"));
  EXPECT_THAT(markdown, Not(HasSubstr("more not shown here")));
}

}  // namespace
}  // namespace agentreplay::reports
