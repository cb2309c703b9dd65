// Decodes what the Responses API sends back, streamed or whole, into AgentEvents and a
// StepResult. Pure: it sees decoded SSE events or a parsed response object, never sockets.
#pragma once

#include <rapidjson/document.h>

#include <map>
#include <string>

#include "llm/llm_client.h"
#include "sse/sse_decoder.h"

namespace agentreplay {

class ResponsesStreamState {
 public:
  ResponsesStreamState(EventSink& sink, const Clock& clock) : sink_(sink), clock_(clock) {}

  // One SSE event of a streamed response. Events after the terminal one are ignored;
  // unknown event types are logged at debug level and skipped.
  void OnEvent(const SseEvent& event);
  // A whole (non-streamed) response object.
  void OnResponseObject(const rapidjson::Value& response);

  // A terminal event arrived (completed, failed, incomplete or error).
  bool terminal() const { return terminal_; }
  const std::string& response_id() const { return response_id_; }
  StepResult TakeResult() { return std::move(result_); }

 private:
  struct PendingCall {
    std::string call_id;
    std::string name;
    std::string arguments;
  };

  void Emit(AgentEventType type, std::string text = {}, std::string call_id = {},
            std::string tool_name = {});
  void Fail(ErrorKind kind, std::string reason, std::string message);
  void Complete(const rapidjson::Value& response);
  void FailFromResponse(const rapidjson::Value& response, std::string_view status);
  void OnItemAdded(const rapidjson::Value& item);
  void OnItemDone(const rapidjson::Value& item);
  void ReadUsage(const rapidjson::Value& response);

  EventSink& sink_;
  const Clock& clock_;
  StepResult result_;
  std::string response_id_;
  std::map<std::string, PendingCall> calls_by_item_;  // item id → call being streamed
  bool terminal_ = false;
};

}  // namespace agentreplay
