// Decodes what the Responses API sends back, streamed or whole, into AgentEvents and a
// StepResult. Pure: it sees decoded SSE events or a parsed response object, never sockets.
#pragma once

#include <rapidjson/document.h>

#include <map>
#include <set>
#include <string>
#include <string_view>

#include "llm/llm_client.h"
#include "sse/sse_decoder.h"

namespace agentreplay {

class ResponsesStreamState {
 public:
  ResponsesStreamState(EventSink& sink, const Clock& clock) : sink_(sink), clock_(clock) {}

  // One SSE event of a streamed response. Events after the terminal one are ignored;
  // unknown event types are logged at debug level and skipped. An `error` event fails the
  // step with its code and message, but only the terminal event after it ends the stream.
  void OnEvent(const SseEvent& event);
  // A whole (non-streamed) response object. One that ended early (incomplete, failed) still
  // delivers the text and reasoning it holds before the step fails.
  void OnResponseObject(const rapidjson::Value& response);

  // A terminal event arrived (completed, failed or incomplete), or the stream was unreadable:
  // nothing after it can change the step, so the rest of the body need not be read.
  bool terminal() const { return terminal_; }
  // An `error` event arrived: the step failed with its code and message, even if the stream
  // ends before the terminal event that should follow it.
  bool stream_error() const { return stream_error_; }
  const std::string& response_id() const { return response_id_; }
  StepResult TakeResult() { return std::move(result_); }

 private:
  struct PendingCall {
    std::string call_id;
    std::string name;
    std::string arguments;
  };

  void Emit(AgentEventType type, std::string text = {}, std::string call_id = {},
            std::string tool_name = {}, std::string detail = {});
  void Fail(ErrorKind kind, std::string reason, std::string message);
  void Complete(const rapidjson::Value& response);
  void FailFromResponse(const rapidjson::Value& response, std::string_view status);
  void AppendText(std::string_view message_id, std::string_view text);
  void OnErrorEvent(const rapidjson::Value& event);
  void OnReasoningDelta(const rapidjson::Value& event, std::string_view kind);
  void EmitReasoningOf(const rapidjson::Value& item);
  void OnItemAdded(const rapidjson::Value& item);
  void OnItemDone(const rapidjson::Value& item);
  void ReadUsage(const rapidjson::Value& response);

  EventSink& sink_;
  const Clock& clock_;
  StepResult result_;
  std::string response_id_;
  std::map<std::string, PendingCall> calls_by_item_;  // item id → call being streamed
  std::set<std::string> reasoning_streamed_;          // reasoning items that sent deltas
  std::string text_message_id_;                       // the message the last text came from
  bool terminal_ = false;
  bool stream_error_ = false;
};

}  // namespace agentreplay
