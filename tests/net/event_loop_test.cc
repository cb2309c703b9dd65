// EventLoop, SteadyClock and Deadline: the real world's scheduling and timeouts.
#include "net/event_loop.h"

#include <gtest/gtest.h>

#include <chrono>

#include "net/deadline.h"
#include "net/steady_clock.h"
#include "tests/net/net_test_util.h"

namespace agentreplay::net {
namespace {

using namespace std::chrono_literals;
using testing::RunOnLoop;

TEST(EventLoopTest, PostedWorkRunsOnRunInOrder) {
  EventLoop loop;
  std::vector<int> order;
  loop.Post([&] { order.push_back(1); });
  loop.Post([&] { order.push_back(2); });
  EXPECT_TRUE(order.empty());
  loop.Run();
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

TEST(EventLoopTest, RunUntilStopsAsSoonAsTheFlagIsSet) {
  EventLoop loop;
  bool flag = false;
  int after = 0;
  loop.Post([&] { flag = true; });
  loop.Post([&] { ++after; });
  EXPECT_TRUE(loop.RunUntil(flag));
  EXPECT_EQ(after, 0);
  loop.Run();
  EXPECT_EQ(after, 1);
}

TEST(EventLoopTest, RunUntilReturnsFalseWhenOutOfWork) {
  EventLoop loop;
  EXPECT_FALSE(loop.RunUntil([] { return false; }));
}

TEST(EventLoopTest, StopEndsRun) {
  EventLoop loop;
  int ran = 0;
  loop.Post([&] {
    ++ran;
    loop.Stop();
  });
  loop.Post([&] { ++ran; });
  loop.Run();
  EXPECT_EQ(ran, 1);
  loop.Run();  // starts afresh
  EXPECT_EQ(ran, 2);
}

TEST(SteadyClockTest, NowCountsFromTheGivenZero) {
  EventLoop loop;
  const auto zero = std::chrono::steady_clock::now() - 5s;
  SteadyClock clock(loop, zero);
  EXPECT_GE(clock.Now().time_since_epoch(), 5s);
  EXPECT_LT(clock.Now().time_since_epoch(), 5s + 60s);
}

TEST(SteadyClockTest, SleepWaitsAtLeastTheDuration) {
  EventLoop loop;
  SteadyClock clock(loop);
  auto body = [&]() -> Task<Duration> {
    const TimePoint start = clock.Now();
    co_await clock.Sleep(20ms);
    co_return clock.Now() - start;
  };
  auto slept = RunOnLoop(loop, body());
  ASSERT_TRUE(slept);
  EXPECT_GE(*slept, 20ms);
}

TEST(SteadyClockTest, SleepUnlessCancelledReportsWhetherTheWaitRanOut) {
  EventLoop loop;
  SteadyClock clock(loop);
  WaitCanceller full_wait;
  auto full = [&]() -> Task<bool> {
    co_return co_await clock.SleepUnlessCancelled(5ms, full_wait);
  };
  EXPECT_EQ(RunOnLoop(loop, full()), true);

  // Cancelled long before its hour is up: resumes promptly with false.
  WaitCanceller canceller;
  loop.Post([&] { canceller.Cancel(); });
  auto cancelled = [&]() -> Task<bool> {
    co_return co_await clock.SleepUnlessCancelled(std::chrono::hours(1), canceller);
  };
  EXPECT_EQ(RunOnLoop(loop, cancelled()), false);

  // Already cancelled: does not wait at all.
  auto again = [&]() -> Task<bool> {
    co_return co_await clock.SleepUnlessCancelled(std::chrono::hours(1), canceller);
  };
  EXPECT_EQ(RunOnLoop(loop, again()), false);
}

TEST(DeadlineTest, ExpiresAndRunsItsActionOnce) {
  EventLoop loop;
  SteadyClock clock(loop);
  int fired = 0;
  Deadline deadline(clock, 5ms);
  deadline.SetOnExpire([&] { ++fired; });
  loop.Run();
  EXPECT_TRUE(deadline.expired());
  EXPECT_EQ(fired, 1);
}

TEST(DeadlineTest, FinishedInTimeNeverFiresAndFreesTheLoop) {
  EventLoop loop;
  SteadyClock clock(loop);
  int fired = 0;
  {
    Deadline deadline(clock, std::chrono::hours(1));
    deadline.SetOnExpire([&] { ++fired; });
    loop.Post([&] { deadline.Finish(); });
    loop.Run();  // returns promptly: the hour-long timer was cancelled
    EXPECT_FALSE(deadline.expired());
  }
  EXPECT_EQ(fired, 0);
}

TEST(DeadlineTest, NonPositiveLimitNeverExpires) {
  EventLoop loop;
  SteadyClock clock(loop);
  Deadline deadline(clock, Duration(0));
  loop.Run();
  EXPECT_FALSE(deadline.expired());
}

}  // namespace
}  // namespace agentreplay::net
