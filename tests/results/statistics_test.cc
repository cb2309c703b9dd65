// results/statistics: quantiles, Tukey's fences, Mann–Whitney U and the seeded bootstrap.
//
// Reference values were computed independently of this code, with Python's standard library
// only (SciPy is not available where these tests were written):
// - quantiles: statistics.quantiles(data, n=100, method="inclusive"), which is type 7;
// - exact Mann–Whitney p-values: by enumerating every assignment of the pooled values to the two
//   groups (itertools.combinations) and counting those with U at least as extreme, in exact
//   fractions: a brute force that shares nothing with the recurrence under test;
// - normal-approximation p-values: the textbook formula (tie-corrected variance, continuity
//   correction 1/2, math.erfc) written out separately in Python;
// - the first Mann–Whitney case is the example of SciPy's mannwhitneyu documentation, whose
//   published values (U = 17, exact p = 0.1111..., asymptotic p = 0.11134688653314041) these
//   match.
#include "results/statistics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace agentreplay::results {
namespace {

// A 64-bit LCG for test data (the generator in statistics.cc is private to it).
class TestLcg {
 public:
  explicit TestLcg(uint64_t seed) : state_(seed) {}
  double NextDouble() {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state_ >> 11) * 0x1.0p-53;
  }

 private:
  uint64_t state_;
};

std::vector<double> Sorted(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values;
}

