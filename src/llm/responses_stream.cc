#include "llm/responses_stream.h"

#include <fmt/format.h>

#include <string_view>

#include "json/json_text.h"
#include "llm/api_call.h"
#include "llm/responses_hosted.h"

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
  if (const auto* seq = json::Member(doc, "sequence_number"); seq != nullptr && seq->IsInt64()) {
    if (resumed_after_ && seq->GetInt64() <= *resumed_after_) return;  // read before the break
    last_sequence_ = seq->GetInt64();
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
  } else if (type == "response.function_call_arguments.delta" ||
             type == "response.custom_tool_call_input.delta") {
    auto it = calls_by_item_.find(std::string(json::GetString(doc, "item_id")));
    if (it != calls_by_item_.end()) {
      const auto delta = json::GetString(doc, "delta");
      it->second.arguments.append(delta);
      Emit(AgentEventType::kToolCallArgsDelta, std::string(delta), it->second.call_id,
           it->second.name);
    }
  } else if (type == "response.output_item.added" || type == "response.output_item.done") {
    const auto* item = json::GetObject(doc, "item");
    if (item == nullptr) return;
    const auto index = json::GetInt(doc, "output_index", -1);
    if (index >= 0) items_by_index_[index] = json::GetString(*item, "id");
    if (type == "response.output_item.added") {
      OnItemAdded(*item);
    } else {
      OnItemDone(*item);
    }
  } else if (type == "response.output_text.done") {
    TextDone(json::GetString(doc, "item_id"), json::GetString(doc, "text"));
  } else if (type == "response.refusal.done") {
    TextDone(json::GetString(doc, "item_id"), json::GetString(doc, "refusal"));
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
  } else if (IsKnownQuietEvent(type)) {
    // Carry nothing the agent needs beyond what the item and delta events already gave.
  } else if (auto activity = HostedActivityOfEvent(type, doc)) {
    std::string item_id(json::GetString(doc, "item_id"));
    if (item_id.empty()) {
      // The shell command events name only the item's place in the output.
      const auto it = items_by_index_.find(json::GetInt(doc, "output_index", -1));
      if (it != items_by_index_.end()) item_id = it->second;
    }
    Emit(AgentEventType::kHostedToolActivity, std::move(activity->text), std::move(item_id),
         std::move(activity->tool), std::move(activity->phase));
  } else {
    ReportUnrecognisedEvent(sink_, clock_, "responses", type);
  }
}

bool ResponsesStreamState::IsKnownQuietEvent(std::string_view type) const {
  return type == "response.content_part.added" || type == "response.content_part.done" ||
         type == "response.function_call_arguments.done" ||
         type == "response.custom_tool_call_input.done" ||
         type == "response.output_text.annotation.added" ||
         type == "response.reasoning_summary_part.added" ||
         type == "response.reasoning_summary_part.done" ||
         type == "response.reasoning_summary_text.done" || type == "response.reasoning_text.done";
}

void ResponsesStreamState::AppendText(std::string_view message_id, std::string_view text) {
  if (text.empty()) return;
  if (IsCommentary(message_id)) {
    // What the model says while it works ("Let me look that up"): shown, never the answer.
    Emit(AgentEventType::kTextDelta, std::string(text), {}, {}, "commentary");
    return;
  }
  // One response can say several messages; in the step's text they stay apart as paragraphs
  // instead of running into each other.
  if (!result_.text.empty() && message_id != text_message_id_) result_.text += "\n\n";
  text_message_id_ = message_id;
  result_.text.append(text);
  Emit(AgentEventType::kTextDelta, std::string(text));
}

