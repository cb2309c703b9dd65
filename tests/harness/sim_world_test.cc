#include "sim/sim_world.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

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

}  // namespace
}  // namespace agentreplay::harness
