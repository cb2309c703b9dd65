// The Assistants API v2 objects the client reads (runs, message lists), reduced to what the
// agent needs. Shared by the polling path (whole run objects from GET) and the stream
// decoder (run objects inside thread.run.* events), so both judge a run the same way.
#pragma once

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llm/api_call.h"
#include "llm/llm_client.h"

namespace agentreplay {

// Where a run stands, as far as the agent's step is concerned.
enum class RunPhase {
  kWaiting,         // queued, in_progress, cancelling (or a status this client does not know)
  kRequiresAction,  // the model wants tool outputs: the step ends with tool calls
  kCompleted,
  kFailed,  // failed, cancelled, expired, incomplete
};

RunPhase PhaseOfStatus(std::string_view status);

// A run that still occupies its thread (the API refuses a new run while one is open).
bool IsOpenRunStatus(std::string_view status);

struct RunSnapshot {
  std::string id;
  std::string status;
  // required_action.submit_tool_outputs.tool_calls; authoritative for the step's calls.
  std::vector<ToolCall> required_calls;
  bool has_required_action = false;
  // The run's usage. The API fills it only once the run has ended, and then it covers the
  // whole run (every step), which is why the client reads it only at the end of a run.
  Usage usage;
  std::string last_error_code;
  std::string last_error_message;
  std::string incomplete_reason;
};

// Reads a thread.run object. Returns false when `run` is not an object with id and status.
bool ParseRun(const rapidjson::Value& run, RunSnapshot& out);

// The step error for a run that ended without completing (phase kFailed):
// "run_failed:<code>", "run_cancelled", "run_expired", "run_incomplete:<reason>".
Error RunFailureError(const RunSnapshot& run);

// The newest assistant message of `run_id` in a messages.list answer, reduced to what the
// step needs.
struct AssistantAnswer {
  std::string text;          // its text parts' values, joined
  bool cites_files = false;  // a file_citation annotation: file_search found something
};

// Reads data in the API's default newest-first order. Messages that name another run are
// skipped so an earlier turn's answer is never taken for this one.
std::optional<AssistantAnswer> NewestAssistantAnswer(const rapidjson::Value& list,
                                                     std::string_view run_id);

// The text parts of a thread.message object's content, joined.
std::string MessageText(const rapidjson::Value& message);

// True when a text part of the message carries a file_citation annotation (the only trace a
// polled run leaves of file_search without listing its steps).
bool MessageCitesFiles(const rapidjson::Value& message);

// True when run step details (step_details of a run step or of its delta) hold a
// file_search tool call.
bool StepSearchesFiles(const rapidjson::Value& step_details);

// FailedStep (a kFailed step carrying an error) is shared with the other runtimes: api_call.h.

// Delivers one AgentEvent stamped with the clock's current time.
void EmitAgentEvent(EventSink& sink, const Clock& clock, AgentEventType type, std::string text = {},
                    std::string call_id = {}, std::string tool_name = {});

}  // namespace agentreplay
