// Decodes what the Responses API sends back, streamed or whole, into AgentEvents and a
// StepResult. Pure: it sees decoded SSE events or a parsed response object, never sockets.
//
// Nothing a stream announces is dropped unseen: function and custom tool calls become tool
// calls, messages text (a message whose `phase` is "commentary" is delivered with detail
// "commentary" and kept out of the step's answer), reasoning reasoning_delta, hosted tools
// (responses_hosted.h) hosted_tool events, and an event type this decoder does not know an
// unrecognised_event. Custom tool calls (`custom_tool_call`) are client-side calls like
// function calls: the model waits for their output, so the step ends with them and the client
// answers them with `custom_tool_call_output`.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "llm/llm_client.h"
#include "sse/sse_decoder.h"

namespace agentreplay {

class ResponsesStreamState {
 public:
  ResponsesStreamState(EventSink& sink, const Clock& clock) : sink_(sink), clock_(clock) {}

  // One SSE event of a streamed response. Events after the terminal one are ignored, and so
  // are events of a resumed stream that were read before it broke. An `error` event fails
  // the step with its code and message, but only the terminal event after it ends the stream.
  void OnEvent(const SseEvent& event);
  // The stream broke and is read again from after last_sequence_number(): an event at or
  // before it is one already read, whatever the server sends again.
  void BeginResume() { resumed_after_ = last_sequence_; }
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
  // The sequence_number of the last event read; nullopt before any event that carries one.
  // A background response's stream resumes after it (GET .../responses/{id}?stream=true
  // &starting_after=N).
  std::optional<int64_t> last_sequence_number() const { return last_sequence_; }
  // Call ids of the step's custom tool calls, answered with custom_tool_call_output.
  const std::set<std::string>& custom_call_ids() const { return custom_call_ids_; }
  StepResult TakeResult() { return std::move(result_); }

 private:
  struct PendingCall {
    std::string call_id;
    std::string name;
    std::string arguments;
  };
  // A message item's `phase`, by item id: commentary stays out of the answer.
  bool IsCommentary(std::string_view message_id) const {
    return commentary_items_.contains(std::string(message_id));
  }

  void Emit(AgentEventType type, std::string text = {}, std::string call_id = {},
            std::string tool_name = {}, std::string detail = {});
  void Fail(ErrorKind kind, std::string reason, std::string message);
  void Complete(const rapidjson::Value& response);
  void FailFromResponse(const rapidjson::Value& response, std::string_view status);
  void AppendText(std::string_view message_id, std::string_view text);
  void TextDone(std::string_view message_id, std::string_view text);
  void OnHostedEvent(std::string_view type, const rapidjson::Value& event);
  void EmitHostedItem(const rapidjson::Value& item, bool done);
  bool IsKnownQuietEvent(std::string_view type) const;
  void OnErrorEvent(const rapidjson::Value& event);
  void OnReasoningDelta(const rapidjson::Value& event, std::string_view kind);
  void EmitReasoningOf(const rapidjson::Value& item);
  void OnItemAdded(const rapidjson::Value& item);
  void OnItemDone(const rapidjson::Value& item);
  void OnWholeItem(const rapidjson::Value& item, bool ended_early);
  void ReadUsage(const rapidjson::Value& response);

  EventSink& sink_;
  const Clock& clock_;
  StepResult result_;
  std::string response_id_;
  std::map<std::string, PendingCall> calls_by_item_;  // item id → call being streamed
  std::set<std::string> reasoning_streamed_;          // reasoning items that sent deltas
  std::set<std::string> commentary_items_;            // messages with phase "commentary"
  std::set<std::string> custom_call_ids_;
  std::map<int64_t, std::string> items_by_index_;  // output_index → item id
  std::optional<int64_t> last_sequence_;
  std::optional<int64_t> resumed_after_;  // set once a broken stream is resumed
  std::string text_message_id_;           // the message the last text came from
  bool terminal_ = false;
  bool stream_error_ = false;
};

}  // namespace agentreplay
