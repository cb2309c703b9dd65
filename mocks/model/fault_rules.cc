#include "mocks/model/fault_rules.h"

#include <algorithm>
#include <array>
#include <iterator>

namespace agentreplay::mocks {
namespace {

// In FaultKind order.
constexpr std::string_view kKindNames[] = {
    "empty_response",
    "malformed_chunk",
    "random_data_then_close",
    "connection_reset",
    "latency",
    "bandwidth",
    "slow_close",
    "timeout",
    "reset_peer",
    "slicer",
    "limit_data",
    "http_error",
    "stream_error_event",
    "response_failed",
    "run_failed",
    "run_expired",
};
static_assert(std::size(kKindNames) == static_cast<size_t>(FaultKind::kRunExpired) + 1);

// The endpoint classes of llm/endpoints.cc that the mock answers.
constexpr std::string_view kEndpoints[] = {
    "responses.create",
    "responses.retrieve",
    "responses.input_items",
    "responses.cancel",
    "responses.delete",
    "chat.completions.create",
    "assistants.create",
    "assistants.retrieve",
    "threads.create",
    "threads.create_and_run",
    "threads.retrieve",
    "messages.create",
    "messages.list",
    "messages.retrieve",
    "runs.create",
    "runs.list",
    "runs.retrieve",
    "runs.cancel",
    "runs.submit_tool_outputs",
    "runs.steps.list",
    "runs.steps.retrieve",
    "vector_stores.create",
    "vector_stores.retrieve",
    "other",
};

// Requests that start or continue a run: where a run can be made to fail, and (streamed)
// where thread.* events flow.
bool StartsRunSegment(std::string_view endpoint) {
  return endpoint == "runs.create" || endpoint == "threads.create_and_run" ||
         endpoint == "runs.submit_tool_outputs";
}

}  // namespace

std::string_view FaultKindName(FaultKind kind) { return kKindNames[static_cast<size_t>(kind)]; }

std::optional<FaultKind> ParseFaultKind(std::string_view name) {
  const auto* it = std::find(std::begin(kKindNames), std::end(kKindNames), name);
  if (it == std::end(kKindNames)) return std::nullopt;
  return static_cast<FaultKind>(it - std::begin(kKindNames));
}

std::span<const std::string_view> FaultKindNames() { return kKindNames; }

std::span<const std::string_view> FaultEndpoints() { return kEndpoints; }

bool FaultApplies(FaultKind kind, std::string_view endpoint) {
  switch (kind) {
    case FaultKind::kStreamErrorEvent:
      return endpoint == "responses.create" || endpoint == "chat.completions.create" ||
             StartsRunSegment(endpoint);
    case FaultKind::kResponseFailed:
      return endpoint == "responses.create";
    case FaultKind::kRunFailed:
    case FaultKind::kRunExpired:
      return StartsRunSegment(endpoint);
    default:
      return true;
  }
}

}  // namespace agentreplay::mocks