TEST(StatisticsTest, QuantileIsType7) {
  // sorted([10, 2, 4, 1, 3, 7.5, 6, 9, 8.25]); statistics.quantiles(..., n=100,
  // method="inclusive") gives P25 = 3.0, P50 = 6.0, P90 = 9.2, P99 = 9.92.
  const std::vector<double> sorted = {1, 2, 3, 4, 6, 7.5, 8.25, 9, 10};
  EXPECT_DOUBLE_EQ(Quantile(sorted, 0.25), 3.0);
  EXPECT_DOUBLE_EQ(Quantile(sorted, 0.50), 6.0);
  EXPECT_NEAR(Quantile(sorted, 0.90), 9.2, 1e-12);
  EXPECT_NEAR(Quantile(sorted, 0.99), 9.92, 1e-12);
  EXPECT_DOUBLE_EQ(Quantile(sorted, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(Quantile(sorted, 1.0), 10.0);
  EXPECT_DOUBLE_EQ(Quantile({}, 0.5), 0.0);
  EXPECT_DOUBLE_EQ(Quantile({4}, 0.9), 4.0);
  EXPECT_DOUBLE_EQ(Median({4, 1, 3, 2}), 2.5);
}

TEST(StatisticsTest, TukeyFencesFlagOnlyFarValues) {
  // Q1 = 2, Q3 = 4, IQR = 2: fences [-1, 7].
  const std::vector<double> sorted = {1, 2, 3, 4, 100};
  const Interval fences = TukeyFences(sorted);
  EXPECT_DOUBLE_EQ(fences.low, -1.0);
  EXPECT_DOUBLE_EQ(fences.high, 7.0);
  EXPECT_EQ(TukeyOutliers(sorted), std::vector<double>{100});
  EXPECT_TRUE(TukeyOutliers({1, 2, 3, 4, 5}).empty());
  EXPECT_TRUE(TukeyOutliers({1, 1000}).empty());  // too few values to fence
}

TEST(StatisticsTest, MannWhitneyExactMatchesScipyDocumentation) {
  const MannWhitney r = MannWhitneyU({19, 22, 16, 29, 24}, {20, 11, 17, 12});
  EXPECT_DOUBLE_EQ(r.u, 17);
  EXPECT_TRUE(r.exact);
  EXPECT_NEAR(r.p_value, 0.1111111111111111, 1e-12);
}

TEST(StatisticsTest, MannWhitneyExactSmallSamples) {
  // Brute-force enumeration: 6 vs 7 values, U = 5, p = 38 / 1716 * 2 = 0.022144522144522144.
  MannWhitney r =
      MannWhitneyU({1.1, 2.3, 3.5, 4.2, 5.9, 6.1}, {3.9, 5.0, 7.2, 8.8, 9.1, 10.4, 11.0});
  EXPECT_DOUBLE_EQ(r.u, 5);
  EXPECT_TRUE(r.exact);
  EXPECT_NEAR(r.p_value, 0.022144522144522144, 1e-12);
  // Complete separation of 4 vs 4: the smallest p there is, 2 / C(8, 4) = 2 / 70.
  r = MannWhitneyU({10.5, 11.2, 12.0, 13.3}, {14.1, 15.0, 16.2, 17.9});
  EXPECT_DOUBLE_EQ(r.u, 0);
  EXPECT_NEAR(r.p_value, 0.02857142857142857, 1e-12);
  // 9 vs 10, U = 25: 5208 of 92378 assignments are as extreme, p = 0.1127541189460694.
  r = MannWhitneyU({1.5, 3.25, 4.0, 6.75, 7.5, 9.0, 12.25, 13.0, 15.5},
                   {2.0, 5.5, 8.0, 10.5, 11.0, 14.0, 16.25, 17.0, 18.5, 19.75});
  EXPECT_DOUBLE_EQ(r.u, 25);
  EXPECT_NEAR(r.p_value, 0.1127541189460694, 1e-12);
  // Symmetric in its arguments.
  EXPECT_NEAR(MannWhitneyU({2.0, 5.5, 8.0}, {1.5, 3.25, 4.0, 6.75}).p_value,
              MannWhitneyU({1.5, 3.25, 4.0, 6.75}, {2.0, 5.5, 8.0}).p_value, 1e-15);
}

TEST(StatisticsTest, MannWhitneyNormalApproximationWithTies) {
  // Ties force the normal approximation: U = 17.5, tie-corrected, continuity-corrected
  // p = 0.008507986774119175.
  const MannWhitney r =
      MannWhitneyU({1, 2, 2, 3, 3, 3, 4, 5, 5, 6}, {3, 4, 4, 5, 5, 6, 6, 7, 8, 8, 9});
  EXPECT_FALSE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 17.5);
  EXPECT_NEAR(r.p_value, 0.008507986774119175, 1e-12);
}

TEST(StatisticsTest, MannWhitneyNormalApproximationForLargeSamples) {
  // 60 vs 50 values without ties (n1 n2 = 3000 > the exact limit): U = 1225,
  // p = 0.09938876834009455.
  std::vector<double> x, y;
  for (int i = 0; i < 60; ++i) x.push_back(i);
  for (int j = 0; j < 50; ++j) y.push_back(j + 10.5);
  const MannWhitney r = MannWhitneyU(x, y);
  EXPECT_FALSE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 1225);
  EXPECT_NEAR(r.p_value, 0.09938876834009455, 1e-12);
  // The same formula on SciPy's documented example: 0.11134688653314041.
  std::vector<double> males = {19, 22, 16, 29, 24}, females = {20, 11, 17, 12};
  males.push_back(22);  // one tie: the approximation, now with a tie correction
  EXPECT_FALSE(MannWhitneyU(males, females).exact);
}

TEST(StatisticsTest, MannWhitneyDegenerateInputs) {
  EXPECT_DOUBLE_EQ(MannWhitneyU({}, {1, 2}).p_value, 1.0);
  EXPECT_DOUBLE_EQ(MannWhitneyU({3, 3, 3}, {3, 3}).p_value, 1.0);  // every value tied
  EXPECT_DOUBLE_EQ(MannWhitneyU({1, 2, 3}, {1, 2, 3}).p_value, 1.0);
}

