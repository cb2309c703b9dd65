// The Prometheus and OpenMetrics exposition: structure a scraper or Pushgateway relies on.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "reports/prometheus_reporter.h"
#include "tests/reports/metrics_fixture.h"
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

const std::string kFast = R"(scenario="weather",runtime="responses",variant="p5",world="sim")";
const std::string kSlow = R"(scenario="weather",runtime="assistants",variant="p0",world="sim")";
const std::string kBroken = R"(scenario="lookup",runtime="chat",variant="p0",world="sim")";

TEST(MetricsReporterTest, OpenMetricsEndsWithEofAndPrometheusDoesNot) {
  const results::Results results = fixtures::SampleResults();
  const std::string om = Render(results, MetricsFlavor::kOpenMetrics);
  ASSERT_GE(om.size(), 6u);
  EXPECT_EQ(om.substr(om.size() - 6), "# EOF\n");
  EXPECT_EQ(om.find("# EOF"), om.size() - 6);  // only at the end
  EXPECT_EQ(Render(results, MetricsFlavor::kPrometheus).find("# EOF"), std::string::npos);
}

TEST(MetricsReporterTest, EverySampleLineIsWellFormedWithoutTimestamps) {
  const std::regex sample(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? -?[0-9.]+(e[-+]?[0-9]+)?$)");
  const std::regex meta(R"(^# (TYPE|HELP|UNIT) [a-zA-Z_:][a-zA-Z0-9_:]* .*$)");
  for (MetricsFlavor flavor : {MetricsFlavor::kPrometheus, MetricsFlavor::kOpenMetrics}) {
    for (const std::string& line : Lines(Render(fixtures::RichMetricsResults(), flavor))) {
      if (line == "# EOF") continue;
      EXPECT_TRUE(std::regex_match(line, line[0] == '#' ? meta : sample)) << line;
    }
  }
}

TEST(MetricsReporterTest, HistogramsAreInSecondsCumulativeAndCountTheTurns) {
  const auto series = Series(Render(fixtures::SampleResults(), MetricsFlavor::kPrometheus));
  // e2e of the three turns: 840, 852, 870.5 ms.
  EXPECT_EQ(series.at("agentreplay_e2e_seconds_bucket{" + kFast + R"(,le="0.825"})"), "0");
  EXPECT_EQ(series.at("agentreplay_e2e_seconds_bucket{" + kFast + R"(,le="0.909"})"), "3");
  EXPECT_EQ(series.at("agentreplay_e2e_seconds_bucket{" + kFast + R"(,le="+Inf"})"), "3");
  EXPECT_EQ(series.at("agentreplay_e2e_seconds_count{" + kFast + "}"), "3");
  EXPECT_EQ(series.at("agentreplay_e2e_seconds_sum{" + kFast + "}"), "2.5625");
  // Every inter-token gap is observed: three turns of gaps 20, 22.5 and 19.75 ms.
  EXPECT_EQ(series.at("agentreplay_itl_seconds_count{" + kFast + "}"), "9");
  EXPECT_EQ(series.at("agentreplay_itl_seconds_bucket{" + kFast + R"(,le="0.0196"})"), "0");
  EXPECT_EQ(series.at("agentreplay_itl_seconds_bucket{" + kFast + R"(,le="0.0215"})"), "6");
}

TEST(MetricsReporterTest, CountersSumEveryTurnAndFailuresAreVisible) {
  const auto series = Series(Render(fixtures::SampleResults(), MetricsFlavor::kPrometheus));
  EXPECT_EQ(series.at("agentreplay_requests_total{" + kFast + "}"), "9");
  EXPECT_EQ(series.at("agentreplay_turns_total{" + kSlow + R"(,outcome="ok"})"), "2");
  EXPECT_EQ(series.at("agentreplay_turns_total{" + kSlow + R"(,outcome="error"})"), "1");
  EXPECT_EQ(series.at("agentreplay_turns_total{" + kFast + R"(,outcome="error"})"), "0");
  EXPECT_EQ(
      series.at("agentreplay_turn_errors_total{" + kSlow + R"(,kind="api",reason="http_500"})"),
      "1");
  EXPECT_EQ(series.at("agentreplay_turn_errors_total{" + kBroken +
                      R"(,kind="transport",reason="stream_truncated"})"),
            "1");
  EXPECT_EQ(
      series.at("agentreplay_endpoint_requests_total{" + kSlow + R"(,endpoint="runs.retrieve"})"),
      "12");
  EXPECT_EQ(series.at("agentreplay_checks{" + kSlow + R"(,result="failed"})"), "1");
  EXPECT_EQ(series.at("agentreplay_checks{" + kSlow + R"(,result="passed"})"), "1");
  // Units: CPU microseconds and cost are converted or kept as documented.
  const auto rich = Series(Render(fixtures::RichMetricsResults(), MetricsFlavor::kPrometheus));
  const std::string real = R"(scenario="weather",runtime="responses",variant="p5",world="real")";
  EXPECT_EQ(rich.at("agentreplay_agent_cpu_seconds_total{" + real + "}"), "0.0126");
  EXPECT_EQ(rich.at("agentreplay_cost_usd_total{" + real + "}"), "0.00375");
  EXPECT_EQ(rich.at("agentreplay_request_bytes_total{" + real + "}"), "6");
  EXPECT_EQ(rich.at("agentreplay_fidelity_seconds_count{" + real + "}"), "9");
}

