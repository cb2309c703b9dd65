// The open-loop schedule is fixed before a load starts, so it must be exact and repeatable:
// fixed arrivals at i / rate, Poisson gaps drawn from the portable generator with the seed,
// and the bounds (duration, count) cut it where they say. Also the open-files budget and the
// knee rule, which decide what a load refuses and what it reports.
#include "harness/load/arrival_schedule.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/random.h"
#include "harness/load/fd_limit.h"
#include "harness/load/knee.h"
#include "harness/load/load_runner.h"

namespace agentreplay::harness {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ArrivalScheduleTest, FixedArrivalsAreEveryOneOverRate) {
  ArrivalOptions options;
  options.rate = 4;
  options.duration = seconds(2);
  auto schedule = ArrivalSchedule(options);
  ASSERT_TRUE(schedule) << schedule.error();
  ASSERT_EQ(schedule->size(), 8u);  // 0, 0.25, ..., 1.75: the one due at 2 s is outside
  for (size_t i = 0; i < schedule->size(); ++i) {
    EXPECT_EQ((*schedule)[i], milliseconds(250 * static_cast<int64_t>(i))) << i;
  }
}

TEST(ArrivalScheduleTest, TheSessionCountCutsTheScheduleAndTheEarlierBoundWins) {
  ArrivalOptions options;
  options.rate = 10;
  options.sessions = 5;
  auto by_count = ArrivalSchedule(options);
  ASSERT_TRUE(by_count);
  ASSERT_EQ(by_count->size(), 5u);
  EXPECT_EQ(by_count->back(), milliseconds(400));
  options.duration = milliseconds(250);  // now the duration ends it first
  auto both = ArrivalSchedule(options);
  ASSERT_TRUE(both);
  EXPECT_EQ(both->size(), 3u);  // 0, 100, 200 ms
}

TEST(ArrivalScheduleTest, PoissonGapsAreTheSeededExponentialDrawsExactly) {
  ArrivalOptions options;
  options.rate = 20;
  options.process = ArrivalProcess::kPoisson;
  options.sessions = 200;
  options.seed = 42;
  auto schedule = ArrivalSchedule(options);
  ASSERT_TRUE(schedule);
  ASSERT_EQ(schedule->size(), 200u);
  // The documented rule, recomputed: the first at 0, then gaps of -ln(1 - u) / rate.
  Rng rng(42);
  double at = 0;
  EXPECT_EQ((*schedule)[0], Duration(0));
  for (size_t i = 1; i < schedule->size(); ++i) {
    at += -std::log1p(-rng.NextDouble()) / 20.0;
    EXPECT_EQ((*schedule)[i],
              std::chrono::duration_cast<Duration>(std::chrono::duration<double>(at)))
        << i;
  }
  // The same seed gives the same schedule; another seed another one.
  auto again = ArrivalSchedule(options);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *schedule);
  options.seed = 43;
  auto other = ArrivalSchedule(options);
  ASSERT_TRUE(other);
  EXPECT_NE(*other, *schedule);
}

TEST(ArrivalScheduleTest, PoissonKeepsTheRateOnAverage) {
  ArrivalOptions options;
  options.rate = 50;
  options.process = ArrivalProcess::kPoisson;
  options.duration = seconds(200);
  options.seed = 7;
  auto schedule = ArrivalSchedule(options);
  ASSERT_TRUE(schedule);
  // 10,000 expected; a Poisson count's standard deviation is 100: 5 of them is generous.
  EXPECT_NEAR(static_cast<double>(schedule->size()), 10000.0, 500.0);
  for (size_t i = 1; i < schedule->size(); ++i) {
    ASSERT_LE((*schedule)[i - 1], (*schedule)[i]) << i;
  }
  EXPECT_LT(schedule->back(), seconds(200));
}

TEST(ArrivalScheduleTest, RejectsWhatCannotBeALoad) {
  ArrivalOptions options;
  options.rate = 0;
  options.sessions = 3;
  EXPECT_FALSE(ArrivalSchedule(options));
  options.rate = 5;
  options.sessions = 0;  // and no duration
  auto unbounded = ArrivalSchedule(options);
  ASSERT_FALSE(unbounded);
  EXPECT_NE(unbounded.error().find("duration"), std::string::npos);
  EXPECT_TRUE(ParseArrivalProcess("poisson"));
  EXPECT_FALSE(ParseArrivalProcess("bursty"));
}

