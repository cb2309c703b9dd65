#include "events/agent_event.h"

namespace agentreplay {

std::string_view AgentEventTypeName(AgentEventType type) {
  switch (type) {
    case AgentEventType::kStatus:
      return "status";
    case AgentEventType::kTextDelta:
      return "text_delta";
    case AgentEventType::kTextDone:
      return "text_done";
    case AgentEventType::kReasoningDelta:
      return "reasoning_delta";
    case AgentEventType::kToolCallStarted:
      return "tool_call_started";
    case AgentEventType::kToolCallArgsDelta:
      return "tool_call_args_delta";
    case AgentEventType::kToolCallReady:
      return "tool_call_ready";
    case AgentEventType::kToolExecutionStarted:
      return "tool_execution_started";
    case AgentEventType::kToolExecutionProgress:
      return "tool_execution_progress";
    case AgentEventType::kToolExecutionCompleted:
      return "tool_execution_completed";
    case AgentEventType::kToolExecutionFailed:
      return "tool_execution_failed";
    case AgentEventType::kHostedToolActivity:
      return "hosted_tool";
    case AgentEventType::kUnrecognisedEvent:
      return "unrecognised_event";
    case AgentEventType::kTurnCompleted:
      return "turn_completed";
    case AgentEventType::kError:
      return "error";
  }
  return "error";
}

bool IsRenderable(AgentEventType type) {
  // Everything a UI shows: status, text, reasoning and tool activity, hosted tools included (a
  // UI shows "Searching the web..."). turn_completed and error also render, but counting them
  // would make a failed turn look responsive; an unrecognised event has nothing to show.
  return type != AgentEventType::kTurnCompleted && type != AgentEventType::kError &&
         type != AgentEventType::kUnrecognisedEvent;
}

}  // namespace agentreplay
