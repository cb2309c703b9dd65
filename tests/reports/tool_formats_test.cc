// The formats other tools read: the fields those tools look up must be there, with the right
// types (Google Benchmark's compare.py and github-action-benchmark's `googlecpp` tool, the
// action's customSmallerIsBetter input, Bencher's BMF), and CSV quoting per RFC 4180.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <set>
#include <sstream>
#include <string>

#include "reports/csv_reporter.h"
#include "reports/reporter.h"
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

TEST(BencherReporterTest, IsBenchmarkThenMeasureThenValues) {
  const rapidjson::Document doc = RenderJson("bencher", fixtures::SampleResults());
  ASSERT_TRUE(doc.IsObject());
  ASSERT_TRUE(doc.HasMember("weather/responses/p5/sim"));
  EXPECT_FALSE(doc.HasMember("lookup/chat/p0/sim"));  // nothing measured
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
  for (const auto& cell : results.cells) stats += cell.stats.size();
  EXPECT_EQ(rows, stats + 1);
  EXPECT_NE(text.find("\"weather, \"\"sunny\"\"\",responses,p5"), std::string::npos);
}

}  // namespace
}  // namespace agentreplay::reports