void ResponsesStreamState::TextDone(std::string_view message_id, std::string_view text) {
  Emit(AgentEventType::kTextDone, std::string(text), {}, {},
       IsCommentary(message_id) ? "commentary" : "");
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

void ResponsesStreamState::EmitHostedItem(const rapidjson::Value& item, bool done) {
  // Added: the call began; done: its final status ("completed", "failed", "incomplete"). MCP
  // items carry no status, only an error when they failed.
  std::string phase = "added";
  if (done) {
    const auto* error = json::Member(item, "error");
    phase = json::GetString(item, "status",
                            error != nullptr && !error->IsNull() ? "failed" : "completed");
  }
  Emit(AgentEventType::kHostedToolActivity, HostedItemText(item, done),
       std::string(json::GetString(item, "id")),
       std::string(HostedToolOfItem(json::GetString(item, "type"))), std::move(phase));
}

void ResponsesStreamState::OnItemAdded(const rapidjson::Value& item) {
  const auto type = json::GetString(item, "type");
  if (type == "message") {
    if (json::GetString(item, "phase") == "commentary") {
      commentary_items_.insert(std::string(json::GetString(item, "id")));
    }
    return;
  }
  if (type == "reasoning") return;  // its deltas and its done item say what it has
  if (!HostedToolOfItem(type).empty()) {
    EmitHostedItem(item, false);
    return;
  }
  if (type != "function_call" && type != "custom_tool_call") {
    ReportUnrecognisedEvent(sink_, clock_, "responses", fmt::format("item:{}", type));
    return;
  }
  const bool custom = type == "custom_tool_call";
  PendingCall call{std::string(json::GetString(item, "call_id")),
                   std::string(json::GetString(item, "name")),
                   std::string(json::GetString(item, custom ? "input" : "arguments"))};
  Emit(AgentEventType::kToolCallStarted, {}, call.call_id, call.name);
  calls_by_item_[std::string(json::GetString(item, "id"))] = std::move(call);
}

void ResponsesStreamState::OnItemDone(const rapidjson::Value& item) {
  const auto type = json::GetString(item, "type");
  if (type == "reasoning") {
    EmitReasoningOf(item);
    return;
  }
  if (type == "message") return;  // its text came in the deltas and text_done
  if (!HostedToolOfItem(type).empty()) {
    if (type == "file_search_call") result_.used_file_search = true;
    EmitHostedItem(item, true);
    return;
  }
  if (type != "function_call" && type != "custom_tool_call") return;  // reported when added
  const bool custom = type == "custom_tool_call";
  ToolCall call;
  call.call_id = json::GetString(item, "call_id");
  call.name = json::GetString(item, "name");
  // A custom tool's input is free text, handed to the tool as its arguments.
  call.arguments = json::GetString(item, custom ? "input" : "arguments");
  if (custom) custom_call_ids_.insert(call.call_id);
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

void ResponsesStreamState::OnWholeItem(const rapidjson::Value& item, bool ended_early) {
  const auto type = json::GetString(item, "type");
  if (type == "reasoning") {
    OnItemDone(item);
  } else if (type == "message") {
    const auto id = json::GetString(item, "id");
    if (json::GetString(item, "phase") == "commentary") commentary_items_.insert(std::string(id));
    const auto* content = json::GetArray(item, "content");
    if (content == nullptr) return;
    for (const auto& part : content->GetArray()) {
      const auto part_type = json::GetString(part, "type");
      if (part_type != "output_text" && part_type != "refusal") continue;
      const auto text = json::GetString(part, part_type == "refusal" ? "refusal" : "text");
      AppendText(id, text);
      TextDone(id, text);
    }
  } else if (!HostedToolOfItem(type).empty()) {
    // What the API ran shows even in a response that ended early.
    if (type == "file_search_call") result_.used_file_search = true;
    EmitHostedItem(item, true);
  } else if (type == "function_call" || type == "custom_tool_call") {
    if (ended_early) return;  // its tool calls are not ready to run, so they are left out
    Emit(AgentEventType::kToolCallStarted, {}, std::string(json::GetString(item, "call_id")),
         std::string(json::GetString(item, "name")));
    OnItemDone(item);
  } else {
    ReportUnrecognisedEvent(sink_, clock_, "responses", fmt::format("item:{}", type));
  }
}

void ResponsesStreamState::OnResponseObject(const rapidjson::Value& response) {
  if (response_id_.empty()) response_id_ = json::GetString(response, "id");
  const auto status = json::GetString(response, "status");
  const bool ended_early = status == "failed" || status == "incomplete" || status == "cancelled";
  // A whole response: replay its output as the events a stream would have produced. One that
  // ended early still shows what it produced (the text cut off at max_output_tokens), as its
  // stream would have.
  if (const auto* output = json::GetArray(response, "output")) {
    for (const auto& item : output->GetArray()) OnWholeItem(item, ended_early);
  }
  if (ended_early) {
    FailFromResponse(response, status);
    return;
  }
  Complete(response);
}

}  // namespace agentreplay
