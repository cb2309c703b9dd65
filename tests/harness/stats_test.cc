// results/statistics (cell summaries): the cell statistics written into results (intervals,
// outliers, warm-up) and the runner's warm-up repetitions.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/schema.h>

#include <fstream>
#include <sstream>
#include <string>

#include "harness/packages/shipped_files.h"
#include "harness/run/matrix_runner.h"
#include "harness/run/world.h"
#include "results/results_json.h"
#include "results/statistics.h"
#include "tests/harness/test_variants.h"

namespace agentreplay::harness {
namespace {

using results::ComputeCellStats;
using results::Quantile;
using results::Summarize;
using results::SummarizeWithIntervals;

using mocks::Dist;

results::Sample Turn(int repetition, double e2e, bool warmup = false, bool ok = true) {
  results::Sample s;
  s.repetition = repetition;
  s.warmup = warmup;
  s.ok = ok;
  s.metrics = {{"e2e_ms", e2e}, {"polls", 3}};
  s.segments = {{"llm_wait", e2e}};
  return s;
}

results::Cell CellWith(std::vector<results::Sample> samples) {
  results::Cell cell;
  cell.scenario = "s";
  cell.runtime = "responses";
  cell.variant = "baseline";
  cell.world = "sim";
  cell.samples = std::move(samples);
  return cell;
}

TEST(CellStatsTest, WarmupSamplesAreCountedAndLeftOut) {
  results::Cell cell = CellWith({Turn(0, 5000, true), Turn(0, 9000, true, false), Turn(1, 100),
                                 Turn(2, 110), Turn(3, 90, false, false), Turn(4, 105)});
  ComputeCellStats(cell, 1);
  EXPECT_EQ(cell.warmup_samples, 2);
  EXPECT_EQ(cell.error_samples, 1);  // the failed warm-up is a warm-up, not an error
  const results::Summary& e2e = cell.stats.at("e2e_ms");
  EXPECT_EQ(e2e.count, 3);
  EXPECT_DOUBLE_EQ(e2e.max, 110);
  EXPECT_DOUBLE_EQ(e2e.p50, 105);
}

TEST(CellStatsTest, IntervalsAndOutliersAreFilledAndReproducible) {
  std::vector<results::Sample> samples;
  const double e2e[] = {100, 104, 98, 101, 99, 103, 97, 102, 100, 400};
  for (int i = 0; i < 10; ++i) samples.push_back(Turn(i, e2e[i]));
  results::Cell a = CellWith(samples), b = CellWith(samples), c = CellWith(samples);
  ComputeCellStats(a, 7);
  ComputeCellStats(b, 7);
  ComputeCellStats(c, 8);
  const results::Summary& s = a.stats.at("e2e_ms");
  ASSERT_TRUE(s.median_ci && s.mean_ci);
  EXPECT_LE(s.median_ci->low, s.p50);
  EXPECT_GE(s.median_ci->high, s.p50);
  EXPECT_EQ(s.outliers, std::vector<double>{400});
  EXPECT_EQ(s.median_ci->low, b.stats.at("e2e_ms").median_ci->low);
  EXPECT_EQ(s.mean_ci->high, b.stats.at("e2e_ms").mean_ci->high);
  // Another run seed draws other resamples (the mean's interval moves with any draw).
  EXPECT_NE(s.mean_ci->high, c.stats.at("e2e_ms").mean_ci->high);
  // A metric without spread has the degenerate interval and no outliers.
  const results::Summary& polls = a.stats.at("polls");
  ASSERT_TRUE(polls.median_ci);
  EXPECT_EQ(polls.median_ci->low, 3);
  EXPECT_EQ(polls.median_ci->high, 3);
  EXPECT_TRUE(polls.outliers.empty());
  // Below two values there is no interval.
  results::Cell one = CellWith({Turn(0, 100)});
  ComputeCellStats(one, 7);
  EXPECT_FALSE(one.stats.at("e2e_ms").median_ci);
}

TEST(CellStatsTest, OldQuantileNameStillWorks) {
  EXPECT_DOUBLE_EQ(Quantile({1, 2, 3, 4}, 0.5), 2.5);
  EXPECT_FALSE(Summarize({1, 2, 3}).median_ci);  // plain summaries carry no interval
  EXPECT_TRUE(SummarizeWithIntervals({1, 2, 3}, 1).median_ci);
}

mocks::Scenario DrawingScenario() {
  mocks::Scenario s;
  s.name = "drawing";
  s.latency.network_rtt_ms = Dist::Lognormal(40, 0.3);
  mocks::TurnScript turn;
  turn.user = "Hello?";
  mocks::StepScript answer;
  answer.ttft_ms = Dist::Lognormal(300, 0.25);
  answer.chunk_gap_ms = Dist::Uniform(15, 35);
  answer.text_chunks = {"Hi", " there."};
  turn.steps = {answer};
  s.turns = {turn};
  return s;
}

TEST(CellStatsTest, RunnerFlagsWarmupRepetitionsWithoutChangingTheMeasuredOnes) {
  auto world = MakeSimWorld();
  MatrixOptions options;
  options.repetitions = 3;
  options.seed = 5;
  const results::Cell cold =
      RunCell(*world, DrawingScenario(), StreamingResponses(), Runtime::kResponses, options);
  options.warmup = 2;
  const results::Cell warm =
      RunCell(*world, DrawingScenario(), StreamingResponses(), Runtime::kResponses, options);
  ASSERT_EQ(warm.samples.size(), 5u);
  EXPECT_TRUE(warm.samples[0].warmup);
  EXPECT_TRUE(warm.samples[1].warmup);
  EXPECT_FALSE(warm.samples[2].warmup);
  EXPECT_EQ(warm.samples[2].repetition, 2);  // repetitions count the warm-ups too
  EXPECT_EQ(warm.warmup_samples, 2);
  EXPECT_EQ(warm.stats.at("e2e_ms").count, 3);
  // The measured repetitions replay the same draws as without warm-up.
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(warm.samples[i + 2].metrics.at("e2e_ms"), cold.samples[i].metrics.at("e2e_ms"));
  }
  EXPECT_EQ(warm.stats.at("e2e_ms").p50, cold.stats.at("e2e_ms").p50);
  // Checks count the measured repetitions only.
  ASSERT_FALSE(warm.checks.empty());
  EXPECT_EQ(warm.checks[0].total, 3);
}

results::Results WithNewFields() {
  results::Results r;
  r.context.world = "real";
  r.context.repetitions = 5;
  r.context.warmup = 1;
  results::Cell cell = CellWith(
      {Turn(0, 5000, true), Turn(1, 100), Turn(2, 120), Turn(3, 90), Turn(4, 110), Turn(5, 400)});
  cell.world = "real";
  cell.samples[1].fidelity_ms = {0.25, -0.5, 1.75};
  ComputeCellStats(cell, 3);
  r.cells = {cell};
  return r;
}

results::Results ReadBack(const std::string& text) {
  auto read = results::ReadResultsJson(text, "results.json");
  if (!read) {
    ADD_FAILURE() << read.error();
    return {};
  }
  return std::move(*read);
}

TEST(CellStatsTest, ResultsDocumentsCarryTheNewFields) {
  const results::Results original = WithNewFields();
  const std::string text = results::ResultsToJson(original);
  EXPECT_EQ(results::ResultsToJson(ReadBack(text)), text);
  const results::Results back = ReadBack(text);
  EXPECT_EQ(back.context.warmup, 1);
  const results::Cell& cell = back.cells.at(0);
  EXPECT_EQ(cell.warmup_samples, 1);
  EXPECT_TRUE(cell.samples[0].warmup);
  EXPECT_FALSE(cell.samples[1].warmup);
  EXPECT_EQ(cell.samples[1].fidelity_ms, (std::vector<double>{0.25, -0.5, 1.75}));
  const results::Summary& e2e = cell.stats.at("e2e_ms");
  const results::Summary& e2e_original = original.cells[0].stats.at("e2e_ms");
  ASSERT_TRUE(e2e.median_ci && e2e.mean_ci);
  // Written with six decimals at most.
  EXPECT_NEAR(e2e.median_ci->low, e2e_original.median_ci->low, 1e-6);
  EXPECT_NEAR(e2e.mean_ci->high, e2e_original.mean_ci->high, 1e-6);
  EXPECT_EQ(e2e.outliers, std::vector<double>{400});
  // Members with nothing to say are not written, so older documents stay valid as they are.
  results::Results plain;
  plain.cells = {CellWith({Turn(0, 100)})};
  const std::string plain_text = results::ResultsToJson(plain, false);
  for (const char* member : {"warmup", "fidelity_ms", "median_ci", "outliers"}) {
    EXPECT_EQ(plain_text.find(member), std::string::npos) << member;
  }
  EXPECT_NE(text.find("\"warmup_samples\": 1"), std::string::npos);
}

TEST(CellStatsTest, ResultsReaderChecksTheNewFields) {
  const std::string text = results::ResultsToJson(WithNewFields(), false);
  auto failure = [](std::string bad) {
    auto read = results::ReadResultsJson(bad, "results.json");
    return read ? std::string("read succeeded") : read.error();
  };
  auto replace = [&](std::string_view from, std::string_view to) {
    std::string out = text;
    const size_t at = out.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return at == std::string::npos ? out : out.replace(at, from.size(), to);
  };
  EXPECT_EQ(failure(replace(R"("median_ci":{"low":)", R"("median_ci":{"lo":)")),
            "results.json: /cells/0/stats/e2e_ms/median_ci/lo: unknown member");
  EXPECT_EQ(failure(replace(R"("warmup":true)", R"("warmup":1)")),
            "results.json: /cells/0/samples/0/warmup: expected true or false");
  EXPECT_EQ(failure(replace(R"("fidelity_ms":[0.25)", R"("fidelity_ms":["x")")),
            "results.json: /cells/0/samples/1/fidelity_ms/0: expected a number");
}

// RapidJSON validates draft-04: rename 2020-12's $defs so it follows the references.
std::string AsDraft04(std::string text) {
  for (const auto& [from, to] :
       {std::pair<std::string, std::string>{"\"$defs\":", "\"definitions\":"},
        {"\"#/$defs/", "\"#/definitions/"}}) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
      text.replace(at, from.size(), to);
    }
  }
  return text;
}

TEST(CellStatsTest, NewFieldsMatchTheResultsSchema) {
  std::ifstream in(shipped::Schema("results"));
  std::ostringstream schema_text;
  schema_text << in.rdbuf();
  rapidjson::Document schema_json;
  schema_json.Parse(AsDraft04(schema_text.str()).c_str());
  ASSERT_FALSE(schema_json.HasParseError());
  const rapidjson::SchemaDocument schema(schema_json);
  auto validates = [&](const std::string& text) {
    rapidjson::SchemaValidator validator(schema);
    rapidjson::Document doc;
    doc.Parse(text.c_str());
    return !doc.HasParseError() && doc.Accept(validator);
  };
  const std::string text = results::ResultsToJson(WithNewFields());
  EXPECT_TRUE(validates(text));
  std::string bad = text;
  bad.replace(bad.find("\"low\""), 5, "\"lo\"");
  EXPECT_FALSE(validates(bad));
}

}  // namespace
}  // namespace agentreplay::harness