TEST(MetricsReporterTest, AbsentMetricsHaveNoSeriesAndEmptyFamiliesNoHeader) {
  for (MetricsFlavor flavor : {MetricsFlavor::kPrometheus, MetricsFlavor::kOpenMetrics}) {
    const std::string text = Render(fixtures::SampleResults(), flavor);
    // No turn measured reasoning or fidelity, or polled, in the sample: no family at all.
    for (const char* absent : {"agentreplay_ttfr_seconds", "agentreplay_fidelity_seconds",
                               "agentreplay_polls", "agentreplay_cost_usd"}) {
      EXPECT_EQ(text.find(absent), std::string::npos) << absent;
    }
    // Every turn of the broken cell failed: turns and errors, but no latency series.
    const auto series = Series(text);
    EXPECT_FALSE(series.contains("agentreplay_e2e_seconds_count{" + kBroken + "}"));
    EXPECT_FALSE(series.contains("agentreplay_requests_total{" + kBroken + "}"));
    EXPECT_TRUE(series.contains("agentreplay_turns_total{" + kBroken + R"(,outcome="error"})"));
    // ttft is measured in the fast cell only.
    EXPECT_TRUE(series.contains("agentreplay_ttft_seconds_count{" + kFast + "}"));
    EXPECT_FALSE(series.contains("agentreplay_ttft_seconds_count{" + kSlow + "}"));
  }
}

// HELP and TYPE (and UNIT) once per family, before its samples, which are contiguous; no series
// twice, even when two cells share their labels.
TEST(MetricsReporterTest, EveryFamilyAndSeriesAppearsOnce) {
  results::Results results = fixtures::RichMetricsResults();
  results.cells.push_back(results.cells[0]);  // the same labels again
  for (MetricsFlavor flavor : {MetricsFlavor::kPrometheus, MetricsFlavor::kOpenMetrics}) {
    const std::string text = Render(results, flavor);
    std::set<std::string> headers, families, series;
    std::string family, type;
    for (const std::string& line : Lines(text)) {
      if (line == "# EOF") continue;
      if (line.starts_with("# ")) {
        std::istringstream fields(line.substr(2));
        std::string kind, name, rest;
        fields >> kind >> name >> rest;
        EXPECT_TRUE(headers.insert(kind + " " + name).second) << line;
        if (kind == "TYPE") {
          EXPECT_TRUE(families.insert(name).second) << line;
          family = name;
          type = rest;
        }
        if (kind == "UNIT") {
          EXPECT_TRUE(name.ends_with("_" + rest)) << line;
        }
        continue;
      }
      EXPECT_TRUE(series.insert(line.substr(0, line.rfind(' '))).second) << line;
      const std::string name = line.substr(0, line.find_first_of("{ "));
      std::set<std::string> allowed = {family};
      if (type == "histogram") allowed = {family + "_bucket", family + "_sum", family + "_count"};
      if (flavor == MetricsFlavor::kOpenMetrics && type == "counter") allowed = {family + "_total"};
      if (flavor == MetricsFlavor::kOpenMetrics && type == "info") allowed = {family + "_info"};
      EXPECT_TRUE(allowed.contains(name)) << line << " under family " << family;
    }
    // Merged, not repeated: the duplicated cell's turns count twice.
    EXPECT_EQ(Series(text).at("agentreplay_turns_total{" + kFast + R"(,outcome="ok"})"), "6");
  }
}

