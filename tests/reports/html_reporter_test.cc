// The HTML report: self-contained (nothing fetched), escaped, and rendering in a real browser.
#include "reports/html_reporter.h"

#include <fmt/format.h>
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

#include "reports/compare/compare.h"
#include "tests/reports/large_results.h"
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
  EXPECT_THAT(html, HasSubstr("id=\"scenarios\""));
  EXPECT_THAT(html, HasSubstr("<section class=\"scenario\" id=\"scenario-1\">"));
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
  EXPECT_THAT(html, HasSubstr("<div class=\"banner fail\" id=\"verdict-banner\">gate failed "
                              "\u00b7 2 failed turns \u00b7 1 failed check</div>"));
  EXPECT_THAT(html, HasSubstr("<tr class=\"regression\"><td>weather/assistants/p0</td>"));
  // Without a comparison the banner still says what failed.
  EXPECT_THAT(Render({results}),
              HasSubstr("<div class=\"banner warn\" id=\"verdict-banner\">2 failed turns "
                        "\u00b7 1 failed check</div>"));
}

TEST(HtmlReporterTest, APassingGateStillShowsFailedTurnsAndChecks) {
  const results::Results results = fixtures::SampleResults();
  Comparison comparison = fixtures::SampleComparison();
  comparison.passed = true;
  comparison.failures.clear();
  const std::string html = Render({results, &comparison});
  EXPECT_THAT(html, HasSubstr("<div class=\"banner warn\" id=\"verdict-banner\">gate passed "
                              "\u00b7 2 failed turns \u00b7 1 failed check</div>"));
}

TEST(HtmlReporterTest, EachScenarioDrawsOnItsOwnScale) {
  const results::Results results = fixtures::LargeResults();
  const std::string html = Render({results});
  // The waterfall axis of a scenario ten times slower ends ten times further out.
  auto waterfall_end = [&](int scenario) {
    const size_t section = html.find(fmt::format("id=\"scenario-{}\"", scenario));
    const size_t chart = html.find("critical path waterfall of", section);
    const size_t label =
        html.rfind("class=\"axis-label\" text-anchor=\"middle\">", html.find("</svg>", chart));
    return html.substr(label, html.find('<', label) - label);
  };
  EXPECT_NE(waterfall_end(1), waterfall_end(2));  // scenario 0 is ten times slower than 1
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

// Appended to a copy of the page (never to the report itself): measures the rendered page and
// writes what it found into the DOM, which --dump-dom then prints. Lines: the order of the page's
// top-level sections ("scenario:<name>" for a scenario group), how many SVG texts were measured,
// those whose box leaves their chart's viewBox (a clipped label), and whether the page scrolls
// sideways.
constexpr std::string_view kLayoutProbe = R"js(
<script>
(function () {
  var lines = [];
  var order = [];
  document.querySelectorAll('body > h2[id], body > section.scenario').forEach(function (e) {
    order.push(e.tagName === 'SECTION' ? 'scenario:' + e.querySelector('h2').textContent : e.id);
  });
  lines.push('order ' + order.join('|'));
  var checked = 0, clipped = [];
  document.querySelectorAll('svg.chart').forEach(function (svg) {
    var box = svg.viewBox.baseVal;
    svg.querySelectorAll('text').forEach(function (text) {
      var b = text.getBBox();
      checked++;
      if (b.x < 0 || b.y < 0 || b.x + b.width > box.width || b.y + b.height > box.height) {
        clipped.push(text.textContent + ' in ' + svg.getAttribute('aria-label'));
      }
    });
  });
  lines.push('texts ' + checked);
  lines.push('clipped ' + clipped.length + (clipped.length ? ': ' + clipped.join('; ') : ''));
  lines.push('sideways ' + (document.documentElement.scrollWidth > window.innerWidth));
  var pre = document.createElement('pre');
  pre.id = 'layout-probe';
  pre.textContent = lines.join('\n');
  document.body.appendChild(pre);
})();
</script>
)js";

