#include "llm/chat_stream.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "json/json_text.h"

namespace agentreplay {
namespace {

// The choice with index 0, wherever the array holds it: with n > 1 every chunk carries some
// other choice, so the position says nothing. The client never asks for n > 1; choices of
// other completions are not the agent's answer and are skipped. A choice without an index is
// taken for 0, as some compatible servers leave it out.
const rapidjson::Value* ChoiceZero(const rapidjson::Value& holder) {
  const auto* choices = json::GetArray(holder, "choices");
  if (choices == nullptr) return nullptr;
  for (const auto& choice : choices->GetArray()) {
    if (choice.IsObject() && json::GetInt(choice, "index", 0) == 0) return &choice;
  }
  return nullptr;
}

}  // namespace

void ChatStreamState::Emit(AgentEventType type, std::string text, std::string call_id,
                           std::string tool_name, std::string detail) {
  AgentEvent ev;
  ev.type = type;
  ev.at = clock_.Now();
  ev.text = std::move(text);
  ev.call_id = std::move(call_id);
  ev.tool_name = std::move(tool_name);
  ev.detail = std::move(detail);
  sink_.OnEvent(ev);
}

void ChatStreamState::Fail(ErrorKind kind, std::string reason, std::string message) {
  finished_ = true;
  result_.outcome = StepResult::Outcome::kFailed;
  result_.tool_calls.clear();
  result_.error = Error{kind, std::move(reason), std::move(message), 0};
}

void ChatStreamState::FailFromErrorObject(const rapidjson::Value& error, std::string_view prefix) {
  // The code is often null (server_error); the type is then the most specific thing there is.
  std::string_view code = json::GetString(error, "code");
  if (code.empty()) code = json::GetString(error, "type", "unknown");
  Fail(ErrorKind::kApi, fmt::format("{}:{}", prefix, code),
       std::string(json::GetString(error, "message", "error in the response")));
}

void ChatStreamState::OnData(std::string_view data) {
  // A failed step stays failed, and nothing follows [DONE]. An answer cut short (length,
  // content_filter) is failed too, but the usage chunk after it still counts its tokens.
  if (saw_done_ || (result_.error && !cut_short_)) return;
  if (data == "[DONE]") {
    saw_done_ = true;
    if (!finished_) {
      // Some OpenAI-compatible servers end without a finish_reason; what the model produced is
      // still complete, so the outcome follows from it.
      SPDLOG_DEBUG("chat: [DONE] without a finish_reason; inferring it");
      Finish(calls_.empty() ? "stop" : "tool_calls");
    }
    return;
  }
  rapidjson::Document doc;
  if (auto parsed = json::Parse(data, doc); !parsed || !doc.IsObject()) {
    Fail(ErrorKind::kProtocol, "bad_chunk_json",
         fmt::format("a data line is not a JSON object: {}",
                     (parsed ? std::string("not an object") : parsed.error())));
    return;
  }
  if (const auto* error = json::GetObject(doc, "error")) {
    cut_short_ = false;
    FailFromErrorObject(*error, "stream_error");
    return;
  }
  OnChunk(doc);
}

void ChatStreamState::OnChunk(const rapidjson::Value& chunk) {
  if (!started_) {
    started_ = true;
    completion_id_ = json::GetString(chunk, "id");
    // Chat streams have no lifecycle events; the first chunk is the first sign of life.
    Emit(AgentEventType::kStatus, "in_progress");
  }
  ReadUsage(chunk);
  const auto* choice = ChoiceZero(chunk);
  if (choice == nullptr) return;  // the usage chunk has no choices
  if (finished_) {
    SPDLOG_DEBUG("chat: ignoring a choice delta after the finish_reason");
    return;
  }
  if (const auto* delta = json::GetObject(*choice, "delta")) OnDelta(*delta);
  const auto reason = json::GetString(*choice, "finish_reason");
  if (!reason.empty()) Finish(reason);
}

void ChatStreamState::OnDelta(const rapidjson::Value& delta) {
  // OpenAI's Chat Completions stream no reasoning; compatible servers for reasoning models
  // (vLLM, DeepSeek) send it as reasoning_content before the answer.
  EmitReasoning(json::GetString(delta, "reasoning_content"));
  AppendText(json::GetString(delta, "content"));
  // A refusal replaces the answer; it is what a UI shows, so it counts as text.
  AppendText(json::GetString(delta, "refusal"));
  if (const auto* calls = json::GetArray(delta, "tool_calls")) {
    for (const auto& call : calls->GetArray()) {
      if (call.IsObject()) OnToolCallDelta(call);
    }
  }
}

void ChatStreamState::EmitReasoning(std::string_view text) {
  if (!text.empty()) Emit(AgentEventType::kReasoningDelta, std::string(text), {}, {}, "text");
}

void ChatStreamState::AppendText(std::string_view text) {
  if (text.empty()) return;  // the first chunk's "" is no text
  result_.text.append(text);
  Emit(AgentEventType::kTextDelta, std::string(text));
}

void ChatStreamState::OnToolCallDelta(const rapidjson::Value& call) {
  const int64_t index = json::GetInt(call, "index", 0);
  const auto* function = json::GetObject(call, "function");
  auto [it, first] = calls_.try_emplace(index);
  PendingCall& pending = it->second;
  // id and name arrive in the first delta of an index only; keep them if a server repeats them.
  if (const auto id = json::GetString(call, "id"); !id.empty()) pending.call_id = id;
  if (function != nullptr) {
    if (const auto name = json::GetString(*function, "name"); !name.empty()) pending.name = name;
  }
  if (first) Emit(AgentEventType::kToolCallStarted, {}, pending.call_id, pending.name);
  if (function == nullptr) return;
  const auto piece = json::GetString(*function, "arguments");
  if (piece.empty()) return;
  pending.arguments.append(piece);
  Emit(AgentEventType::kToolCallArgsDelta, std::string(piece), pending.call_id, pending.name);
}

void ChatStreamState::Finish(std::string_view finish_reason) {
  finished_ = true;
  if (finish_reason != "stop" && finish_reason != "tool_calls") {
    // length and content_filter cut the answer short: what arrived is not an answer.
    cut_short_ = true;
    Fail(ErrorKind::kApi, fmt::format("finish_reason:{}", finish_reason),
         fmt::format("the model stopped with finish_reason '{}'", finish_reason));
    return;
  }
  if (!result_.text.empty()) Emit(AgentEventType::kTextDone, result_.text);
  // Decided by the calls, not the reason: a forced tool_choice finishes with "stop" although
  // the message carries tool calls, and those still have to run.
  for (auto& [index, pending] : calls_) {
    Emit(AgentEventType::kToolCallReady, pending.arguments, pending.call_id, pending.name);
    result_.tool_calls.push_back(ToolCall{std::move(pending.call_id), std::move(pending.name),
                                          std::move(pending.arguments)});
  }
  calls_.clear();
  result_.outcome = result_.tool_calls.empty() ? StepResult::Outcome::kCompleted
                                               : StepResult::Outcome::kToolCalls;
}

void ChatStreamState::ReadUsage(const rapidjson::Value& holder) {
  const auto* usage = json::GetObject(holder, "usage");
  if (usage == nullptr) return;  // absent, or null on the chunks before the usage chunk
  usage_after_finish_ = finished_;
  result_.usage.input_tokens = json::GetInt(*usage, "prompt_tokens");
  result_.usage.output_tokens = json::GetInt(*usage, "completion_tokens");
  result_.usage.reported = true;
}

void ChatStreamState::OnCompletionObject(const rapidjson::Value& completion) {
  if (const auto* error = json::GetObject(completion, "error")) {
    FailFromErrorObject(*error, "api_error");
    return;
  }
  completion_id_ = json::GetString(completion, "id");
  ReadUsage(completion);
  const auto* choice = ChoiceZero(completion);
  const auto* message = choice != nullptr ? json::GetObject(*choice, "message") : nullptr;
  if (message == nullptr) {
    Fail(ErrorKind::kProtocol, "bad_response_json", "chat.completion without choices[0].message");
    return;
  }
  // A whole message: replay it as the events a stream would have produced.
  EmitReasoning(json::GetString(*message, "reasoning_content"));
  AppendText(json::GetString(*message, "content"));
  AppendText(json::GetString(*message, "refusal"));
  if (const auto* calls = json::GetArray(*message, "tool_calls")) {
    int64_t index = 0;
    for (const auto& call : calls->GetArray()) {
      if (!call.IsObject()) continue;
      PendingCall pending;
      pending.call_id = json::GetString(call, "id");
      if (const auto* function = json::GetObject(call, "function")) {
        pending.name = json::GetString(*function, "name");
        pending.arguments = json::GetString(*function, "arguments");
      }
      Emit(AgentEventType::kToolCallStarted, {}, pending.call_id, pending.name);
      calls_[index++] = std::move(pending);
    }
  }
  const auto reason = json::GetString(*choice, "finish_reason");
  Finish(reason.empty() ? (calls_.empty() ? "stop" : "tool_calls") : reason);
}

}  // namespace agentreplay
