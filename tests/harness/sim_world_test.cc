#include "harness/sim/sim_world.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "core/timeout.h"

namespace agentreplay::harness {
namespace {

Task<void> SleepThenLog(Clock& clock, Duration d, std::string name, std::vector<std::string>& log) {
  co_await clock.Sleep(d);
  log.push_back(name + "@" + std::to_string(ToMillis(clock.Now().time_since_epoch())));
}

TEST(SimSchedulerTest, ResumesInTimeOrderAndFifoWithinAnInstant) {
  SimScheduler scheduler;
  SimClock clock(scheduler);
  std::vector<std::string> log;
  Spawn(SleepThenLog(clock, FromMillis(30), "a", log), nullptr);
  Spawn(SleepThenLog(clock, FromMillis(10), "b", log), nullptr);
  Spawn(SleepThenLog(clock, FromMillis(10), "c", log), nullptr);
  Spawn(SleepThenLog(clock, Duration(0), "d", log), nullptr);
  EXPECT_TRUE(log.empty());  // even a zero sleep goes through the scheduler
  scheduler.RunUntilIdle();
  EXPECT_EQ(log,
            (std::vector<std::string>{"d@0.000000", "b@10.000000", "c@10.000000", "a@30.000000"}));
  EXPECT_EQ(clock.Now().time_since_epoch(), FromMillis(30));
}

TEST(SimSchedulerTest, NegativeSleepIsNow) {
  SimScheduler scheduler;
  SimClock clock(scheduler);
  std::vector<std::string> log;
  Spawn(SleepThenLog(clock, FromMillis(-5), "x", log), nullptr);
  scheduler.RunUntilIdle();
  EXPECT_EQ(log, (std::vector<std::string>{"x@0.000000"}));
}

TEST(SimSchedulerTest, ParallelSleepsOverlapInVirtualTime) {
  SimScheduler scheduler;
  SimClock clock(scheduler);
  std::vector<std::string> log;
  std::vector<Task<int>> tasks;
  for (int i = 1; i <= 5; ++i) {
    tasks.push_back([](Clock& c, int ms) -> Task<int> {
      co_await c.Sleep(FromMillis(ms));
      co_return ms;
    }(clock, i * 100));
  }
  bool done = false;
  Spawn(WhenAll(std::move(tasks)), [&](std::exception_ptr) { done = true; });
  scheduler.RunUntilIdle();
  EXPECT_TRUE(done);
  // The critical path of parallel waits is the longest one, not the sum.
  EXPECT_EQ(clock.Now().time_since_epoch(), FromMillis(500));
}

Task<int> SleepThenAnswer(Clock& clock, Duration d, int answer, bool* finished) {
  co_await clock.Sleep(d);
  *finished = true;
  co_return answer;
}

TEST(WithTimeoutTest, WorkThatWinsCancelsTheTimerSoTimeStopsWithTheWork) {
  SimScheduler scheduler;
  SimClock clock(scheduler);
  bool finished = false;
  std::optional<int> result;
  Spawn(
      [](Clock& c, bool* f, std::optional<int>& out) -> Task<void> {
        out = co_await WithTimeout(c, FromMillis(1000), SleepThenAnswer(c, FromMillis(40), 7, f));
      }(clock, &finished, result),
      nullptr);
  scheduler.RunUntilIdle();
  EXPECT_TRUE(finished);
  EXPECT_EQ(result, 7);
  // The cancelled timer did not drag virtual time on to its deadline.
  EXPECT_EQ(clock.Now().time_since_epoch(), FromMillis(40));
}

TEST(WithTimeoutTest, ATimerThatWinsAbandonsTheWorkWhichStillFinishesOnItsOwn) {
  SimScheduler scheduler;
  SimClock clock(scheduler);
  bool finished = false;
  std::optional<int> result = 99;
  TimePoint gave_up{};
  Spawn(
      [](Clock& c, bool* f, std::optional<int>& out, TimePoint& at) -> Task<void> {
        out = co_await WithTimeout(c, FromMillis(100), SleepThenAnswer(c, FromMillis(500), 7, f));
        at = c.Now();
      }(clock, &finished, result, gave_up),
      nullptr);
  scheduler.RunUntilIdle();
  EXPECT_EQ(result, std::nullopt);
  EXPECT_EQ(gave_up.time_since_epoch(), FromMillis(100));
  EXPECT_TRUE(finished);  // the work ran to its end, detached, and nothing leaked
  EXPECT_EQ(clock.Now().time_since_epoch(), FromMillis(500));
}

TEST(WithTimeoutTest, WorkThatFinishesAtOnceNeverParksAndANonPositiveLimitMeansNoBound) {
  SimScheduler scheduler;
  SimClock clock(scheduler);
  std::optional<int> quick;
  std::optional<int> unbounded;
  Spawn(
      [](Clock& c, std::optional<int>& a, std::optional<int>& b) -> Task<void> {
        a = co_await WithTimeout(c, FromMillis(10), []() -> Task<int> { co_return 1; }());
        bool f = false;
        b = co_await WithTimeout(c, Duration(0), SleepThenAnswer(c, FromMillis(5000), 2, &f));
      }(clock, quick, unbounded),
      nullptr);
  scheduler.RunUntilIdle();
  EXPECT_EQ(quick, 1);
  EXPECT_EQ(unbounded, 2);
  EXPECT_EQ(clock.Now().time_since_epoch(), FromMillis(5000));
}

TEST(WithTimeoutTest, CancellingBeforeTheWaitStartsReturnsAtOnce) {
  SimScheduler scheduler;
  SimClock clock(scheduler);
  WaitCanceller canceller;
  canceller.Cancel();
  std::optional<bool> expired;
  Spawn(
      [](Clock& c, WaitCanceller& w, std::optional<bool>& out) -> Task<void> {
        out = co_await c.SleepUnlessCancelled(FromMillis(50), w);
      }(clock, canceller, expired),
      nullptr);
  scheduler.RunUntilIdle();
  EXPECT_EQ(expired, false);
  EXPECT_EQ(clock.Now().time_since_epoch(), Duration(0));
}

}  // namespace
}  // namespace agentreplay::harness