// The probe's line starting with `key` (without the key), "" when absent.
std::string ProbeLine(const std::string& dom, std::string_view key) {
  const size_t probe = dom.find("id=\"layout-probe\"");
  if (probe == std::string::npos) return "";
  const size_t at = dom.find("\n" + std::string(key) + " ", probe);
  const size_t first = dom.find(">" + std::string(key) + " ", probe);
  const size_t start = first != std::string::npos && first < dom.find('\n', probe)
                           ? first + 1
                           : (at == std::string::npos ? std::string::npos : at + 1);
  if (start == std::string::npos) return "";
  const size_t end = dom.find_first_of("\n<", start);
  return dom.substr(start + key.size() + 1, end - start - key.size() - 1);
}

// The 200-cell report, laid out by a real browser: verdict and problems first, one group per
// scenario in the order of the results, and no SVG label outside its chart.
TEST(HtmlReporterTest, LargeReportIsGroupedAndNoLabelIsClippedInChromium) {
  const std::string chromium = FindChromium();
  if (chromium.empty()) GTEST_SKIP() << "chromium is not installed";
  const fs::path dir = fs::path(AGENTREPLAY_TEST_OUTPUT_DIR) / "html_report_large";
  fs::create_directories(dir);
  const results::Results results = fixtures::LargeResults();
  ASSERT_EQ(results.cells.size(), 200u);
  const Comparison comparison = CompareWithinRun(results);
  std::string html = Render({results, &comparison});
  const fs::path report = dir / "report.html";
  std::ofstream(report, std::ios::binary) << html;  // kept for people to look at
  html.insert(html.rfind("</body>"), kLayoutProbe);
  const fs::path page = fs::absolute(dir / "probed.html");
  std::ofstream(page, std::ios::binary) << html;

  const fs::path profile = dir / "profile", dom = dir / "dom.html", log = dir / "chromium.log";
  ASSERT_EQ(Shell(chromium + " --headless --disable-gpu --no-sandbox --no-first-run " +
                  "--disable-dev-shm-usage --user-data-dir='" + profile.string() +
                  "' --window-size=1280,2000 --dump-dom 'file://" + page.string() + "' >'" +
                  dom.string() + "' 2>'" + log.string() + "'"),
            0)
      << Slurp(log);
  const std::string rendered = Slurp(dom);
  ASSERT_THAT(rendered, HasSubstr("id=\"layout-probe\"")) << Slurp(log);

  std::string expected_order = "verdict|problems|changes-heading|summary|scenarios";
  for (size_t i = 0; i < results.cells.size(); i += fixtures::kLargeCellsPerScenario) {
    expected_order += "|scenario:" + results.cells[i].scenario;
  }
  expected_order += "|runtimes";
  EXPECT_EQ(ProbeLine(rendered, "order"), expected_order);
  // Three charts per scenario, each with a label per cell: hundreds of texts were measured.
  EXPECT_GT(std::stoi(ProbeLine(rendered, "texts")), 600);
  EXPECT_EQ(ProbeLine(rendered, "clipped"), "0");
  EXPECT_EQ(ProbeLine(rendered, "sideways"), "false");
  // Every scenario group has its own heading and its three charts.
  for (int i = 1; i <= fixtures::kLargeScenarios; ++i) {
    const size_t at =
        rendered.find(fmt::format("<section class=\"scenario\" id=\"scenario-{}\">", i));
    ASSERT_NE(at, std::string::npos) << i;
    const size_t end = rendered.find("</section>", at);
    size_t charts = 0;
    for (size_t c = rendered.find("<svg class=\"chart\"", at); c < end;
         c = rendered.find("<svg class=\"chart\"", c + 1)) {
      ++charts;
    }
    EXPECT_EQ(charts, 3u) << i;
  }
}

}  // namespace
}  // namespace agentreplay::reports
