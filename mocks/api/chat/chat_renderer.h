// Renders a StepPlan in the Chat Completions wire format: the streamed chunks (SSE) or the
// non-streamed chat.completion object.
//
// Stream, per the recorded python-chat-*.sse bodies: one `data: {chunk}` line per
// chat.completion.chunk (no `event:` lines), compact JSON with the keys id, object, created,
// model, system_fingerprint, choices[{index, delta, logprobs, finish_reason}]:
//   first chunk, with the first output   delta {"role":"assistant","content":"","refusal":null}
//                                        or, when the step starts with a tool call,
//                                        {"role":"assistant","content":null}
//   per text delta                       {"content": piece}
//   per tool call k, with its first delta {"tool_calls":[{"index":k,"id","type":"function",
//                                        "function":{"name","arguments":""}}]}
//   per argument piece                   {"tool_calls":[{"index":k,"function":{"arguments"}}]}
//   at plan.end                          delta {} with finish_reason "stop" or "tool_calls";
//                                        then, with include_usage, a chunk with "choices":[]
//                                        and usage; then `data: [DONE]`.
// Nothing reaches the client before the first token: the API sends the role chunk together
// with the first generated token, so (unlike Responses) a chat stream shows no sign of life at
// response_start, only its headers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mocks/api/mock_response.h"
#include "mocks/model/step_planner.h"

namespace agentreplay::mocks {

struct ChatRenderContext {
  std::string completion_id;          // "chatcmpl-" + 29 alphanumerics
  std::vector<std::string> call_ids;  // one per plan output; empty for outputs that are not calls
  int64_t created = 0;
  std::string model;  // as the API reports it (see ReportedModel)
  std::string system_fingerprint;
  bool include_usage = false;  // stream_options.include_usage
  // One TimedChunk per distinct instant (cheap in the simulated world) instead of one per
  // chunk (how the real server flushes).
  bool group_same_instant = true;
};

// The model name the API reports: an alias resolves to its dated snapshot
// ("gpt-4o" → "gpt-4o-2024-08-06", as in the recordings); other names are echoed.
std::string ReportedModel(std::string_view model);

// "tool_calls" when the step calls tools, "stop" otherwise.
std::string_view FinishReason(const StepPlan& plan);

// The SSE body, as timed chunks (offsets from the request's send time).
std::vector<TimedChunk> RenderChatStream(const StepPlan& plan, const ChatRenderContext& context);

// The same body rendered chunk by chunk as it is pulled (the HTTP server's way). The source
// owns the plan and the context.
std::shared_ptr<ChunkSource> MakeChatStreamSource(StepPlan plan, ChatRenderContext context);

// The chat.completion object, pretty-printed like the API's non-streamed bodies.
std::string RenderChatCompletion(const StepPlan& plan, const ChatRenderContext& context);

}  // namespace agentreplay::mocks