// Reference p-values from summing exact hypergeometric probabilities in Python's fractions (the
// first is Fisher's tea-tasting table, p = 0.4857 in R's fisher.test).
TEST(StatisticsTest, FisherExactMatchesBruteForce) {
  EXPECT_NEAR(FisherExactP(3, 4, 1, 4), 0.4857142857142857, 1e-12);
  EXPECT_NEAR(FisherExactP(5, 5, 0, 5), 0.007936507936507936, 1e-12);
  EXPECT_NEAR(FisherExactP(1, 10, 7, 10), 0.019766611097880447, 1e-12);
  EXPECT_NEAR(FisherExactP(2, 7, 9, 12), 0.07394617766134794, 1e-12);
  EXPECT_NEAR(FisherExactP(0, 4, 3, 3), 0.02857142857142857, 1e-12);
  // Symmetric in the groups and in events against non-events.
  EXPECT_NEAR(FisherExactP(7, 10, 1, 10), FisherExactP(1, 10, 7, 10), 1e-12);
  EXPECT_NEAR(FisherExactP(9, 10, 3, 10), FisherExactP(1, 10, 7, 10), 1e-12);
}

TEST(StatisticsTest, FisherExactDegenerateInputsAndMinimum) {
  EXPECT_EQ(FisherExactP(0, 5, 0, 5), 1.0);       // no events at all
  EXPECT_EQ(FisherExactP(5, 5, 5, 5), 1.0);       // only events
  EXPECT_EQ(FisherExactP(0, 0, 3, 5), 1.0);       // an empty group
  EXPECT_NEAR(MinimumFisherP(3, 3), 0.1, 1e-12);  // 3 against 3 never reaches 0.05
  EXPECT_NEAR(MinimumFisherP(5, 5), 0.007936507936507936, 1e-12);
  EXPECT_LT(MinimumFisherP(1000, 1000), 1e-100);
}

TEST(StatisticsTest, BootstrapIsReproducibleAndSeedDependent) {
  // Non-round values: with round ones, different draws often land on the same percentiles.
  const std::vector<double> sorted = {90.13, 95.71,  97.02,  100.4,  101.17,
                                      103.9, 104.33, 108.61, 110.05, 130.77};
  const CenterIntervals a = BootstrapCenterIntervals(sorted, 42);
  const CenterIntervals b = BootstrapCenterIntervals(sorted, 42);
  const CenterIntervals c = BootstrapCenterIntervals(sorted, 43);
  ASSERT_TRUE(a.median && a.mean && c.median && c.mean);
  EXPECT_EQ(a.median->low, b.median->low);
  EXPECT_EQ(a.median->high, b.median->high);
  EXPECT_EQ(a.mean->low, b.mean->low);
  EXPECT_EQ(a.mean->high, b.mean->high);
  EXPECT_TRUE(a.mean->low != c.mean->low || a.mean->high != c.mean->high);
  // Sensible: the intervals hold the sample's median (102.535) and mean (104.209) and stay
  // within the range of the data.
  EXPECT_LE(a.median->low, 102.535);
  EXPECT_GE(a.median->high, 102.535);
  EXPECT_LE(a.mean->low, 104.209);
  EXPECT_GE(a.mean->high, 104.209);
  EXPECT_GE(a.median->low, 90.13);
  EXPECT_LE(a.median->high, 130.77);
  EXPECT_LT(a.median->low, a.median->high);
}

TEST(StatisticsTest, BootstrapDegenerateCases) {
  EXPECT_FALSE(BootstrapCenterIntervals({5}, 1).median);
  const CenterIntervals same = BootstrapCenterIntervals({7, 7, 7}, 1);
  ASSERT_TRUE(same.median && same.mean);
  EXPECT_EQ(same.median->low, 7);
  EXPECT_EQ(same.median->high, 7);
  EXPECT_EQ(same.mean->low, 7);
}

