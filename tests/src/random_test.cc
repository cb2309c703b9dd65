#include "core/random.h"

#include <gtest/gtest.h>

#include <cmath>

namespace agentreplay {
namespace {

TEST(RandomTest, SameSeedSameStream) {
  Rng a(42), b(42);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.NextU64(), b.NextU64());
}

TEST(RandomTest, KnownFirstValuesPinThePortableStream) {
  // Pinned so that a change of generator (which would change every simulated result) is
  // caught here rather than as a silent shift in everybody's baselines.
  Rng rng(1);
  const uint64_t first = rng.NextU64();
  Rng again(1);
  EXPECT_EQ(again.NextU64(), first);
  EXPECT_EQ(SplitMix64(0), 0xE220A8397B1DCDAFULL);
}

TEST(RandomTest, DeriveSeedSeparatesLabels) {
  EXPECT_NE(DeriveSeed(7, "turn:0/step:0"), DeriveSeed(7, "turn:0/step:1"));
  EXPECT_NE(DeriveSeed(7, "x"), DeriveSeed(8, "x"));
  EXPECT_EQ(DeriveSeed(7, "x"), DeriveSeed(7, "x"));
}

TEST(RandomTest, UniformAndNormalMoments) {
  Rng rng(3);
  const int n = 200000;
  double sum = 0, sum_sq = 0, nsum = 0, nsum_sq = 0;
  for (int i = 0; i < n; ++i) {
    const double u = rng.NextDouble();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    sum_sq += u * u;
    const double z = rng.Normal();
    nsum += z;
    nsum_sq += z * z;
  }
  EXPECT_NEAR(sum / n, 0.5, 0.005);
  EXPECT_NEAR(sum_sq / n - 0.25, 1.0 / 12.0, 0.005);
  EXPECT_NEAR(nsum / n, 0.0, 0.01);
  EXPECT_NEAR(nsum_sq / n, 1.0, 0.02);
}

TEST(RandomTest, BelowStaysInRange) {
  Rng rng(5);
  int counts[3] = {0, 0, 0};
  for (int i = 0; i < 30000; ++i) ++counts[rng.Below(3)];
  for (int c : counts) EXPECT_NEAR(c, 10000, 500);
}

}  // namespace
}  // namespace agentreplay
