// Gives the real tool implementations the scenario's latencies: a decorator that waits the
// drawn latency on the world's clock, then runs the tool. The wait is inside the tool
// boundary, so it counts as tool_exec_ms, as a slow database would.
#pragma once

#include <cstdint>

#include "mocks/model/scenario.h"
#include "tools/tool_catalog.h"

namespace agentreplay::harness {

// Wraps every tool of `catalog` that the scenario gives a latency. Draws come from
// DeriveSeed(seed, "tool:<name>") in call order, so they are reproducible per repetition.
// `time_scale` multiplies every drawn latency (the real world's --time-scale).
void ApplyScenarioToolLatencies(const mocks::Scenario& scenario, uint64_t seed,
                                ToolCatalog& catalog, double time_scale = 1.0);

}  // namespace agentreplay::harness
