// Helpers for the net tests: run a coroutine to completion on an EventLoop.
#pragma once

#include <gtest/gtest.h>

#include <exception>
#include <optional>
#include <utility>

#include "core/task.h"
#include "net/event_loop.h"

namespace agentreplay::net::testing {

// Runs `task` on `loop` until it finishes and returns its result. A task that cannot finish
// (the loop ran out of work first) fails the test and returns nullopt.
template <typename T>
std::optional<T> RunOnLoop(EventLoop& loop, Task<T> task) {
  std::optional<T> result;
  bool done = false;
  std::exception_ptr error;
  Spawn([](Task<T> t, std::optional<T>& out) -> Task<void> { out.emplace(co_await t); }(
                                                 std::move(task), result),
        [&](std::exception_ptr e) {
          error = e;
          done = true;
        });
  loop.RunUntil(done);
  EXPECT_TRUE(done) << "the loop ran out of work before the task finished";
  if (error) std::rethrow_exception(error);
  // Let cancelled timers complete, so no coroutine frame is left behind.
  loop.Run();
  return result;
}

}  // namespace agentreplay::net::testing
