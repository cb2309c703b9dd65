// Endpoint classes: the names under which requests are counted ("requests per endpoint
// class", "polls"). Shared by the agent core's logs, the mock's request log and the probe, so
// every count in a result means the same thing.
#pragma once

#include <string_view>

namespace agentreplay {

// Classifies an OpenAI API request, e.g. ("POST", "/v1/responses") → "responses.create",
// ("GET", "/v1/threads/thread_1/runs/run_1") → "runs.retrieve". Unknown requests → "other".
std::string_view ClassifyEndpoint(std::string_view method, std::string_view target);

// The class counted as a poll (GET of a run).
inline constexpr std::string_view kPollEndpoint = "runs.retrieve";

}  // namespace agentreplay
