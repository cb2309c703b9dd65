#include "llm/chat_client.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>

#include "json/json_text.h"
#include "llm/api_call.h"
#include "llm/chat_stream.h"
#include "sse/sse_decoder.h"

namespace agentreplay {
namespace {

void WriteMessage(json::Writer& w, const ChatMessage& message) {
  w.StartObject();
  json::Key(w, "role");
  json::String(w, message.role);
  if (message.role == "tool") {
    json::Key(w, "tool_call_id");
    json::String(w, message.tool_call_id);
  }
  json::Key(w, "content");
  if (message.content) {
    json::String(w, *message.content);
  } else {
    w.Null();
  }
  if (!message.tool_calls.empty()) {
    json::Key(w, "tool_calls");
    w.StartArray();
    for (const auto& call : message.tool_calls) {
      w.StartObject();
      json::Key(w, "id");
      json::String(w, call.call_id);
      json::Key(w, "type");
      json::String(w, "function");
      json::Key(w, "function");
      w.StartObject();
      json::Key(w, "name");
      json::String(w, call.name);
      json::Key(w, "arguments");
      json::String(w, call.arguments);
      w.EndObject();
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
}

// The API rejects an assistant message whose tool calls are not answered by the messages right
// after it. A turn that ended before its tool outputs were sent (an error, the tool-round
// limit) leaves such a message last; it has to go before anything else is said.
void DropUnansweredToolCalls(std::vector<ChatMessage>& conversation) {
  if (!conversation.empty() && conversation.back().role == "assistant" &&
      !conversation.back().tool_calls.empty()) {
    SPDLOG_DEBUG("chat: dropping {} tool call(s) the previous turn left unanswered",
                 conversation.back().tool_calls.size());
    conversation.pop_back();
  }
}

}  // namespace

ChatClient::ChatClient(LlmClientOptions options, LlmClientPorts ports)
    : options_(std::move(options)), ports_(ports) {
  if (options_.vector_store.attach) {
    // Once per process: every session of a matrix would otherwise repeat it.
    static std::once_flag warned;
    std::call_once(warned, [] {
      spdlog::warn(
          "chat: the Chat Completions API does not support tool_resources / file_search; "
          "falling back to no vector store");
    });
  }
}

std::string ChatClient::BuildBody(std::span<const ToolSpec> tools, size_t& schema_bytes) const {
  rapidjson::StringBuffer buffer;
  json::Writer w(buffer);
  w.StartObject();
  json::Key(w, "model");
  json::String(w, options_.model);
  json::Key(w, "messages");
  w.StartArray();
  // Stateless API: the instructions go out with every request, as the first message.
  if (!options_.instructions.empty()) {
    WriteMessage(w, ChatMessage{"system", options_.instructions, {}, {}});
  }
  for (const auto& message : conversation_) WriteMessage(w, message);
  w.EndArray();
  schema_bytes = 0;
  if (!tools.empty()) {
    json::Key(w, "tools");
    w.StartArray();
    for (const auto& tool : tools) schema_bytes += WriteToolSpec(w, buffer, tool, true);
    w.EndArray();
  }
  if (options_.stream) {
    json::Key(w, "stream");
    w.Bool(true);
    // Without it a stream carries no usage at all.
    json::Key(w, "stream_options");
    w.StartObject();
    json::Key(w, "include_usage");
    w.Bool(true);
    w.EndObject();
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Task<StepResult> ChatClient::StartTurn(std::string user_message, std::span<const ToolSpec> tools) {
  DropUnansweredToolCalls(conversation_);
  conversation_.push_back(ChatMessage{"user", std::move(user_message), {}, {}});
  co_return co_await Post(tools);
}

Task<StepResult> ChatClient::SubmitToolOutputs(std::vector<ToolOutput> outputs,
                                               std::span<const ToolSpec> tools) {
  // One tool message per output, in the order of the calls: outputs of tools run in parallel
  // may come back in any order.
  if (!conversation_.empty() && conversation_.back().role == "assistant") {
    const auto& calls = conversation_.back().tool_calls;
    const auto position = [&calls](const ToolOutput& out) {
      return std::find_if(calls.begin(), calls.end(),
                          [&out](const ToolCall& c) { return c.call_id == out.call_id; }) -
             calls.begin();
    };
    std::stable_sort(outputs.begin(), outputs.end(), [&](const ToolOutput& a, const ToolOutput& b) {
      return position(a) < position(b);
    });
  }
  for (auto& out : outputs) {
    conversation_.push_back(ChatMessage{"tool", std::move(out.output), {}, std::move(out.call_id)});
  }
  co_return co_await Post(tools);
}

Task<StepResult> ChatClient::RetryStep(std::span<const ToolSpec> tools) {
  // Chat is stateless: forgetting the assistant's last answer puts the conversation back
  // where that step began.
  if (!conversation_.empty() && conversation_.back().role == "assistant") conversation_.pop_back();
  co_return co_await Post(tools);
}

Task<StepResult> ChatClient::Post(std::span<const ToolSpec> tools) {
  size_t schema_bytes = 0;
  std::string body = BuildBody(tools, schema_bytes);
  HttpRequest request =
      MakeJsonRequest(options_, "POST", "/chat/completions", std::move(body), options_.stream);
  HttpResponse response = co_await ports_.transport.Send(std::move(request));
  if (auto err = co_await FailureOf(response)) co_return FailedStep(std::move(*err), schema_bytes);

  ChatStreamState state(ports_.sink, ports_.clock);
  if (!options_.stream) {
    rapidjson::Document doc;
    if (auto err = co_await ReadJsonObject(*response.body, response.status, doc)) {
      co_return FailedStep(std::move(*err), schema_bytes);
    }
    state.OnCompletionObject(doc);
  } else {
    auto broke = co_await ReadSse(
        *response.body, [&](const SseEvent& ev) { state.OnData(ev.data); },
        [&] { return state.complete(); });
    if (broke) {
      // After the finish_reason only the usage and [DONE] are missing: the step is complete.
      if (!state.finished()) co_return FailedStep(std::move(*broke), schema_bytes);
      SPDLOG_DEBUG("chat: the stream broke after the finish_reason ({}); accepted", broke->reason);
    }
    if (!state.finished()) {
      co_return FailedStep(
          Error{ErrorKind::kProtocol, "stream_truncated",
                "the stream ended before a finish_reason or [DONE]", response.status},
          schema_bytes);
    }
    if (!state.saw_done()) {
      SPDLOG_DEBUG("chat: no [DONE] (the body ended, or the usage ended the step); accepted");
    }
  }

  StepResult result = state.TakeResult();
  result.tool_schema_bytes = schema_bytes;
  if (result.outcome == StepResult::Outcome::kFailed) co_return result;
  // The assistant's message joins the history so later requests carry it.
  ChatMessage assistant{"assistant", std::nullopt, result.tool_calls, {}};
  if (!result.text.empty() || result.tool_calls.empty()) assistant.content = result.text;
  conversation_.push_back(std::move(assistant));
  co_return result;
}

}  // namespace agentreplay
