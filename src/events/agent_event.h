// AgentEvent: the runtime-neutral stream a UI renders, as plain data.
#pragma once

#include <string>
#include <string_view>

#include "core/time.h"

namespace agentreplay {

enum class AgentEventType {
  kStatus,                  // text: created / queued / in_progress / requires_action / ...
  kTextDelta,               // text: the delta; detail: "commentary" for a commentary message
  kTextDone,                // text: the whole text of the message; detail: as kTextDelta
  kReasoningDelta,          // text: the delta; detail: "summary" or "text" (raw reasoning)
  kToolCallStarted,         // call_id, tool_name
  kToolCallArgsDelta,       // call_id, text: the arguments delta
  kToolCallReady,           // call_id, tool_name, text: the complete arguments
  kToolExecutionStarted,    // call_id, tool_name
  kToolExecutionProgress,   // call_id, text: progress note
  kToolExecutionCompleted,  // call_id, tool_name, text: the output
  kToolExecutionFailed,     // call_id, tool_name, text: the error output
  // A tool the API runs itself (web_search, file_search, code_interpreter, mcp_call, ...), or
  // a client-side call of a kind the agent cannot run (local_shell, shell, ...): call_id: the
  // item or tool call id; tool_name: the tool; detail: the phase ("added", "in_progress",
  // "searching", "interpreting", "generating", "code_delta", "completed", "failed", ...);
  // text: what the phase says, when anything (a query, a code delta, a partial image index).
  kHostedToolActivity,
  // A stream event the core does not know, so that nothing a stream announces is dropped
  // unseen: text: the event's type; detail: the runtime. Not renderable.
  kUnrecognisedEvent,
  kTurnCompleted,  // text: the final answer
  kError,          // detail: reason code, text: message
};

// Stable snake_case name, e.g. "text_delta"; used in logs, results and tests.
std::string_view AgentEventTypeName(AgentEventType type);

// True for the events a UI can render, which is what ttfs_ms waits for.
bool IsRenderable(AgentEventType type);

struct AgentEvent {
  AgentEventType type = AgentEventType::kStatus;
  TimePoint at{};
  std::string text;
  std::string call_id;
  std::string tool_name;
  std::string detail;
};

}  // namespace agentreplay
