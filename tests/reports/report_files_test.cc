// Writing formats to an output directory, and where a Pushgateway push goes.
#include "reports/report_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "reports/pushgateway.h"
#include "tests/results/sample_results.h"

namespace agentreplay::reports {
namespace {

namespace fs = std::filesystem;

TEST(ReportFilesTest, ConsoleGoesToTheStreamOthersToFiles) {
  const fs::path dir =
      fs::temp_directory_path() / ("agentreplay-report-files-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const results::Results results = fixtures::SampleResults();
  std::ostringstream console;
  const WrittenReports written =
      WriteReports({results}, {"console", "html", "junit", "html", "json"}, dir / "out", console,
                   /*skip=*/{"json"});
  EXPECT_TRUE(written.errors.empty());
  ASSERT_EQ(written.files.size(), 2u);  // html once, junit; json skipped
  EXPECT_EQ(written.files[0], dir / "out" / "report.html");
  EXPECT_EQ(written.files[1], dir / "out" / "junit.xml");
  EXPECT_TRUE(fs::exists(dir / "out" / "report.html"));
  EXPECT_FALSE(fs::exists(dir / "out" / "results.json"));
  EXPECT_FALSE(fs::exists(dir / "out" / "report.html.tmp"));
  EXPECT_NE(console.str().find("where the time goes"), std::string::npos);
  fs::remove_all(dir);
}

TEST(ReportFilesTest, UnknownFormatsAreNamed) {
  EXPECT_EQ(UnknownFormats({"html", "xml", "console", "pdf"}),
            (std::vector<std::string>{"xml", "pdf"}));
  EXPECT_TRUE(UnknownFormats({"gbench", "bencher"}).empty());
}

TEST(PushgatewayTest, ParsesHttpUrls) {
  auto target = ParsePushUrl("http://127.0.0.1:9091");
  ASSERT_TRUE(target) << target.error();
  EXPECT_EQ(target->host, "127.0.0.1");
  EXPECT_EQ(target->port, 9091);
  EXPECT_EQ(target->path_prefix, "");
  target = ParsePushUrl("http://gateway.internal/prefix/");
  ASSERT_TRUE(target) << target.error();
  EXPECT_EQ(target->host, "gateway.internal");
  EXPECT_EQ(target->port, 80);
  EXPECT_EQ(target->path_prefix, "/prefix");
  target = ParsePushUrl("http://[::1]:9091/");
  ASSERT_TRUE(target) << target.error();
  EXPECT_EQ(target->host, "::1");
  const auto https = ParsePushUrl("https://gateway:9091");
  ASSERT_FALSE(https);
  EXPECT_NE(https.error().find("https"), std::string::npos);
  EXPECT_FALSE(ParsePushUrl("http://:9091"));
  EXPECT_FALSE(ParsePushUrl("http://host:99999"));
  EXPECT_FALSE(ParsePushUrl("gateway:9091"));
}

TEST(PushgatewayTest, BuildsTheGroupingPath) {
  const PushTarget target{"127.0.0.1", 9091, "/pg"};
  EXPECT_EQ(PushPath(target, "agentreplay", {{"world", "sim"}}),
            "/pg/metrics/job/agentreplay/world/sim");
  // Values with a slash or empty use the base64 form; others are percent-encoded.
  EXPECT_EQ(PushPath({"h", 1, ""}, "nightly/ci", {{"branch", ""}, {"note", "a b"}}),
            "/metrics/job@base64/bmlnaHRseS9jaQ==/branch@base64/=/note/a%20b");
}

}  // namespace
}  // namespace agentreplay::reports
