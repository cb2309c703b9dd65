// reports/compare: the verdict rule on crafted samples, cell matching, the within-run comparison
// and the text rendering.
#include "reports/compare/compare.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "reports/compare/comparison_text.h"
#include "results/statistics.h"

namespace agentreplay::reports {
namespace {

using results::Cell;
using results::Results;
using ::testing::HasSubstr;

// 20 values around 100 with a spread of a few percent, no ties.
std::vector<double> Noisy(double scale = 1.0) {
  std::vector<double> v;
  for (int i = 0; i < 20; ++i)
    v.push_back(scale * (100.0 + ((i * 7) % 20 - 10) * 0.37 + i * 0.001));
  return v;
}

std::vector<double> Scaled(const std::vector<double>& values, double factor) {
  std::vector<double> out;
  for (double v : values) out.push_back(v * factor);
  return out;
}

MetricComparison Judge(const std::vector<double>& base, const std::vector<double>& head,
                       bool deterministic = false, std::string_view metric = "e2e_ms",
                       const Gate& gate = DefaultGate()) {
  return CompareMetricValues(metric, base, head, deterministic, gate, 1);
}

TEST(CompareVerdictTest, SignificantButInsideTheNoiseIsNoChange) {
  const MetricComparison mc = Judge(Noisy(), Scaled(Noisy(), 1.02));
  ASSERT_TRUE(mc.p_value);
  EXPECT_LT(*mc.p_value, 0.05);  // the shift is real...
  ASSERT_TRUE(mc.change_ci);
  EXPECT_LT(mc.change_ci->low, 0.05);  // ...but not beyond 5%
  EXPECT_EQ(mc.verdict, Verdict::kNoChange);
  EXPECT_FALSE(mc.exact);
  EXPECT_TRUE(mc.gated);
  EXPECT_EQ(mc.base_count, 20);
}

TEST(CompareVerdictTest, SignificantAndBeyondTheThresholdIsARegression) {
  const MetricComparison mc = Judge(Noisy(), Scaled(Noisy(), 1.20));
  EXPECT_EQ(mc.verdict, Verdict::kRegression);
  EXPECT_GT(mc.change_ci->low, 0.05);
  EXPECT_NEAR(mc.change, 0.20, 1e-9);
  EXPECT_LT(*mc.p_value, 1e-6);
}

TEST(CompareVerdictTest, ImprovementIsSymmetric) {
  const MetricComparison mc = Judge(Noisy(), Scaled(Noisy(), 0.80));
  EXPECT_EQ(mc.verdict, Verdict::kImprovement);
  EXPECT_LT(mc.change_ci->high, -0.05);
}

TEST(CompareVerdictTest, LargeButNotSignificantIsNoChange) {
  // Medians 10% apart, but the samples overlap almost completely.
  const std::vector<double> base = {50, 150, 90, 130, 70, 110, 100, 60, 140, 80};
  const std::vector<double> head = {55, 160, 100, 145, 75, 120, 112, 65, 150, 88};
  const MetricComparison mc = Judge(base, head);
  ASSERT_TRUE(mc.p_value);
  EXPECT_GT(*mc.p_value, 0.05);
  EXPECT_GT(mc.change, 0.05);
  EXPECT_EQ(mc.verdict, Verdict::kNoChange);
}

TEST(CompareVerdictTest, TooFewSamplesIsInsufficient) {
  // 3 vs 3: even complete separation gives p = 0.1, so no data could be significant.
  EXPECT_NEAR(MinimumMannWhitneyP(3, 3), 0.1, 1e-12);
  EXPECT_NEAR(MinimumMannWhitneyP(4, 4), 2.0 / 70, 1e-12);
  EXPECT_EQ(Judge({100, 101, 102}, {200, 201, 202}).verdict, Verdict::kInsufficient);
  EXPECT_EQ(Judge({}, {200, 201, 202}).verdict, Verdict::kInsufficient);
  Gate strict = DefaultGate();
  strict.min_samples = 25;
  EXPECT_EQ(Judge(Noisy(), Scaled(Noisy(), 1.2), false, "e2e_ms", strict).verdict,
            Verdict::kInsufficient);
}

TEST(CompareVerdictTest, DeterministicSidesAreComparedExactly) {
  const std::vector<double> base = {100, 120, 90};
  MetricComparison mc = Judge(base, Scaled(base, 1.06), /*deterministic=*/true);
  EXPECT_TRUE(mc.exact);
  EXPECT_FALSE(mc.p_value);
  EXPECT_FALSE(mc.change_ci);
  EXPECT_EQ(mc.verdict, Verdict::kRegression);
  EXPECT_EQ(Judge(base, Scaled(base, 1.04), true).verdict, Verdict::kNoChange);
  EXPECT_EQ(Judge(base, Scaled(base, 0.90), true).verdict, Verdict::kImprovement);
}

TEST(CompareVerdictTest, ZeroSpreadAndCountsAreExactEverywhere) {
  MetricComparison mc = Judge({250, 250, 250, 250}, {300, 300, 300, 300});
  EXPECT_TRUE(mc.exact);
  EXPECT_EQ(mc.verdict, Verdict::kRegression);
  // Counts: no p-value even with spread. The default threshold of 5% applies to them.
  mc = Judge({10, 12, 11, 10, 13}, {12, 14, 13, 12, 15}, false, "polls");
  EXPECT_TRUE(mc.exact);
  EXPECT_FALSE(mc.gated);  // the default gate judges latency metrics only
  EXPECT_EQ(mc.verdict, Verdict::kRegression);
}

TEST(CompareVerdictTest, AbsoluteThresholdsAndTheMillisecondFloor) {
  Gate gate = DefaultGate();
  gate.metrics.push_back({"polls", Threshold{0, true}, std::nullopt});
  MetricComparison mc = Judge({3, 3, 3}, {4, 4, 4}, false, "polls", gate);
  EXPECT_TRUE(mc.gated);
  EXPECT_TRUE(mc.absolute);
  EXPECT_EQ(mc.verdict, Verdict::kRegression);
  EXPECT_EQ(Judge({3, 3, 3}, {3, 3, 3}, false, "polls", gate).verdict, Verdict::kNoChange);
  // +20% but only 0.1 ms: under the default 1 ms floor.
  EXPECT_EQ(Judge({0.5, 0.5}, {0.6, 0.6}).verdict, Verdict::kNoChange);
  gate.min_change_ms = 0;
  EXPECT_EQ(Judge({0.5, 0.5}, {0.6, 0.6}, false, "e2e_ms", gate).verdict, Verdict::kRegression);
  // An absolute threshold in ms: 100 → 104 stays inside 5 ms, 100 → 106 does not.
  gate.metrics = {{"e2e_ms", Threshold{5, true}, std::nullopt}};
  EXPECT_EQ(Judge({100, 100}, {104, 104}, false, "e2e_ms", gate).verdict, Verdict::kNoChange);
  EXPECT_EQ(Judge({100, 100}, {106, 106}, false, "e2e_ms", gate).verdict, Verdict::kRegression);
}

// A cell whose samples have e2e_ms = values[i], ttft_ms a tenth of it, and a critical path of
// llm_wait and tool_overhead; stats holds the segment medians the segment deltas read.
Cell MakeCell(std::string scenario, std::string runtime, std::string variant,
              const std::vector<double>& e2e, double tool_overhead = 10) {
  Cell cell;
  cell.scenario = std::move(scenario);
  cell.runtime = std::move(runtime);
  cell.variant = std::move(variant);
  cell.world = "sim";
  for (size_t i = 0; i < e2e.size(); ++i) {
    results::Sample s;
    s.repetition = static_cast<int>(i);
    s.metrics = {{"e2e_ms", e2e[i]}, {"ttft_ms", e2e[i] / 10}, {"polls", 2}};
    s.segments = {{"llm_wait", e2e[i] - tool_overhead}, {"tool_overhead", tool_overhead}};
    cell.samples.push_back(s);
  }
  for (const auto& [name, values] : results::CollectMetricValues(cell)) {
    std::vector<double> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    cell.stats[name].count = static_cast<int64_t>(sorted.size());
    cell.stats[name].p50 = results::Quantile(sorted, 0.5);
  }
  return cell;
}

Results MakeResults(std::vector<Cell> cells, uint64_t seed = 1, std::string world = "sim") {
  Results r;
  r.context.world = std::move(world);
  r.context.seed = seed;
  r.context.repetitions = 20;
  r.cells = std::move(cells);
  return r;
}

Selector Sel(std::string_view text) { return *ParseSelector(text); }

TEST(CompareTest, SelectorsParseAndReject) {
  EXPECT_TRUE(Sel("").equals.empty());
  const Selector s = Sel(" variant = p0 ,runtime=responses");
  EXPECT_EQ(s.ToString(), "runtime=responses,variant=p0");
  for (const char* bad : {"varient=p0", "variant", "variant=", "variant=p0,variant=p1", "=p0"}) {
    auto parsed = ParseSelector(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_THAT(parsed.error(), HasSubstr(bad));
  }
  EXPECT_THAT(ParseSelector("varient=p0").error(), HasSubstr("unknown key"));
}

TEST(CompareTest, TwoFilesPassWhenNothingMoved) {
  const Results base = MakeResults({MakeCell("weather", "assistants", "p0", Noisy())}, 1, "real");
  const Results head = MakeResults({MakeCell("weather", "assistants", "p0", Noisy())}, 2, "real");
  auto compared = Compare(base, {}, head, {}, DefaultGate());
  ASSERT_TRUE(compared.ok()) << compared.error();
  const Comparison& c = *compared;
  ASSERT_EQ(c.cells.size(), 1u);
  EXPECT_TRUE(c.passed);
  EXPECT_EQ(c.cells[0].verdict, Verdict::kNoChange);
  EXPECT_TRUE(c.notes.empty());
  EXPECT_EQ(c.cells[0].base_label, "assistants/p0");
}

TEST(CompareTest, RegressionFailsTheGateAndNamesTheSegment) {
  const Results base = MakeResults({MakeCell("weather", "assistants", "p0", Noisy())}, 1, "real");
  const Results head =
      MakeResults({MakeCell("weather", "assistants", "p0", Scaled(Noisy(), 1.3), 40)}, 2, "real");
  const Comparison c = *Compare(base, {}, head, {}, DefaultGate(), "a", "b");
  EXPECT_FALSE(c.passed);
  ASSERT_EQ(c.cells.size(), 1u);
  EXPECT_EQ(c.cells[0].verdict, Verdict::kRegression);
  ASSERT_FALSE(c.failures.empty());
  EXPECT_THAT(c.failures[0], HasSubstr("weather/assistants/p0: e2e_ms regressed +30.0%"));
  ASSERT_FALSE(c.cells[0].segments.empty());
  EXPECT_EQ(c.cells[0].segments[0].segment, "tool_overhead");  // 10 → 40 ms; llm_wait stays
  std::ostringstream text;
  WriteComparisonText(c, text);
  EXPECT_EQ(text.str().rfind("FAIL: ", 0), 0u) << text.str();
  EXPECT_THAT(text.str(), HasSubstr("regression \u25b2"));
  EXPECT_THAT(text.str(), HasSubstr("where the time went"));
  EXPECT_THAT(text.str(), HasSubstr("base: a"));
}

TEST(CompareTest, SimulatedRunsWithTheSameSeedAreExact) {
  const Results base = MakeResults({MakeCell("w", "responses", "p5", {100, 110, 120})});
  const Results head = MakeResults({MakeCell("w", "responses", "p5", {100, 110, 127})});
  const Comparison c = *Compare(base, {}, head, {}, DefaultGate());
  ASSERT_EQ(c.notes.size(), 1u);
  EXPECT_THAT(c.notes[0], HasSubstr("exact"));
  for (const MetricComparison& mc : c.cells[0].metrics) EXPECT_TRUE(mc.exact) << mc.metric;
  EXPECT_TRUE(c.passed);  // the median did not move
  // A different seed: the draws differ, so 3 vs 3 is too few to say anything.
  const Results other = MakeResults({MakeCell("w", "responses", "p5", {100, 110, 127})}, 9);
  const Comparison d = *Compare(base, {}, other, {}, DefaultGate());
  EXPECT_EQ(d.cells[0].verdict, Verdict::kInsufficient);
  EXPECT_TRUE(d.passed);
}

TEST(CompareTest, MissingAndNewCells) {
  const Results base = MakeResults(
      {MakeCell("a", "assistants", "p0", Noisy()), MakeCell("b", "assistants", "p0", Noisy())});
  const Results head = MakeResults(
      {MakeCell("a", "assistants", "p0", Noisy()), MakeCell("c", "assistants", "p0", Noisy())});
  Gate gate = DefaultGate();
  Comparison c = *Compare(base, {}, head, {}, gate);
  EXPECT_EQ(c.missing_cells, std::vector<std::string>{"b/assistants/p0"});
  EXPECT_EQ(c.new_cells, std::vector<std::string>{"c/assistants/p0"});
  EXPECT_FALSE(c.passed);  // missing cells fail by default
  ASSERT_EQ(c.failures.size(), 1u);
  EXPECT_THAT(c.failures[0], HasSubstr("b/assistants/p0"));
  gate.missing_is_failure = false;
  EXPECT_TRUE((*Compare(base, {}, head, {}, gate)).passed);
  gate.new_is_failure = true;
  c = *Compare(base, {}, head, {}, gate);
  EXPECT_FALSE(c.passed);
  EXPECT_THAT(c.failures[0], HasSubstr("c/assistants/p0"));
  // The gate's cells narrow everything, missing cells included.
  gate = DefaultGate();
  gate.cells = {Sel("scenario=a")};
  c = *Compare(base, {}, head, {}, gate);
  EXPECT_TRUE(c.passed);
  EXPECT_TRUE(c.missing_cells.empty());
  EXPECT_EQ(c.cells.size(), 1u);
}

TEST(CompareTest, SelectionsOfOneFileMatchOnTheOtherDimensions) {
  const Results run = MakeResults({
      MakeCell("a", "assistants", "baseline", {200, 210, 220}),
      MakeCell("a", "assistants", "p0", {100, 105, 110}),
      MakeCell("b", "assistants", "baseline", {300, 310, 320}),
      MakeCell("b", "assistants", "p0", {300, 310, 320}),
  });
  const Comparison c =
      *Compare(run, Sel("variant=baseline"), run, Sel("variant=p0"), DefaultGate());
  ASSERT_EQ(c.cells.size(), 2u);
  EXPECT_EQ(c.cells[0].scenario, "a");
  EXPECT_EQ(c.cells[0].base_label, "assistants/baseline");
  EXPECT_EQ(c.cells[0].head_label, "assistants/p0");
  EXPECT_EQ(c.cells[0].verdict, Verdict::kImprovement);
  EXPECT_EQ(c.cells[1].verdict, Verdict::kNoChange);
  EXPECT_TRUE(c.missing_cells.empty());
  EXPECT_TRUE(c.passed);
  // Every variant against the baseline: several head cells share one base cell.
  const Comparison all = *Compare(run, Sel("variant=baseline"), run, {}, DefaultGate());
  EXPECT_EQ(all.cells.size(), 2u);  // the baseline cells are not compared with themselves
}

TEST(CompareTest, AmbiguousOrEmptySelectionsAreErrors) {
  const Results run = MakeResults({
      MakeCell("a", "assistants", "baseline", {200}),
      MakeCell("a", "assistants", "p0", {100}),
  });
  auto ambiguous = Compare(run, {}, run, Sel("variant=p0"), DefaultGate(), "r.json");
  ASSERT_FALSE(ambiguous);
  EXPECT_THAT(ambiguous.error(), HasSubstr("r.json: several cells"));
  auto empty = Compare(run, Sel("variant=p9"), run, Sel("variant=p0"), DefaultGate(), "r.json");
  ASSERT_FALSE(empty);
  EXPECT_THAT(empty.error(), HasSubstr("no cell selected"));
}

TEST(CompareTest, WithinRunComparesEachCellWithItsBaseline) {
  Results run = MakeResults({
      MakeCell("a", "assistants", "baseline", {200, 210, 220}),
      MakeCell("a", "assistants", "p0", {230, 240, 250}),
  });
  run.cells[1].baseline = "assistants/baseline";
  const Comparison c = CompareWithinRun(run);
  ASSERT_EQ(c.cells.size(), 1u);
  EXPECT_EQ(c.cells[0].variant, "p0");
  EXPECT_EQ(c.cells[0].verdict, Verdict::kRegression);
  EXPECT_FALSE(c.passed);
  ASSERT_FALSE(c.cells[0].metrics.empty());
  EXPECT_TRUE(c.cells[0].metrics[0].gated);  // gated metrics come first
  EXPECT_TRUE(c.cells[0].metrics[0].exact);  // one simulated run: exact
}

// A cell whose every turn failed (a rate limit without retries): no latency at all.
Cell FailedCell(std::string scenario, std::string runtime, std::string variant, int turns) {
  Cell cell = MakeCell(std::move(scenario), std::move(runtime), std::move(variant), {});
  for (int i = 0; i < turns; ++i) {
    results::Sample s;
    s.repetition = i;
    s.ok = false;
    s.error_kind = "api_error";
    s.error_reason = "rate_limit_exceeded";
    cell.samples.push_back(s);
  }
  return cell;
}

const MetricComparison* ErrorRate(const CellComparison& cell) {
  for (const MetricComparison& mc : cell.metrics) {
    if (mc.metric == kErrorRateMetric) return &mc;
  }
  return nullptr;
}

TEST(CompareErrorRateTest, FromAllFailedToAllSucceededIsAnImprovementWithinARun) {
  // rate_limited: the baseline fails every turn with 429, pr retries and succeeds.
  Results run = MakeResults({FailedCell("rate_limited", "responses", "baseline", 3),
                             MakeCell("rate_limited", "responses", "pr", {1300, 1310, 1320})});
  run.cells[1].baseline = "responses/baseline";
  const Comparison c = CompareWithinRun(run);
  ASSERT_EQ(c.cells.size(), 1u);
  const MetricComparison* rate = ErrorRate(c.cells[0]);
  ASSERT_NE(rate, nullptr);
  EXPECT_TRUE(rate->gated);
  EXPECT_TRUE(rate->exact);  // simulated, same draws: no test needed
  EXPECT_EQ(rate->base_p50, 100);
  EXPECT_EQ(rate->head_p50, 0);
  EXPECT_EQ(rate->base_count, 3);
  EXPECT_EQ(rate->verdict, Verdict::kImprovement);
  EXPECT_EQ(c.cells[0].verdict, Verdict::kImprovement);  // not "insufficient"
  EXPECT_TRUE(c.passed);
}

TEST(CompareErrorRateTest, FromSucceededToAllFailedIsARegressionThatFailsTheGate) {
  const Results base = MakeResults({MakeCell("rate_limited", "responses", "pr", Noisy())});
  const Results head = MakeResults({FailedCell("rate_limited", "responses", "pr", 20)});
  auto c = Compare(base, {}, head, {}, DefaultGate(), "main.json", "pr.json");
  ASSERT_TRUE(c) << c.error();
  ASSERT_EQ(c->cells.size(), 1u);
  EXPECT_EQ(c->cells[0].verdict, Verdict::kRegression);
  EXPECT_FALSE(c->passed);
  ASSERT_EQ(c->failures.size(), 1u);
  EXPECT_THAT(c->failures[0], HasSubstr("more turns failed (0% of 20 -> 100% of 20; exact"));
  std::ostringstream text;
  WriteComparisonText(*c, text);
  EXPECT_THAT(text.str(), HasSubstr("+100 pts"));
}

TEST(CompareErrorRateTest, RealWorldUsesFishersExactTest) {
  Cell base = MakeCell("a", "responses", "p0", Noisy());
  Cell head = MakeCell("a", "responses", "p0", Noisy());
  for (size_t i = 0; i < 8; ++i) head.samples[i].ok = false;  // 0 of 20 -> 8 of 20
  auto c = Compare(MakeResults({base}, 1, "real"), {}, MakeResults({head}, 2, "real"), {},
                   DefaultGate());
  ASSERT_TRUE(c) << c.error();
  const MetricComparison* rate = ErrorRate(c->cells[0]);
  ASSERT_NE(rate, nullptr);
  EXPECT_FALSE(rate->exact);
  ASSERT_TRUE(rate->p_value);
  EXPECT_NEAR(*rate->p_value, results::FisherExactP(0, 20, 8, 20), 1e-12);
  EXPECT_LT(*rate->p_value, 0.05);
  EXPECT_EQ(rate->verdict, Verdict::kRegression);
  EXPECT_EQ(rate->head_p50, 40);

  // One failure more in 20 is chance; 3 against 3 can never be significant.
  EXPECT_EQ(CompareErrorRates(0, 20, 1, 20, false, DefaultGate()).verdict, Verdict::kNoChange);
  EXPECT_EQ(CompareErrorRates(0, 3, 3, 3, false, DefaultGate()).verdict, Verdict::kInsufficient);
  // Exact: any change counts unless the gate sets a threshold in points.
  EXPECT_EQ(CompareErrorRates(0, 20, 1, 20, true, DefaultGate()).verdict, Verdict::kRegression);
  auto gate = ParseGate(R"({"schema": "agentreplay.gate/v1",
                            "metrics": {"error_rate": {"threshold": 10}}})",
                        "gate.json");
  ASSERT_TRUE(gate) << gate.error();
  EXPECT_EQ(CompareErrorRates(0, 20, 1, 20, true, *gate).verdict, Verdict::kNoChange);
  EXPECT_EQ(CompareErrorRates(0, 20, 3, 20, true, *gate).verdict, Verdict::kRegression);
}

TEST(CompareTest, VerdictNamesAreStable) {
  EXPECT_STREQ(VerdictName(Verdict::kRegression), "regression");
  EXPECT_STREQ(VerdictName(Verdict::kImprovement), "improvement");
  EXPECT_STREQ(VerdictName(Verdict::kNoChange), "no_change");
  EXPECT_STREQ(VerdictName(Verdict::kInsufficient), "insufficient");
}

}  // namespace
}  // namespace agentreplay::reports
