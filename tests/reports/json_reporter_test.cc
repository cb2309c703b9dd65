#include "reports/json_reporter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>

#include "reports/console_reporter.h"
#include "reports/reporter.h"
#include "results/results_json.h"
#include "tests/results/sample_results.h"

namespace agentreplay::reports {
namespace {

TEST(JsonReporterTest, WritesTheResultsDocument) {
  const results::Results r = fixtures::SampleResults();
  std::ostringstream pretty, compact;
  JsonReporter().Report({r}, pretty);
  JsonReporter(/*pretty=*/false).Report({r}, compact);
  EXPECT_EQ(pretty.str(), results::ResultsToJson(r));
  EXPECT_EQ(compact.str(), results::ResultsToJson(r, false) + "\n");
}

TEST(ReporterFactoryTest, KnowsEveryFormat) {
  EXPECT_EQ(ReporterFormats(),
            (std::vector<std::string_view>{"console", "json", "markdown", "html", "csv", "junit",
                                           "prometheus", "openmetrics", "gbench",
                                           "github-benchmark", "bencher"}));
  std::vector<std::string_view> file_names;
  for (std::string_view format : ReporterFormats()) {
    auto reporter = MakeReporter(format);
    ASSERT_NE(reporter, nullptr) << format;
    file_names.push_back(reporter->DefaultFileName());
  }
  // Every format gets its own file in an output directory.
  std::sort(file_names.begin(), file_names.end());
  EXPECT_EQ(std::adjacent_find(file_names.begin(), file_names.end()), file_names.end());
  EXPECT_EQ(MakeReporter("json")->DefaultFileName(), "results.json");
  EXPECT_NE(dynamic_cast<ConsoleReporter*>(MakeReporter("console").get()), nullptr);
  EXPECT_NE(dynamic_cast<JsonReporter*>(MakeReporter("json").get()), nullptr);
  EXPECT_EQ(MakeReporter("xml"), nullptr);
  EXPECT_EQ(MakeReporter(""), nullptr);
  EXPECT_EQ(MakeReporter("JSON"), nullptr);
}

}  // namespace
}  // namespace agentreplay::reports
