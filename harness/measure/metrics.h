// Turns one turn's timeline into the metrics of DESIGN.md and the critical path split into
// segments that add up to e2e_ms exactly. A pure function of what the probe saw.
#pragma once

#include "agent/agent.h"
#include "measure/probe.h"
#include "results/result_model.h"

namespace agentreplay::harness {

// Fills `sample.metrics`, `sample.segments`, `sample.requests_by_endpoint`, `sample.itl_ms`
// and the error fields. `agent_cpu` is the core's CPU time for the turn (world-supplied).
void DeriveMetrics(const TurnTimeline& timeline, const TurnResult& turn, Duration agent_cpu,
                   results::Sample& sample);

// Token estimate used when the API reports no usage: ceil(UTF-8 bytes / 4).
int64_t EstimateTokens(size_t bytes);

}  // namespace agentreplay::harness
