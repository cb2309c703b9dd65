// The Prometheus and OpenMetrics exposition: structure a scraper or Pushgateway relies on.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "reports/prometheus_reporter.h"
#include "tests/results/sample_results.h"

namespace agentreplay::reports {
namespace {

std::string Render(const results::Results& results, MetricsFlavor flavor) {
  std::ostringstream out;
  PrometheusReporter(flavor).Report({results}, out);
  return out.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Sample lines by series (name and labels) -> value.
std::map<std::string, std::string> Series(const std::string& text) {
  std::map<std::string, std::string> series;
  for (const std::string& line : Lines(text)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    series[line.substr(0, space)] = line.substr(space + 1);
  }
  return series;
}

TEST(MetricsReporterTest, OpenMetricsEndsWithEofAndPrometheusDoesNot) {
  const results::Results results = fixtures::SampleResults();
  const std::string om = Render(results, MetricsFlavor::kOpenMetrics);
  ASSERT_GE(om.size(), 6u);
  EXPECT_EQ(om.substr(om.size() - 6), "# EOF\n");
  EXPECT_EQ(om.find("# EOF"), om.size() - 6);  // only at the end
  EXPECT_EQ(Render(results, MetricsFlavor::kPrometheus).find("# EOF"), std::string::npos);
}

TEST(MetricsReporterTest, EverySampleLineIsWellFormedWithoutTimestamps) {
  const std::regex sample(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? -?[0-9.e+]+$)");
  const std::regex meta(R"(^# (TYPE|HELP|UNIT) [a-zA-Z_:][a-zA-Z0-9_:]* .*$)");
  for (MetricsFlavor flavor : {MetricsFlavor::kPrometheus, MetricsFlavor::kOpenMetrics}) {
    for (const std::string& line : Lines(Render(fixtures::SampleResults(), flavor))) {
      if (line == "# EOF") continue;
      EXPECT_TRUE(std::regex_match(line, line[0] == '#' ? meta : sample)) << line;
    }
  }
}

TEST(MetricsReporterTest, HistogramBucketsAreCumulativeAndCountTheTurns) {
  const auto series = Series(Render(fixtures::SampleResults(), MetricsFlavor::kPrometheus));
  const std::string labels = R"(scenario="weather",runtime="responses",variant="p5",world="sim")";
  // e2e of the three turns: 840, 852, 870.5 ms.
  EXPECT_EQ(series.at("agentreplay_e2e_ms_bucket{" + labels + R"(,le="500"})"), "0");
  EXPECT_EQ(series.at("agentreplay_e2e_ms_bucket{" + labels + R"(,le="1000"})"), "3");
  EXPECT_EQ(series.at("agentreplay_e2e_ms_bucket{" + labels + R"(,le="+Inf"})"), "3");
  EXPECT_EQ(series.at("agentreplay_e2e_ms_count{" + labels + "}"), "3");
  EXPECT_EQ(series.at("agentreplay_e2e_ms_sum{" + labels + "}"), "2562.5");
  // Every inter-token gap is observed: three turns of three gaps.
  EXPECT_EQ(series.at("agentreplay_itl_ms_count{" + labels + "}"), "9");
  EXPECT_EQ(series.at("agentreplay_itl_ms_bucket{" + labels + R"(,le="20"})"), "6");
  // Counters sum over every non-warm-up turn; failed turns count as error turns.
  const std::string slow = R"(scenario="weather",runtime="assistants",variant="p0",world="sim")";
  EXPECT_EQ(series.at("agentreplay_requests_total{" + labels + "}"), "9");
  EXPECT_EQ(series.at("agentreplay_error_turns_total{" + slow + "}"), "1");
  EXPECT_EQ(series.at("agentreplay_turns_total{" + slow + "}"), "3");
  EXPECT_EQ(
      series.at("agentreplay_endpoint_requests_total{" + slow + R"(,endpoint="runs.retrieve"})"),
      "12");
  EXPECT_EQ(series.at("agentreplay_checks_failed{" + slow + "}"), "1");
}

TEST(MetricsReporterTest, WarmUpTurnsAreLeftOut) {
  results::Results results = fixtures::SampleResults();
  results.cells.resize(1);
  results::Sample warm = results.cells[0].samples[0];
  warm.warmup = true;
  warm.metrics["e2e_ms"] = 99999;
  results.cells[0].samples.push_back(warm);
  const auto series = Series(Render(results, MetricsFlavor::kPrometheus));
  EXPECT_EQ(
      series.at(
          R"(agentreplay_e2e_ms_count{scenario="weather",runtime="responses",variant="p5",world="sim"})"),
      "3");
  EXPECT_EQ(
      series.at(
          R"(agentreplay_turns_total{scenario="weather",runtime="responses",variant="p5",world="sim"})"),
      "3");
}

TEST(MetricsReporterTest, OpenMetricsNamesCountersWithoutTotalAndBoundsCanonically) {
  const std::string om = Render(fixtures::SampleResults(), MetricsFlavor::kOpenMetrics);
  EXPECT_NE(om.find("# TYPE agentreplay_requests counter\n"), std::string::npos);
  EXPECT_NE(om.find("# TYPE agentreplay_e2e_ms histogram\n# UNIT agentreplay_e2e_ms ms\n"),
            std::string::npos);
  EXPECT_NE(om.find(R"(le="1000.0")"), std::string::npos);
  EXPECT_NE(om.find("# TYPE agentreplay_build info\n"), std::string::npos);
  const std::string prom = Render(fixtures::SampleResults(), MetricsFlavor::kPrometheus);
  EXPECT_NE(prom.find("# TYPE agentreplay_requests_total counter\n"), std::string::npos);
  EXPECT_NE(prom.find("# TYPE agentreplay_build_info gauge\n"), std::string::npos);
  EXPECT_EQ(prom.find("# UNIT"), std::string::npos);
}

TEST(MetricsReporterTest, LabelValuesAreEscaped) {
  EXPECT_EQ(EscapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  results::Results results = fixtures::SampleResults();
  results.cells[0].scenario = "we\"ird\nname";
  const std::string text = Render(results, MetricsFlavor::kOpenMetrics);
  EXPECT_NE(text.find(R"(scenario="we\"ird\nname")"), std::string::npos);
}

}  // namespace
}  // namespace agentreplay::reports

namespace agentreplay::reports {
namespace {

// The shipped Grafana dashboard only queries series the exporter writes.
TEST(GrafanaDashboardTest, QueriesOnlyExportedSeries) {
  std::ifstream in(AGENTREPLAY_GRAFANA_DASHBOARD);
  ASSERT_TRUE(in) << AGENTREPLAY_GRAFANA_DASHBOARD;
  std::stringstream text;
  text << in.rdbuf();
  rapidjson::Document doc;
  doc.Parse(text.str().c_str());
  ASSERT_FALSE(doc.HasParseError());
  const std::string exported = Render(fixtures::SampleResults(), MetricsFlavor::kPrometheus);
  const std::regex series("agentreplay_[a-z0-9_]+");
  size_t queries = 0;
  for (const auto& panel : doc["panels"].GetArray()) {
    if (!panel.HasMember("targets")) continue;
    for (const auto& target : panel["targets"].GetArray()) {
      const std::string expr = target["expr"].GetString();
      ++queries;
      for (auto it = std::sregex_iterator(expr.begin(), expr.end(), series);
           it != std::sregex_iterator(); ++it) {
        EXPECT_NE(exported.find("\n" + it->str()), std::string::npos)
            << it->str() << " in " << expr;
      }
    }
  }
  EXPECT_GE(queries, 10u);
}

}  // namespace
}  // namespace agentreplay::reports
