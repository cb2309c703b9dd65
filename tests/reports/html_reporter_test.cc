// The HTML report: self-contained (nothing fetched), escaped, and rendering in a real browser.
#include "reports/html_reporter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "tests/reports/sample_comparison.h"
#include "tests/results/sample_results.h"

namespace agentreplay::reports {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Render(const ReportInput& input) {
  std::ostringstream out;
  HtmlReporter().Report(input, out);
  return out.str();
}

// Results with a scenario and a check named like markup, and a variant on two runtimes (so the
// runtime A/B chart has something to draw).
results::Results HostileResults() {
  results::Results results = fixtures::SampleResults();
  for (results::Cell& cell : results.cells) {
    if (cell.scenario == "weather") cell.scenario = "<script>alert(1)</script>";
  }
  results.cells[1].checks[0].name = "answer contains \"</li><img src=x onerror=alert(2)>\"";
  results::Cell other_runtime = results.cells[0];
  other_runtime.runtime = "chat";
  results.cells.push_back(other_runtime);
  return results;
}

TEST(HtmlReporterTest, ReferencesNothingExternal) {
  const results::Results results = HostileResults();
  const Comparison comparison = fixtures::SampleComparison();
  for (const std::string& html : {Render({results}), Render({results, &comparison})}) {
    EXPECT_THAT(html, Not(HasSubstr("http:")));
    EXPECT_THAT(html, Not(HasSubstr("https:")));
    // No element loads anything: no src= or href= attribute inside a tag (escaped text shows
    // "&lt;img src=..." and is not a tag).
    EXPECT_FALSE(
        std::regex_search(html, std::regex(R"(<[^>]*\s(src|href)\s*=)", std::regex::icase)));
    EXPECT_FALSE(std::regex_search(html, std::regex(R"(url\s*\()", std::regex::icase)));
    EXPECT_FALSE(std::regex_search(html, std::regex(R"(@import)")));
    // Protocol-relative references ("//host/...") outside the script's comments.
    EXPECT_FALSE(std::regex_search(html, std::regex(R"(["'(=]\s*//)")));
  }
}

TEST(HtmlReporterTest, EscapesEveryStringFromTheResults) {
  const std::string html = Render({HostileResults()});
  EXPECT_THAT(html, Not(HasSubstr("<script>alert")));
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(html, HasSubstr("&lt;img src=x onerror=alert(2)&gt;"));
  // The page's own script is the only <script> element.
  size_t scripts = 0;
  for (size_t at = html.find("<script"); at != std::string::npos;
       at = html.find("<script", at + 1)) {
    ++scripts;
  }
  EXPECT_EQ(scripts, 1u);
}

TEST(HtmlReporterTest, DrawsEveryChart) {
  const std::string html = Render({HostileResults()});
  EXPECT_THAT(html, HasSubstr("id=\"latency\""));
  EXPECT_THAT(html, HasSubstr("class=\"whisker\""));            // CI whiskers from median_ci
  EXPECT_THAT(html, HasSubstr("class=\"seg-tool_overhead\""));  // the waterfall
  EXPECT_THAT(html, HasSubstr("class=\"itl\""));                // the ITL histogram
  EXPECT_THAT(html, HasSubstr("runtimes compared for"));        // the runtime A/B chart
  EXPECT_THAT(html, Not(HasSubstr("Every variant ran on one runtime")));
  EXPECT_THAT(html, HasSubstr("<!DOCTYPE html>"));
  EXPECT_EQ(html.substr(html.size() - 8), "</html>\n");
}

TEST(HtmlReporterTest, ShowsTheVerdictWithAComparison) {
  const results::Results results = fixtures::SampleResults();
  const Comparison comparison = fixtures::SampleComparison();
  const std::string html = Render({results, &comparison});
  EXPECT_THAT(html, HasSubstr("<div class=\"banner fail\">Gate failed</div>"));
  EXPECT_THAT(html, HasSubstr("<tr class=\"regression\"><td>weather/assistants/p0</td>"));
  EXPECT_THAT(Render({results}), Not(HasSubstr("class=\"banner")));
}

// Runs `command` through the shell; returns its exit status.
int Shell(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string FindChromium() {
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    if (Shell(std::string("command -v ") + name + " >/dev/null 2>&1") == 0) return name;
  }
  return "";
}

// Opens the report in headless Chromium: the page's script must run to the end (it writes a
// marker into the DOM), the console must stay free of errors, and a screenshot is kept in the
// build tree for people to look at.
TEST(HtmlReporterTest, RendersInHeadlessChromiumWithoutConsoleErrors) {
  const std::string chromium = FindChromium();
  if (chromium.empty()) {
    GTEST_SKIP() << "chromium is not installed (scripts/setup installs it); the HTML report was "
                    "not opened in a browser";
  }
  const fs::path dir = fs::path(AGENTREPLAY_TEST_OUTPUT_DIR) / "html_report";
  fs::create_directories(dir);
  const results::Results results = HostileResults();
  const Comparison comparison = fixtures::SampleComparison();
  const fs::path page = fs::absolute(dir / "report.html");
  const std::string html = Render({results, &comparison});
  std::ofstream(page, std::ios::binary) << html;
  size_t charts = 0;
  for (size_t at = html.find("<svg class=\"chart\""); at != std::string::npos;
       at = html.find("<svg class=\"chart\"", at + 1)) {
    ++charts;
  }
  ASSERT_GE(charts, 5u);  // two scenarios' bars, waterfall, ITL, one runtime A/B

  const fs::path profile = dir / "profile";
  const std::string common = chromium + " --headless --disable-gpu --no-sandbox --no-first-run " +
                             "--disable-dev-shm-usage --user-data-dir='" + profile.string() +
                             "' --enable-logging=stderr --v=0 --window-size=1280,2000 ";
  const fs::path dom = dir / "dom.html", log = dir / "chromium.log";
  const fs::path screenshot = fs::absolute(dir / "report.png");
  ASSERT_EQ(Shell(common + "--dump-dom 'file://" + page.string() + "' >'" + dom.string() + "' 2>'" +
                  log.string() + "'"),
            0)
      << Slurp(log);
  ASSERT_EQ(Shell(common + "--screenshot='" + screenshot.string() + "' 'file://" + page.string() +
                  "' >/dev/null 2>>'" + log.string() + "'"),
            0)
      << Slurp(log);

  const std::string rendered = Slurp(dom);
  EXPECT_THAT(rendered, HasSubstr("data-rendered=\"ok\""));
  // The script ran to its last statement and saw every chart.
  EXPECT_THAT(rendered, HasSubstr("rendered " + std::to_string(charts) + " charts"));
  // Chromium logs every console message of the page, whatever its level, as "CONSOLE:<line>]"
  // (older versions "CONSOLE(<line>)"), uncaught exceptions included. The page's script logs
  // nothing, so any such line is an error.
  const std::string chromium_log = Slurp(log);
  EXPECT_THAT(chromium_log, Not(HasSubstr("Uncaught"))) << chromium_log;
  EXPECT_FALSE(std::regex_search(chromium_log, std::regex(R"(CONSOLE[(:]\d+)"))) << chromium_log;
  EXPECT_TRUE(fs::exists(screenshot));
  EXPECT_GT(fs::file_size(screenshot), 10000u);
}

}  // namespace
}  // namespace agentreplay::reports
