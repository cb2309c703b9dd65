// Decodes an Assistants API v2 run stream (the thread.* events of runs.create or
// submit_tool_outputs with stream=true) into AgentEvents and a StepResult. Pure: it sees
// decoded SSE events, never sockets, so the mock's tests can use it as well.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>

#include "llm/assistants_wire.h"
#include "llm/llm_client.h"
#include "sse/sse_decoder.h"

namespace agentreplay {

class AssistantsStreamState {
 public:
  AssistantsStreamState(EventSink& sink, const Clock& clock) : sink_(sink), clock_(clock) {}

  // One SSE event. Returns true when it was a run status event (thread.run.<status>), after
  // which the legacy handler listed the thread's messages. Events after the step's terminal
  // event are ignored; an unknown event type is delivered as an unrecognised_event. Run steps
  // with file_search or code_interpreter calls (run by the API) become hosted_tool events:
  // phase "added" (step created), "in_progress", "code_delta" (code_interpreter input
  // pieces), "completed", "failed", "cancelled", "expired".
  bool OnEvent(const SseEvent& event);

  // The step reached its end: requires_action, a terminal run status, or an error event.
  bool terminal() const { return terminal_; }
  // The stream's own end marker (`event: done`, `data: [DONE]`) arrived.
  bool done() const { return done_; }
  // The run the stream belongs to (from the thread.run.* events); empty before the first.
  const std::string& run_id() const { return run_id_; }
  StepResult TakeResult() { return std::move(result_); }

 private:
  struct PendingCall {
    std::string call_id;
    std::string name;
  };

  void Emit(AgentEventType type, std::string text = {}, std::string call_id = {},
            std::string tool_name = {});
  void Fail(ErrorKind kind, std::string reason, std::string message);
  void OnRunEvent(std::string_view status, const rapidjson::Value& data);
  void OnStepDelta(const rapidjson::Value& data);
  void OnHostedCalls(std::string_view event, const rapidjson::Value& step,
                     const rapidjson::Value& details);
  void OnHostedDelta(std::string_view step_id, const rapidjson::Value& call);
  void EmitHosted(std::string call_id, std::string_view tool, std::string phase, std::string text);
  void OnMessageDelta(const rapidjson::Value& data);
  void OnMessageCompleted(const rapidjson::Value& data);
  void OnErrorEvent(const rapidjson::Value& data);

  EventSink& sink_;
  const Clock& clock_;
  StepResult result_;
  std::string run_id_;
  std::map<std::string, PendingCall> calls_;  // "<step id>:<index>" → call being streamed
  std::set<std::string> started_call_ids_;    // calls already announced with tool_call_started
  std::set<std::string> messages_with_deltas_;
  std::map<std::string, std::string> hosted_ids_;  // "<step id>:<index>" → hosted call id
  bool terminal_ = false;
  bool done_ = false;
};

}  // namespace agentreplay
