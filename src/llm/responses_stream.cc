#include "llm/responses_stream.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <string_view>

#include "json/json_text.h"

namespace agentreplay {

void ResponsesStreamState::Emit(AgentEventType type, std::string text, std::string call_id,
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

void ResponsesStreamState::Fail(ErrorKind kind, std::string reason, std::string message) {
  terminal_ = true;
  result_.outcome = StepResult::Outcome::kFailed;
  result_.error = Error{kind, std::move(reason), std::move(message), 0};
}

void ResponsesStreamState::OnEvent(const SseEvent& event) {
  if (terminal_) return;
  rapidjson::Document doc;
  if (auto parsed = json::Parse(event.data, doc); !parsed || !doc.IsObject()) {
    Fail(ErrorKind::kProtocol, "bad_event_json",
         fmt::format("event '{}' carries data that is not a JSON object: {}", event.type,
                     (parsed ? std::string("not an object") : parsed.error())));
    return;
  }
  // The data's own type is authoritative; the SSE event name is the fallback.
  std::string_view type = json::GetString(doc, "type", event.type);
  // After an `error` event only the terminal event that follows it is still read: it carries
  // the usage, and it is what ends the stream.
  if (stream_error_ && type != "response.completed" && type != "response.failed" &&
      type != "response.incomplete") {
    return;
  }

  // A refusal replaces the answer; it is what a UI shows, so it counts as text.
  if (type == "response.output_text.delta" || type == "response.refusal.delta") {
    AppendText(json::GetString(doc, "item_id"), json::GetString(doc, "delta"));
  } else if (type == "response.function_call_arguments.delta") {
    auto it = calls_by_item_.find(std::string(json::GetString(doc, "item_id")));
    if (it != calls_by_item_.end()) {
      const auto delta = json::GetString(doc, "delta");
      it->second.arguments.append(delta);
      Emit(AgentEventType::kToolCallArgsDelta, std::string(delta), it->second.call_id,
           it->second.name);
    }
  } else if (type == "response.output_item.added") {
    if (const auto* item = json::GetObject(doc, "item")) OnItemAdded(*item);
  } else if (type == "response.output_item.done") {
    if (const auto* item = json::GetObject(doc, "item")) OnItemDone(*item);
  } else if (type == "response.output_text.done") {
    Emit(AgentEventType::kTextDone, std::string(json::GetString(doc, "text")));
  } else if (type == "response.refusal.done") {
    Emit(AgentEventType::kTextDone, std::string(json::GetString(doc, "refusal")));
  } else if (type == "response.reasoning_summary_text.delta") {
    OnReasoningDelta(doc, "summary");
  } else if (type == "response.reasoning_text.delta") {
    OnReasoningDelta(doc, "text");
  } else if (type == "response.created" || type == "response.in_progress" ||
             type == "response.queued") {
    if (const auto* response = json::GetObject(doc, "response")) {
      if (response_id_.empty()) response_id_ = json::GetString(*response, "id");
    }
    Emit(AgentEventType::kStatus, std::string(type.substr(std::string_view("response.").size())));
  } else if (type == "response.completed") {
    const auto* response = json::GetObject(doc, "response");
    if (response == nullptr) {
      Fail(ErrorKind::kProtocol, "bad_event", "response.completed without a response object");
      return;
    }
    Complete(*response);
  } else if (type == "response.failed" || type == "response.incomplete") {
    const auto* response = json::GetObject(doc, "response");
    const std::string_view status = type == "response.failed" ? "failed" : "incomplete";
    if (response != nullptr) {
      FailFromResponse(*response, status);
    } else {
      Fail(ErrorKind::kApi, fmt::format("response_{}:unknown", status), "response ended early");
    }
  } else if (type == "error") {
    OnErrorEvent(doc);
  } else if (type.starts_with("response.file_search_call.") ||
             type == "response.content_part.added" || type == "response.content_part.done" ||
             type == "response.function_call_arguments.done" ||
             type == "response.output_text.annotation.added" ||
             type == "response.reasoning_summary_part.added" ||
             type == "response.reasoning_summary_part.done" ||
             type == "response.reasoning_summary_text.done" ||
             type == "response.reasoning_text.done") {
    // Carry nothing the agent needs beyond what the item and delta events already gave.
  } else {
    SPDLOG_DEBUG("responses: skipping unknown event type '{}'", type);
  }
}

void ResponsesStreamState::AppendText(std::string_view message_id, std::string_view text) {
  if (text.empty()) return;
  // One response can say several messages (a commentary, then the answer); in the step's
  // text they stay apart as paragraphs instead of running into each other.
  if (!result_.text.empty() && message_id != text_message_id_) result_.text += "\n\n";
  text_message_id_ = message_id;
  result_.text.append(text);
  Emit(AgentEventType::kTextDelta, std::string(text));
}

void ResponsesStreamState::OnErrorEvent(const rapidjson::Value& event) {
  // The API documents code and message on the event itself, but streams also carry them in a
  // nested `error` object (with `code` null for some server errors): read each field from the
  // nested object first, then from the event, and name a null code by the error's type.
  const rapidjson::Value* nested = json::GetObject(event, "error");
  auto field = [&](std::string_view key) {
    std::string_view value = nested != nullptr ? json::GetString(*nested, key) : std::string_view();
    return value.empty() ? json::GetString(event, key) : value;
  };
  std::string_view code = field("code");
  if (code.empty()) code = field("type");
  if (code.empty() || code == "error") code = "unknown";
  std::string_view message = field("message");
  stream_error_ = true;
  result_.outcome = StepResult::Outcome::kFailed;
  result_.tool_calls.clear();
  result_.error = Error{ErrorKind::kApi, fmt::format("stream_error:{}", code),
                        std::string(message.empty() ? "error event in stream" : message), 0};
}

void ResponsesStreamState::OnReasoningDelta(const rapidjson::Value& event, std::string_view kind) {
  const auto delta = json::GetString(event, "delta");
  if (delta.empty()) return;
  reasoning_streamed_.insert(std::string(json::GetString(event, "item_id")));
  Emit(AgentEventType::kReasoningDelta, std::string(delta), {}, {}, std::string(kind));
}

void ResponsesStreamState::EmitReasoningOf(const rapidjson::Value& item) {
  // What a reasoning item says when no delta said it (a whole response, or a stream that sent
  // the item without deltas): its summary parts, then its raw reasoning text.
  const std::string id(json::GetString(item, "id"));
  if (!id.empty() && reasoning_streamed_.count(id) != 0) return;
  for (const auto& [key, kind] : {std::pair{"summary", "summary"}, std::pair{"content", "text"}}) {
    const auto* parts = json::GetArray(item, key);
    if (parts == nullptr) continue;
    for (const auto& part : parts->GetArray()) {
      const auto text = json::GetString(part, "text");
      if (!text.empty()) Emit(AgentEventType::kReasoningDelta, std::string(text), {}, {}, kind);
    }
  }
}

void ResponsesStreamState::OnItemAdded(const rapidjson::Value& item) {
  if (json::GetString(item, "type") == "file_search_call") {
    // The API runs the search; the UI shows it as tool activity.
    Emit(AgentEventType::kToolExecutionStarted, {}, std::string(json::GetString(item, "id")),
         "file_search");
    return;
  }
  if (json::GetString(item, "type") != "function_call") return;
  PendingCall call{std::string(json::GetString(item, "call_id")),
                   std::string(json::GetString(item, "name")),
                   std::string(json::GetString(item, "arguments"))};
  Emit(AgentEventType::kToolCallStarted, {}, call.call_id, call.name);
  calls_by_item_[std::string(json::GetString(item, "id"))] = std::move(call);
}

void ResponsesStreamState::OnItemDone(const rapidjson::Value& item) {
  if (json::GetString(item, "type") == "reasoning") {
    EmitReasoningOf(item);
    return;
  }
  if (json::GetString(item, "type") == "file_search_call") {
    result_.used_file_search = true;
    Emit(AgentEventType::kToolExecutionCompleted, {}, std::string(json::GetString(item, "id")),
         "file_search");
    return;
  }
  if (json::GetString(item, "type") != "function_call") return;
  ToolCall call;
  call.call_id = json::GetString(item, "call_id");
  call.name = json::GetString(item, "name");
  call.arguments = json::GetString(item, "arguments");
  calls_by_item_.erase(std::string(json::GetString(item, "id")));
  Emit(AgentEventType::kToolCallReady, call.arguments, call.call_id, call.name);
  result_.tool_calls.push_back(std::move(call));
}

void ResponsesStreamState::ReadUsage(const rapidjson::Value& response) {
  if (const auto* usage = json::GetObject(response, "usage")) {
    result_.usage.input_tokens = json::GetInt(*usage, "input_tokens");
    result_.usage.output_tokens = json::GetInt(*usage, "output_tokens");
    result_.usage.reported = true;
  }
}

void ResponsesStreamState::Complete(const rapidjson::Value& response) {
  if (response_id_.empty()) response_id_ = json::GetString(response, "id");
  ReadUsage(response);
  terminal_ = true;
  if (stream_error_) return;  // the error event already decided the outcome
  result_.outcome = result_.tool_calls.empty() ? StepResult::Outcome::kCompleted
                                               : StepResult::Outcome::kToolCalls;
  Emit(AgentEventType::kStatus, "completed");
}

void ResponsesStreamState::FailFromResponse(const rapidjson::Value& response,
                                            std::string_view status) {
  ReadUsage(response);
  if (stream_error_) {
    // The error event before it said what went wrong, more precisely than this summary does.
    terminal_ = true;
    return;
  }
  std::string code = "unknown";
  std::string message = fmt::format("response {}", status);
  if (const auto* e = json::GetObject(response, "error")) {
    code = json::GetString(*e, "code", "unknown");
    message = json::GetString(*e, "message", message);
  } else if (const auto* d = json::GetObject(response, "incomplete_details")) {
    code = json::GetString(*d, "reason", "unknown");
  }
  Fail(ErrorKind::kApi, fmt::format("response_{}:{}", status, code), std::move(message));
}

void ResponsesStreamState::OnResponseObject(const rapidjson::Value& response) {
  if (response_id_.empty()) response_id_ = json::GetString(response, "id");
  const auto status = json::GetString(response, "status");
  const bool ended_early = status == "failed" || status == "incomplete" || status == "cancelled";
  // A whole response: replay its output as the events a stream would have produced. One that
  // ended early still shows what it produced (the text cut off at max_output_tokens), as its
  // stream would have; its tool calls are not ready to run, so they are left out.
  if (const auto* output = json::GetArray(response, "output")) {
    for (const auto& item : output->GetArray()) {
      const auto type = json::GetString(item, "type");
      if (type == "reasoning") {
        OnItemDone(item);
      } else if (ended_early && type != "message") {
        continue;
      } else if (type == "file_search_call") {
        OnItemAdded(item);
        OnItemDone(item);
      } else if (type == "function_call") {
        Emit(AgentEventType::kToolCallStarted, {}, std::string(json::GetString(item, "call_id")),
             std::string(json::GetString(item, "name")));
        OnItemDone(item);
      } else if (type == "message") {
        const auto* content = json::GetArray(item, "content");
        if (content == nullptr) continue;
        for (const auto& part : content->GetArray()) {
          const auto part_type = json::GetString(part, "type");
          if (part_type != "output_text" && part_type != "refusal") continue;
          const auto text = json::GetString(part, part_type == "refusal" ? "refusal" : "text");
          AppendText(json::GetString(item, "id"), text);
          Emit(AgentEventType::kTextDone, std::string(text));
        }
      }
    }
  }
  if (ended_early) {
    FailFromResponse(response, status);
    return;
  }
  Complete(response);
}

}  // namespace agentreplay
