#include "reports/json_reporter.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "reports/console_reporter.h"
#include "reports/reporter.h"
#include "results/results_json.h"
#include "tests/reports/sample_results.h"

namespace agentreplay::reports {
namespace {

TEST(JsonReporterTest, WritesTheResultsDocument) {
  const results::Results r = fixtures::SampleResults();
  std::ostringstream pretty, compact;
  JsonReporter().Report(r, pretty);
  JsonReporter(/*pretty=*/false).Report(r, compact);
  EXPECT_EQ(pretty.str(), results::ResultsToJson(r));
  EXPECT_EQ(compact.str(), results::ResultsToJson(r, false) + "\n");
}

TEST(ReporterFactoryTest, KnowsConsoleAndJson) {
  EXPECT_EQ(ReporterFormats(), (std::vector<std::string_view>{"console", "json"}));
  for (std::string_view format : ReporterFormats()) EXPECT_NE(MakeReporter(format), nullptr);
  EXPECT_NE(dynamic_cast<ConsoleReporter*>(MakeReporter("console").get()), nullptr);
  EXPECT_NE(dynamic_cast<JsonReporter*>(MakeReporter("json").get()), nullptr);
  EXPECT_EQ(MakeReporter("xml"), nullptr);
  EXPECT_EQ(MakeReporter(""), nullptr);
  EXPECT_EQ(MakeReporter("JSON"), nullptr);
}

}  // namespace
}  // namespace agentreplay::reports
