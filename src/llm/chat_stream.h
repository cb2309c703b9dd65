// Decodes what the Chat Completions API sends back, streamed (chat.completion.chunk objects in
// SSE data lines, ended by `data: [DONE]`) or whole (a chat.completion object), into
// AgentEvents and a StepResult. Pure: it sees SSE data payloads or a parsed object, never
// sockets.
//
// Streams carry no event names and no lifecycle events, so the decoder derives them:
//   first chunk                  → status "in_progress" (the first bytes a UI can show)
//   choices                      → only the one with index 0 (by its `index`, not its place)
//   delta.reasoning_content      → reasoning_delta (compatible servers; OpenAI sends none)
//   delta.content (non-empty)    → text_delta
//   delta.tool_calls[i], first   → tool_call_started (id, type and name come only here)
//   function.arguments pieces    → tool_call_args_delta (non-empty pieces), concatenated
//   finish_reason stop/tool_calls→ text_done (when there was text), then tool_call_ready per
//                                  call in index order
//   finish_reason length/content_filter (or unknown) → failure kApi "finish_reason:<x>"
//   a chunk with `usage`         → Usage (it follows the finish chunk when include_usage is
//                                  set, also after an answer cut short)
//   {"error":{...}}              → failure kApi "stream_error:<code>"
//   [DONE]                       → the end; anything after it is ignored
// The stream has said everything (complete()) at [DONE], at a hard failure, or once the
// finish_reason and the usage are both in: a server may hold the body open after that.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "llm/llm_client.h"

namespace agentreplay {

class ChatStreamState {
 public:
  ChatStreamState(EventSink& sink, const Clock& clock) : sink_(sink), clock_(clock) {}

  // The payload of one SSE data line of a streamed completion.
  void OnData(std::string_view data);
  // A whole (non-streamed) chat.completion object.
  void OnCompletionObject(const rapidjson::Value& completion);

  // The step's outcome is known: a finish_reason arrived, or it failed, or [DONE] came.
  bool finished() const { return finished_; }
  // `data: [DONE]` arrived: the server ended the stream properly.
  bool saw_done() const { return saw_done_; }
  // Nothing more can change the step: [DONE], a failure that is final, or the finish_reason
  // with the usage that follows it. The rest of the body need not be read.
  bool complete() const {
    return saw_done_ || (result_.error && !cut_short_) || usage_after_finish_;
  }
  const std::string& completion_id() const { return completion_id_; }
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
  void FailFromErrorObject(const rapidjson::Value& error, std::string_view prefix);
  void OnChunk(const rapidjson::Value& chunk);
  void OnDelta(const rapidjson::Value& delta);
  void OnToolCallDelta(const rapidjson::Value& call);
  void EmitReasoning(std::string_view text);
  void AppendText(std::string_view text);
  void Finish(std::string_view finish_reason);
  void ReadUsage(const rapidjson::Value& holder);

  EventSink& sink_;
  const Clock& clock_;
  StepResult result_;
  std::string completion_id_;
  std::map<int64_t, PendingCall> calls_;  // by the delta's index: ready events go in this order
  bool started_ = false;                  // the first chunk has been seen
  bool finished_ = false;
  bool cut_short_ = false;  // failed by a finish_reason of length or content_filter
  // A usage chunk came after the finish_reason: the last chunk before [DONE]. (Servers that
  // send usage on every chunk are not done at the finish chunk itself.)
  bool usage_after_finish_ = false;
  bool saw_done_ = false;
};

}  // namespace agentreplay
