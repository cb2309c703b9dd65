// Gives the real tool implementations the scenario's latencies: a decorator that waits the
// drawn latency on the world's clock, then runs the tool. The wait is inside the tool
// boundary, so it counts as tool_exec_ms, as a slow database would.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "mocks/model/scenario.h"
#include "tools/tool_catalog.h"

namespace agentreplay::harness {

// How many times each tool was called in the current turn: which entry of a tool's
// call_latency_ms the next call takes. The real world's proxy_router runs tools on its own
// thread, hence the lock.
class ToolCallCounts {
 public:
  // The 0-based index of this call among the turn's calls of `tool`.
  size_t Next(const std::string& tool) {
    std::lock_guard lock(mutex_);
    return counts_[tool]++;
  }
  void NewTurn() {
    std::lock_guard lock(mutex_);
    counts_.clear();
  }

 private:
  std::mutex mutex_;
  std::map<std::string, size_t> counts_;
};

// Wraps every tool of `catalog` that the scenario gives a latency. Draws come from
// DeriveSeed(seed, "tool:<name>") in call order, so they are reproducible per repetition; the
// k-th call of a tool in a turn takes call_latency_ms[k] when the list has one. Calls are
// counted in the order they reach the implementation (through the proxy hop with px, the
// order they arrive at the router). `time_scale` multiplies every drawn latency (the real
// world's --time-scale). The counts returned start each turn afresh by NewTurn().
std::shared_ptr<ToolCallCounts> ApplyScenarioToolLatencies(const mocks::Scenario& scenario,
                                                           uint64_t seed, ToolCatalog& catalog,
                                                           double time_scale = 1.0);

}  // namespace agentreplay::harness