TEST(MetricsReporterTest, WarmUpTurnsAreLeftOut) {
  results::Results results = fixtures::SampleResults();
  results.cells.resize(1);
  results::Sample warm = results.cells[0].samples[0];
  warm.warmup = true;
  warm.metrics["e2e_ms"] = 99999;
  results.cells[0].samples.push_back(warm);
  const auto series = Series(Render(results, MetricsFlavor::kPrometheus));
  EXPECT_EQ(series.at("agentreplay_e2e_seconds_count{" + kFast + "}"), "3");
  EXPECT_EQ(series.at("agentreplay_turns_total{" + kFast + R"(,outcome="ok"})"), "3");
}

TEST(MetricsReporterTest, OpenMetricsNamesCountersWithoutTotalAndBoundsCanonically) {
  const std::string om = Render(fixtures::RichMetricsResults(), MetricsFlavor::kOpenMetrics);
  EXPECT_NE(om.find("# TYPE agentreplay_requests counter\n"), std::string::npos);
  EXPECT_NE(om.find("# TYPE agentreplay_e2e_seconds histogram\n"
                    "# UNIT agentreplay_e2e_seconds seconds\n"),
            std::string::npos);
  EXPECT_NE(om.find("# TYPE agentreplay_request_bytes counter\n"
                    "# UNIT agentreplay_request_bytes bytes\n"),
            std::string::npos);
  EXPECT_NE(om.find(R"(le="1.0")"), std::string::npos);
  EXPECT_NE(om.find(R"(le="0.001")"), std::string::npos);
  EXPECT_NE(om.find("# TYPE agentreplay_build info\n"), std::string::npos);
  const std::string prom = Render(fixtures::RichMetricsResults(), MetricsFlavor::kPrometheus);
  EXPECT_NE(prom.find("# TYPE agentreplay_requests_total counter\n"), std::string::npos);
  EXPECT_NE(prom.find("# TYPE agentreplay_build_info gauge\n"), std::string::npos);
  EXPECT_NE(prom.find(R"(le="1")"), std::string::npos);
  EXPECT_EQ(prom.find("# UNIT"), std::string::npos);
}

TEST(MetricsReporterTest, EveryCatalogMetricHasABaseUnitName) {
  std::set<std::string> families;
  for (const results::MetricInfo& info : results::MetricCatalog()) {
    const auto exposed = ExpositionOf(info);
    if (info.name == "errors") {
      EXPECT_FALSE(exposed);  // agentreplay_turns_total{outcome="error"}
      continue;
    }
    ASSERT_TRUE(exposed) << info.name;
    EXPECT_TRUE(families.insert(exposed->family).second) << exposed->family;
    EXPECT_TRUE(std::regex_match(exposed->family, std::regex("agentreplay_[a-z0-9_]+")));
    EXPECT_FALSE(std::regex_search(exposed->family, std::regex("_(ms|us)(_|$)"))) << info.name;
    if (info.unit == "ms" || info.unit == "us") {
      EXPECT_TRUE(exposed->family.ends_with("_seconds"));
    }
    if (info.unit == "bytes") {
      EXPECT_TRUE(exposed->family.ends_with("_bytes"));
    }
  }
}

TEST(MetricsReporterTest, LabelValuesAreEscaped) {
  EXPECT_EQ(EscapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  results::Results results = fixtures::SampleResults();
  results.cells[0].scenario = "we\"ird\nname";
  const std::string text = Render(results, MetricsFlavor::kOpenMetrics);
  EXPECT_NE(text.find(R"(scenario="we\"ird\nname")"), std::string::npos);
}

// The formats define no escape for other control characters and need UTF-8: a NUL, a CR, an
// escape sequence or a byte that is not UTF-8 becomes U+FFFD.
TEST(MetricsReporterTest, LabelValuesCarryNoControlCharacterOrInvalidUtf8) {
  EXPECT_EQ(EscapeLabelValue(std::string("a\0b\rc\x1b\xff\tcaf\xc3\xa9", 13)),
            "a\uFFFDb\uFFFDc\uFFFD\uFFFD\uFFFDcaf\xc3\xa9");
  results::Results results = fixtures::SampleResults();
  results.cells[0].scenario = std::string("nul\0name", 8);
  const std::string text = Render(results, MetricsFlavor::kPrometheus);
  EXPECT_EQ(text.find('\0'), std::string::npos);
  EXPECT_NE(text.find("scenario=\"nul\uFFFDname\""), std::string::npos);
}

}  // namespace
}  // namespace agentreplay::reports
