// Turns one turn's timeline into the metrics of DESIGN.md and the critical path split into
// segments that add up to e2e_ms exactly. A pure function of what the probe saw.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "agent/agent.h"
#include "harness/measure/probe.h"
#include "mocks/api/mock_response.h"
#include "results/result_model.h"

namespace agentreplay::harness {

// Prices of one model, in US dollars per million tokens.
struct Price {
  double input_per_1m = 0;
  double output_per_1m = 0;
};

// What the world knows about a turn beyond the probe's timeline.
struct TurnContext {
  Duration agent_cpu{0};  // the core's CPU time for the turn
  // States the back end reached during the turn, with when a streaming client would have
  // seen them: the reference for detection lag.
  std::vector<mocks::StateTransition> transitions;
  std::optional<Price> price;  // of the scenario's model; cost_usd is absent without one
  // New connections the agent's HTTP clients opened during the turn (the world counts them);
  // `connections` is absent without it.
  std::optional<uint64_t> connections_opened;
};

// A sample's error reason and message come from outside (an endpoint's code and message): they are
// made valid UTF-8 without control characters (the message keeps tabs and line breaks) and cut
// to these lengths, which the results reader accepts.
inline constexpr std::size_t kMaxErrorReasonBytes = 256;
inline constexpr std::size_t kMaxErrorMessageBytes = std::size_t{64} << 10;

// Fills `sample.metrics`, `sample.segments`, `sample.requests_by_endpoint`, `sample.itl_ms`
// and the error fields.
void DeriveMetrics(const TurnTimeline& timeline, const TurnResult& turn, const TurnContext& context,
                   results::Sample& sample);

// The statuses whose detection gates the agent's next action; lag on the others (queued,
// in_progress) is not on the critical path.
bool IsActionableStatus(std::string_view status);

// Token estimate used when the API reports no usage: ceil(UTF-8 bytes / 4).
int64_t EstimateTokens(size_t bytes);

}  // namespace agentreplay::harness
