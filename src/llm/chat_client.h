// The `chat` runtime: POST /chat/completions, streamed or not. Chat Completions is stateless,
// so the client keeps the conversation and sends all of it every time: the user messages, each
// assistant message (with its tool_calls), and one role=tool message per tool output.
//
// What a call says (the user message, the tool outputs) stays in the conversation even when
// the request fails: the next turn must still see it, or the model (and the mock, which places
// a request in its script by counting messages) would be a turn behind. Calls are therefore
// not idempotent; retries belong to the transport (RetryingTransport re-sends the request).
//
// Chat has no file_search: with the vector store package on, the client logs once that it
// falls back to no vector store, and never sends one.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "llm/llm_client.h"

namespace agentreplay {

// One message of the conversation, as the client will send it.
struct ChatMessage {
  std::string role;                    // "user", "assistant" or "tool"
  std::optional<std::string> content;  // null for an assistant message with only tool calls
  std::vector<ToolCall> tool_calls;    // assistant messages
  std::string tool_call_id;            // tool messages
};

class ChatClient : public LlmClient {
 public:
  ChatClient(LlmClientOptions options, LlmClientPorts ports);

  Task<StepResult> StartTurn(std::string user_message, std::span<const ToolSpec> tools) override;
  Task<StepResult> SubmitToolOutputs(std::vector<ToolOutput> outputs,
                                     std::span<const ToolSpec> tools) override;
  Task<StepResult> RetryStep(std::span<const ToolSpec> tools) override;

  // Everything said so far, without the system message (that one comes from the options).
  const std::vector<ChatMessage>& conversation() const { return conversation_; }

 private:
  std::string BuildBody(std::span<const ToolSpec> tools, size_t& schema_bytes) const;
  // Sends the conversation; on success appends the assistant's message to it.
  Task<StepResult> Post(std::span<const ToolSpec> tools);

  LlmClientOptions options_;
  LlmClientPorts ports_;
  std::vector<ChatMessage> conversation_;
};

}  // namespace agentreplay
