#include "core/task.h"

#include <gtest/gtest.h>

#include <coroutine>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace agentreplay {
namespace {

// A hand-driven event: coroutines await it and resume when the test fires it.
struct ManualEvent {
  std::vector<std::coroutine_handle<>> waiters;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) { waiters.push_back(h); }
  void await_resume() const noexcept {}
  void FireOne() {
    auto h = waiters.front();
    waiters.erase(waiters.begin());
    h.resume();
  }
};

Task<int> Immediate(int v) { co_return v; }

Task<int> AddAfter(ManualEvent& ev, int a, int b) {
  co_await ev;
  co_return a + b;
}

Task<std::string> Chain(ManualEvent& ev) {
  const int x = co_await AddAfter(ev, 1, 2);
  const int y = co_await Immediate(10);
  co_return std::to_string(x + y);
}

TEST(TaskTest, LazyUntilSpawnedAndResultFlowsThroughAwaits) {
  ManualEvent ev;
  std::string result;
  auto task = Chain(ev);
  EXPECT_TRUE(ev.waiters.empty());  // nothing ran yet
  Spawn([](Task<std::string> t, std::string& out) -> Task<void> { out = co_await t; }(
                                                      std::move(task), result),
        nullptr);
  ASSERT_EQ(ev.waiters.size(), 1u);
  EXPECT_EQ(result, "");
  ev.FireOne();
  EXPECT_EQ(result, "13");
}

Task<int> Throws() {
  throw std::runtime_error("boom");
  co_return 0;
}

TEST(TaskTest, ExceptionsReachTheSpawnCallback) {
  std::exception_ptr seen;
  bool done = false;
  Spawn(Throws(), [&](std::exception_ptr e) {
    seen = e;
    done = true;
  });
  ASSERT_TRUE(done);
  ASSERT_TRUE(seen);
  EXPECT_THROW(std::rethrow_exception(seen), std::runtime_error);
}

TEST(TaskTest, WhenAllKeepsInputOrderWhateverTheCompletionOrder) {
  ManualEvent a, b, c;
  std::vector<Task<int>> tasks;
  tasks.push_back(AddAfter(a, 1, 0));
  tasks.push_back(AddAfter(b, 2, 0));
  tasks.push_back(AddAfter(c, 3, 0));
  std::vector<int> out;
  bool done = false;
  Spawn(
      [](std::vector<Task<int>> ts, std::vector<int>& o) -> Task<void> {
        o = co_await WhenAll(std::move(ts));
      }(std::move(tasks), out),
      [&](std::exception_ptr) { done = true; });
  c.FireOne();
  a.FireOne();
  EXPECT_FALSE(done);
  b.FireOne();
  ASSERT_TRUE(done);
  EXPECT_EQ(out, (std::vector<int>{1, 2, 3}));
}

TEST(TaskTest, WhenAllOfSynchronousTasksCompletesWithoutSuspending) {
  std::vector<Task<int>> tasks;
  for (int i = 0; i < 100; ++i) tasks.push_back(Immediate(i));
  std::vector<int> out;
  bool done = false;
  Spawn(
      [](std::vector<Task<int>> ts, std::vector<int>& o) -> Task<void> {
        o = co_await WhenAll(std::move(ts));
      }(std::move(tasks), out),
      [&](std::exception_ptr) { done = true; });
  ASSERT_TRUE(done);
  ASSERT_EQ(out.size(), 100u);
  EXPECT_EQ(out[99], 99);
}

TEST(TaskTest, DeepAwaitChainsComplete) {
  // Symmetric transfer keeps optimised builds flat; unoptimised ones still cope with depth
  // far beyond what the agent nests (a handful of levels).
  std::function<Task<int>(int)> nest = [&](int depth) -> Task<int> {
    if (depth == 0) co_return 0;
    co_return 1 + co_await nest(depth - 1);
  };
  int result = -1;
  Spawn([](Task<int> t, int& out) -> Task<void> { out = co_await t; }(nest(10000), result),
        nullptr);
  EXPECT_EQ(result, 10000);
}

}  // namespace
}  // namespace agentreplay
