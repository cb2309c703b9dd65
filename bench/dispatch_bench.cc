// Per-call tool dispatch overhead: the in-process dispatcher against the proxy_router hop
// (HttpToolDispatcher over a keep-alive loopback connection), both running get_current_time
// for "UTC". The difference is what package p2 saves per tool call on this machine.
#include <benchmark/benchmark.h>

#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <thread>

#include "core/task.h"
#include "harness/real/blocking_http_transport.h"
#include "mocks/server/proxy_router.h"
#include "ports/clock.h"
#include "tools/http_tool_dispatcher.h"
#include "tools/in_process_dispatcher.h"
#include "tools/tool_catalog.h"

namespace agentreplay {
namespace {

// The monotonic clock, as the real world's agent would read it.
class MonotonicClock : public Clock {
 public:
  TimePoint Now() const override {
    return TimePoint(
        std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now().time_since_epoch()));
  }
  Task<void> Sleep(Duration d) override {
    std::this_thread::sleep_for(d);  // never called: neither dispatcher sleeps here
    co_return;
  }
  Task<bool> SleepUnlessCancelled(Duration d, WaitCanceller& canceller) override {
    if (canceller.cancelled()) co_return false;
    std::this_thread::sleep_for(d);
    co_return true;
  }
};

// Both dispatchers complete without suspending (the blocking transport answers inside Send),
// so the task has finished when Spawn returns.
std::optional<ToolOutput> RunNow(Task<ToolOutput> task) {
  std::optional<ToolOutput> out;
  Spawn(
      [](Task<ToolOutput> t, std::optional<ToolOutput>* o) -> Task<void> {
        o->emplace(co_await t);
      }(std::move(task), &out),
      [](std::exception_ptr) {});
  return out;
}

const ToolCall kCall{"call_bench", "get_current_time", R"({"timezone":"UTC"})"};

void RunDispatch(benchmark::State& state, ToolDispatcher& dispatcher) {
  for (auto _ : state) {
    std::optional<ToolOutput> out = RunNow(dispatcher.Dispatch(kCall));
    if (!out || out->is_error) {
      state.SkipWithError(out ? out->output.c_str() : "dispatch suspended");
      break;
    }
    benchmark::DoNotOptimize(out->output.data());
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_DispatchInProcess(benchmark::State& state) {
  const ToolCatalog catalog = MakeDefaultCatalog();
  MonotonicClock clock;
  InProcessDispatcher dispatcher(catalog, ToolContext{&clock, std::chrono::sys_seconds{}});
  RunDispatch(state, dispatcher);
}
BENCHMARK(BM_DispatchInProcess)->Unit(benchmark::kMicrosecond);

void BM_DispatchHttpHop(benchmark::State& state) {
  const ToolCatalog catalog = MakeDefaultCatalog();
  auto router = mocks::ProxyRouter::Start(catalog, ToolContext{});
  if (router == nullptr) {
    state.SkipWithError("cannot start the proxy_router on loopback");
    return;
  }
  MonotonicClock clock;
  harness::BlockingHttpTransport transport("127.0.0.1", router->port());
  HttpToolDispatcher dispatcher(transport, clock);
  RunDispatch(state, dispatcher);
  state.counters["connections"] = static_cast<double>(transport.connections_opened());
}
BENCHMARK(BM_DispatchHttpHop)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace agentreplay
