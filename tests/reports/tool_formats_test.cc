// The formats other tools read: the fields those tools look up must be there, with the right
// types (Google Benchmark's compare.py and github-action-benchmark's `googlecpp` tool, the
// action's customSmallerIsBetter input, Bencher's BMF), CSV quoting per RFC 4180, and no cell
// whose turns failed vanishing from any of them.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "reports/csv_reporter.h"
#include "reports/reporter.h"
#include "tests/reports/failing_results.h"
#include "tests/results/sample_results.h"

namespace agentreplay::reports {
namespace {

rapidjson::Document RenderJson(std::string_view format, const results::Results& results) {
  std::ostringstream out;
  MakeReporter(format)->Report({results}, out);
  rapidjson::Document doc;
  doc.Parse(out.str().c_str());
  EXPECT_FALSE(doc.HasParseError()) << format << ": " << out.str();
  return doc;
}

TEST(GbenchReporterTest, HasTheFieldsCompareAndGithubActionBenchmarkRead) {
  const rapidjson::Document doc = RenderJson("gbench", fixtures::SampleResults());
  ASSERT_TRUE(doc.IsObject());
  const auto& context = doc["context"];
  EXPECT_EQ(context["json_schema_version"].GetInt(), 1);
  EXPECT_STREQ(context["library_build_type"].GetString(), "release");
  EXPECT_EQ(context["num_cpus"].GetInt(), 8);
  const auto& benchmarks = doc["benchmarks"];
  ASSERT_TRUE(benchmarks.IsArray());
  int iterations = 0, aggregates = 0;
  std::set<std::string> medians;
  for (const auto& b : benchmarks.GetArray()) {
    for (const char* field : {"name", "run_name", "run_type", "time_unit"}) {
      ASSERT_TRUE(b.HasMember(field) && b[field].IsString()) << field;
    }
    for (const char* field :
         {"repetitions", "threads", "iterations", "family_index", "per_family_instance_index"}) {
      ASSERT_TRUE(b.HasMember(field) && b[field].IsInt()) << field;
    }
    ASSERT_TRUE(b["real_time"].IsNumber());
    ASSERT_TRUE(b["cpu_time"].IsNumber());
    EXPECT_STREQ(b["time_unit"].GetString(), "ms");
    const std::string run_type = b["run_type"].GetString();
    if (run_type == "iteration") {
      ++iterations;
      EXPECT_TRUE(b["repetition_index"].IsInt());
      EXPECT_STREQ(b["name"].GetString(), b["run_name"].GetString());
    } else {
      ASSERT_EQ(run_type, "aggregate");
      ++aggregates;
      EXPECT_FALSE(b.HasMember("repetition_index"));
      const std::string name = b["name"].GetString();
      EXPECT_EQ(name,
                std::string(b["run_name"].GetString()) + "_" + b["aggregate_name"].GetString());
      if (std::string(b["aggregate_name"].GetString()) == "median") medians.insert(name);
    }
  }
  EXPECT_GT(iterations, 0);
  EXPECT_GT(aggregates, 0);
  EXPECT_TRUE(medians.contains("e2e_ms/weather/responses/p5/sim_median"));
  EXPECT_FALSE(medians.contains("e2e_ms/lookup/chat/p0/sim_median"));  // nothing measured
}

// Finds the benchmarks named `name` in a gbench document.
std::vector<const rapidjson::Value*> Benchmarks(const rapidjson::Document& doc,
                                                const std::string& name) {
  std::vector<const rapidjson::Value*> out;
  for (const auto& b : doc["benchmarks"].GetArray()) {
    if (name == b["name"].GetString()) out.push_back(&b);
  }
  return out;
}

TEST(GbenchReporterTest, ACellWhoseTurnsAllFailedIsAnErroredBenchmark) {
  const rapidjson::Document doc = RenderJson("gbench", fixtures::FailingResults());
  const auto dead = Benchmarks(doc, "e2e_ms/ladder/responses/c16/sim");
  ASSERT_EQ(dead.size(), 1u);  // as Google Benchmark writes a SkipWithError run: no aggregates
  const rapidjson::Value& b = *dead[0];
  EXPECT_TRUE(b["error_occurred"].GetBool());
  EXPECT_STREQ(b["error_message"].GetString(), "3 of 3 turns failed: turn_timeout x2, http_429 x1");
  EXPECT_STREQ(b["run_type"].GetString(), "iteration");
  EXPECT_EQ(b["iterations"].GetInt(), 0);
  EXPECT_EQ(b["error_rate"].GetDouble(), 100);
  // The family ttfs_ms was measured by another cell, so the dead cell is there too; ttft_ms was
  // measured by none.
  EXPECT_EQ(Benchmarks(doc, "ttfs_ms/ladder/responses/c16/sim").size(), 1u);
  EXPECT_TRUE(Benchmarks(doc, "ttft_ms/ladder/responses/c16/sim").empty());
  EXPECT_TRUE(Benchmarks(doc, "e2e_ms/ladder/responses/c32/sim").empty());  // nothing ran
}

TEST(GbenchReporterTest, APartlyFailedCellCarriesErrorCounters) {
  const rapidjson::Document doc = RenderJson("gbench", fixtures::FailingResults());
  const auto flaky = Benchmarks(doc, "e2e_ms/ladder/responses/c8/sim");
  ASSERT_EQ(flaky.size(), 2u);  // the two successful turns
  for (const rapidjson::Value* b : flaky) {
    EXPECT_FALSE(b->HasMember("error_occurred"));
    EXPECT_EQ((*b)["turns"].GetDouble(), 4);
    EXPECT_EQ((*b)["error_turns"].GetDouble(), 2);
    EXPECT_EQ((*b)["error_rate"].GetDouble(), 50);
  }
  const auto median = Benchmarks(doc, "e2e_ms/ladder/responses/c8/sim_median");
  ASSERT_EQ(median.size(), 1u);
  EXPECT_EQ((*median[0])["error_rate"].GetDouble(), 50);
  const auto clean = Benchmarks(doc, "e2e_ms/ladder/responses/c1/sim");
  ASSERT_EQ(clean.size(), 2u);
  EXPECT_FALSE(clean[0]->HasMember("error_rate"));
}

TEST(GbenchReporterTest, ExportsItlGapsAsRepetitions) {
  const rapidjson::Document doc = RenderJson("gbench", fixtures::SampleResults());
  EXPECT_EQ(Benchmarks(doc, "itl_ms/weather/responses/p5/sim").size(), 9u);  // 3 gaps x 3 turns
  const auto median = Benchmarks(doc, "itl_ms/weather/responses/p5/sim_median");
  ASSERT_EQ(median.size(), 1u);
  EXPECT_EQ((*median[0])["real_time"].GetDouble(), 20);
}

TEST(GithubBenchmarkReporterTest, IsAnArrayOfNameUnitValue) {
  const rapidjson::Document doc = RenderJson("github-benchmark", fixtures::SampleResults());
  ASSERT_TRUE(doc.IsArray());
  ASSERT_GT(doc.Size(), 0u);
  bool saw_range = false;
  for (const auto& entry : doc.GetArray()) {
    ASSERT_TRUE(entry["name"].IsString());
    ASSERT_TRUE(entry["unit"].IsString());
    ASSERT_TRUE(entry["value"].IsNumber());
    if (entry.HasMember("range")) {
      ASSERT_TRUE(entry["range"].IsString());
      saw_range = true;
    }
    if (entry.HasMember("extra")) {
      ASSERT_TRUE(entry["extra"].IsString());
    }
  }
  EXPECT_TRUE(saw_range);  // the e2e median of weather/responses/p5 has a CI
  EXPECT_STREQ(doc[0]["name"].GetString(), "weather/responses/p5/sim ttfs_ms p50");
}

TEST(GithubBenchmarkReporterTest, EveryMeasuredCellHasAnErrorRate) {
  const rapidjson::Document doc = RenderJson("github-benchmark", fixtures::FailingResults());
  std::map<std::string, const rapidjson::Value*> by_name;
  for (const auto& entry : doc.GetArray()) by_name[entry["name"].GetString()] = &entry;
  ASSERT_TRUE(by_name.contains("ladder/responses/c16/sim error_rate"));
  const rapidjson::Value& dead = *by_name["ladder/responses/c16/sim error_rate"];
  EXPECT_EQ(dead["value"].GetDouble(), 100);
  EXPECT_STREQ(dead["unit"].GetString(), "%");
  EXPECT_NE(std::string(dead["extra"].GetString()).find("turn_timeout x2"), std::string::npos);
  EXPECT_EQ((*by_name["ladder/responses/c8/sim error_rate"])["value"].GetDouble(), 50);
  EXPECT_EQ((*by_name["ladder/responses/c1/sim error_rate"])["value"].GetDouble(), 0);
  EXPECT_FALSE(by_name.contains("ladder/responses/c32/sim error_rate"));  // nothing ran
}

TEST(BencherReporterTest, IsBenchmarkThenMeasureThenValues) {
  const rapidjson::Document doc = RenderJson("bencher", fixtures::SampleResults());
  ASSERT_TRUE(doc.IsObject());
  ASSERT_TRUE(doc.HasMember("weather/responses/p5/sim"));
  // Every turn failed: no latency, but the error rate keeps the cell in view.
  ASSERT_TRUE(doc.HasMember("lookup/chat/p0/sim"));
  EXPECT_EQ(doc["lookup/chat/p0/sim"].MemberCount(), 1u);
  EXPECT_EQ(doc["lookup/chat/p0/sim"]["error-rate"]["value"].GetDouble(), 100);
  EXPECT_EQ(doc["weather/responses/p5/sim"]["error-rate"]["value"].GetDouble(), 0);
  EXPECT_EQ(doc["weather/responses/p5/sim"]["itl-ms"]["value"].GetDouble(), 20);
  const auto& e2e = doc["weather/responses/p5/sim"]["e2e-ms"];
  EXPECT_EQ(e2e["value"].GetDouble(), 852);
  EXPECT_EQ(e2e["lower_value"].GetDouble(), 840);
  EXPECT_EQ(e2e["upper_value"].GetDouble(), 870.5);
  for (const auto& benchmark : doc.GetObject()) {
    for (const auto& measure : benchmark.value.GetObject()) {
      ASSERT_TRUE(measure.value["value"].IsNumber());
      EXPECT_LE(std::string(measure.name.GetString()).size(), 64u);  // slug limit
    }
  }
}

TEST(CsvReporterTest, QuotesPerRfc4180) {
  EXPECT_EQ(CsvField("plain"), "plain");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(CsvField(""), "");
  // Control characters that are not line breaks are not text: a NUL would stop some readers.
  EXPECT_EQ(CsvField(std::string("a\0b\x1b\tc", 6)), "a\uFFFDb\uFFFD\tc");
  EXPECT_EQ(CsvField(std::string("a\0,b", 4)), "\"a\uFFFD,b\"");
}

TEST(CsvReporterTest, EveryRowHasEveryColumnAndEndsInCrlf) {
  results::Results results = fixtures::SampleResults();
  results.cells[0].scenario = "weather, \"sunny\"";
  std::ostringstream out;
  CsvReporter().Report({results}, out);
  const std::string text = out.str();
  ASSERT_GE(text.size(), 2u);
  EXPECT_EQ(text.substr(text.size() - 2), "\r\n");
  size_t rows = 0;
  for (size_t start = 0; start < text.size();) {
    const size_t end = text.find("\r\n", start);
    const std::string row = text.substr(start, end - start);
    // Count separators outside quotes.
    size_t commas = 0;
    bool quoted = false;
    for (char c : row) {
      if (c == '"') quoted = !quoted;
      if (c == ',' && !quoted) ++commas;
    }
    EXPECT_EQ(commas, 24u) << row;
    ++rows;
    start = end + 2;
  }
  size_t stats = 0;
  for (const auto& cell : results.cells) stats += cell.stats.size() + 1;  // + error_rate
  EXPECT_EQ(rows, stats + 1);
  EXPECT_NE(text.find("\"weather, \"\"sunny\"\"\",responses,p5"), std::string::npos);
}

std::string RenderCsv(const results::Results& results) {
  std::ostringstream out;
  CsvReporter().Report({results}, out);
  return out.str();
}

TEST(CsvReporterTest, FailedTurnsHaveAnErrorRateRow) {
  const std::string text = RenderCsv(fixtures::FailingResults());
  // count = turns measured (the warm-up left out), mean = percent failed; no other statistic.
  EXPECT_NE(text.find("\r\nladder,responses,c8,sim,error_rate,%,4,,,,,,,50,,,,,,,,,,,\r\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\r\nladder,responses,c16,sim,error_rate,%,3,,,,,,,100,"), std::string::npos);
  EXPECT_NE(text.find("\r\nladder,responses,c1,sim,error_rate,%,2,,,,,,,0,"), std::string::npos);
  EXPECT_EQ(text.find("c32"), std::string::npos);  // nothing ran, nothing to say
}

TEST(CsvReporterTest, NumbersAreTheShortestTextThatReadsBack) {
  const std::string text = RenderCsv(fixtures::FailingResults());
  // Shortest round trip: 203.335 as it is, not %.17g's 203.33500000000001 nor a fixed
  // precision that drops digits other values need.
  EXPECT_NE(text.find("ladder,responses,c1,sim,e2e_ms,ms,2,203.33,203.335,203.339,203.34,"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("99999"), std::string::npos) << text;
  results::Results results = fixtures::FailingResults();
  results.cells[0].stats["e2e_ms"].mean = 0.1 + 0.2;  // not 0.3: the CSV must not pretend it is
  EXPECT_NE(RenderCsv(results).find(",0.30000000000000004,"), std::string::npos);
}

}  // namespace
}  // namespace agentreplay::reports