TEST(StatisticsTest, RelativeChangeIntervalOfTheMedian) {
  const std::vector<double> base = {100, 102, 98, 101, 99, 103, 97, 100, 101, 99};
  std::vector<double> head;
  for (double v : base) head.push_back(v * 1.2);  // every value 20% slower
  const auto ci = BootstrapRelativeChangeCi(base, head, 7);
  ASSERT_TRUE(ci);
  EXPECT_GT(ci->low, 0.10);
  EXPECT_LT(ci->high, 0.30);
  EXPECT_LE(ci->low, 0.2);
  EXPECT_GE(ci->high, 0.2);
  const auto again = BootstrapRelativeChangeCi(base, head, 7);
  EXPECT_EQ(again->low, ci->low);
  EXPECT_EQ(again->high, ci->high);
  // Equal samples: the interval straddles zero.
  const auto none = BootstrapRelativeChangeCi(base, base, 7);
  ASSERT_TRUE(none);
  EXPECT_LE(none->low, 0);
  EXPECT_GE(none->high, 0);
  // Constant sides give the exact change; a zero base has no relative change.
  const auto exact = BootstrapRelativeChangeCi({10, 10}, {12, 12}, 7);
  ASSERT_TRUE(exact);
  EXPECT_DOUBLE_EQ(exact->low, 0.2);
  EXPECT_DOUBLE_EQ(exact->high, 0.2);
  EXPECT_FALSE(BootstrapRelativeChangeCi({0, 0, 0}, {1, 2, 3}, 7));
  EXPECT_FALSE(BootstrapRelativeChangeCi({1}, {1, 2, 3}, 7));
}

TEST(StatisticsTest, CollectMetricValuesSkipsWarmupAndFailures) {
  Cell cell;
  Sample warm;
  warm.warmup = true;
  warm.metrics = {{"e2e_ms", 1000}};
  Sample ok;
  ok.metrics = {{"e2e_ms", 10}};
  ok.segments = {{"llm_wait", 8}};
  ok.itl_ms = {1, 2};
  Sample failed;
  failed.ok = false;
  failed.metrics = {{"e2e_ms", 500}};
  cell.samples = {warm, ok, failed, ok};
  const auto values = CollectMetricValues(cell);
  EXPECT_EQ(values.at("e2e_ms"), (std::vector<double>{10, 10}));
  EXPECT_EQ(values.at("segment.llm_wait"), (std::vector<double>{8, 8}));
  EXPECT_EQ(values.at("itl_ms"), (std::vector<double>{1, 2, 1, 2}));
}

TEST(StatisticsTest, StatSeedIsStableAndLabelled) {
  EXPECT_EQ(StatSeed(1, "a"), StatSeed(1, "a"));
  EXPECT_NE(StatSeed(1, "a"), StatSeed(1, "b"));
  EXPECT_NE(StatSeed(1, "a"), StatSeed(2, "a"));
}

// Above kBootstrapMaxValues the large-sample intervals stand in for the bootstrap: on the same
// skewed data (inter-token gaps are), just below and just above the threshold, they agree to a
// small part of their width, and they hold the sample's median and mean.
TEST(StatisticsTest, LargeSamplesGetIntervalsThatAgreeWithTheBootstrap) {
  auto skewed = [](size_t n) {
    std::vector<double> values;
    TestLcg rng(7);
    for (size_t i = 0; i < n; ++i) values.push_back(10 + 30 * std::pow(rng.NextDouble(), 3.0));
    return Sorted(values);
  };
  const std::vector<double> below = skewed(kBootstrapMaxValues);
  const std::vector<double> above = skewed(kBootstrapMaxValues + 1);
  const CenterIntervals boot = BootstrapCenterIntervals(below, 1);
  const CenterIntervals large = BootstrapCenterIntervals(above, 1);
  ASSERT_TRUE(boot.median && boot.mean && large.median && large.mean);
  const double median_width = boot.median->high - boot.median->low;
  const double mean_width = boot.mean->high - boot.mean->low;
  EXPECT_NEAR(large.median->low, boot.median->low, 0.25 * median_width);
  EXPECT_NEAR(large.median->high, boot.median->high, 0.25 * median_width);
  EXPECT_NEAR(large.mean->low, boot.mean->low, 0.1 * mean_width);
  EXPECT_NEAR(large.mean->high, boot.mean->high, 0.1 * mean_width);
  const double median = Quantile(above, 0.5);
  EXPECT_LE(large.median->low, median);
  EXPECT_GE(large.median->high, median);
  // Drawing nothing, they do not depend on the seed.
  const CenterIntervals again = BootstrapCenterIntervals(above, 99);
  EXPECT_EQ(again.median->low, large.median->low);
  EXPECT_EQ(again.mean->high, large.mean->high);
}

}  // namespace
}  // namespace agentreplay::results