TEST(FdBudgetTest, FailsWithTheLimitAndHowToRaiseIt) {
  const FdLimit limit{1024, 4096};
  EXPECT_TRUE(CheckFdBudget(400, FdsPerSession(true, false), limit));
  auto refused = CheckFdBudget(1000, FdsPerSession(true, false), limit);
  ASSERT_FALSE(refused);
  const std::string& message = refused.error();
  EXPECT_NE(message.find("RLIMIT_NOFILE"), std::string::npos) << message;
  EXPECT_NE(message.find("1024"), std::string::npos) << message;
  EXPECT_NE(message.find("--concurrency-cap to at most 480"), std::string::npos) << message;
  EXPECT_NE(message.find("ulimit -Hn"), std::string::npos) << message;
  EXPECT_EQ(FdsPerSession(false, false), 1u);  // a live endpoint: only the agent's end is here
  EXPECT_EQ(FdsPerSession(true, true), 5u);
}

TEST(FdBudgetTest, RaisingTheSoftLimitReachesTheHardOne) {
  auto limit = RaiseFdLimit();
  ASSERT_TRUE(limit) << limit.error();
  EXPECT_EQ(limit->soft, limit->hard);
}

results::Cell LoadCell(const std::string& variant, double ttft_p50, double ttft_p99,
                       double fidelity_p99, int errors) {
  results::Cell cell;
  cell.scenario = "two_tool_rounds";
  cell.runtime = "responses";
  cell.variant = variant;
  cell.world = "real";
  cell.samples.resize(100);
  cell.error_samples = errors;
  results::Summary ttft;
  ttft.count = 100;
  ttft.p50 = ttft_p50;
  ttft.p99 = ttft_p99;
  cell.stats["ttft_from_intended_ms"] = ttft;
  results::Summary e2e = ttft;
  e2e.p50 += 500;
  e2e.p99 += 500;
  cell.stats["e2e_from_intended_ms"] = e2e;
  results::Summary fidelity;
  fidelity.count = 1000;
  fidelity.p99 = fidelity_p99;
  cell.stats["fidelity_ms"] = fidelity;
  return cell;
}

TEST(KneeTest, TheFirstRateThatLeavesTheLowestRatesFiguresIsTheKnee) {
  results::Results r;
  // Out of order on purpose: the series is sorted by rate.
  r.cells.push_back(LoadCell("p5@rate=40/s", 330, 420, 1.5, 0));   // p99 +40%: within
  r.cells.push_back(LoadCell("p5@rate=10/s", 300, 320, 1.0, 0));   // the reference
  r.cells.push_back(LoadCell("p5@rate=80/s", 304, 330, 9.0, 0));   // fidelity +8 ms: the knee
  r.cells.push_back(LoadCell("p5@rate=160/s", 900, 2000, 30, 5));  // everything
  r.cells.push_back(LoadCell("p5", 1, 1, 1, 0));                   // not a load cell
  const auto series = FindKnees(r);
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].variant, "p5");
  ASSERT_EQ(series[0].points.size(), 4u);
  EXPECT_EQ(series[0].points[0].rate, 10);
  EXPECT_TRUE(series[0].points[1].degraded.empty());
  ASSERT_EQ(series[0].points[2].degraded.size(), 1u);
  EXPECT_EQ(series[0].points[2].degraded[0], "fidelity p99");
  ASSERT_TRUE(series[0].knee);
  EXPECT_EQ(*series[0].knee, 80);
  const std::string text = FormatKnees(series);
  EXPECT_NE(text.find("knee: 80/s"), std::string::npos) << text;
  EXPECT_NE(text.find("errors"), std::string::npos) << text;
}

TEST(KneeTest, NoKneeWhenNothingDegradesAndRatesParseStrictly) {
  results::Results r;
  r.cells.push_back(LoadCell("baseline@rate=2.5/s", 300, 320, 1.0, 0));
  r.cells.push_back(LoadCell("baseline@rate=5/s", 302, 330, 1.2, 0));
  const auto series = FindKnees(r);
  ASSERT_EQ(series.size(), 1u);
  EXPECT_FALSE(series[0].knee);
  EXPECT_NE(FormatKnees(series).find("knee: none up to 5/s"), std::string::npos);
  EXPECT_EQ(RateOfVariant("p0@rate=20/s"), 20.0);
  EXPECT_FALSE(RateOfVariant("p0@rate=20"));
  EXPECT_FALSE(RateOfVariant("p0@poll_interval_ms=50"));
  EXPECT_EQ(LoadVariantName("p0+p3", 2.5), "p0+p3@rate=2.5/s");
}

}  // namespace
}  // namespace agentreplay::harness
