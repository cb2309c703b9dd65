#include "llm/assistants_stream.h"

#include <fmt/format.h>

#include <string_view>

#include "json/json_text.h"
#include "llm/api_call.h"

namespace agentreplay {
namespace {

constexpr std::string_view kRunPrefix = "thread.run.";
constexpr std::string_view kStepPrefix = "thread.run.step.";

}  // namespace

void AssistantsStreamState::Emit(AgentEventType type, std::string text, std::string call_id,
                                 std::string tool_name) {
  EmitAgentEvent(sink_, clock_, type, std::move(text), std::move(call_id), std::move(tool_name));
}

void AssistantsStreamState::Fail(ErrorKind kind, std::string reason, std::string message) {
  terminal_ = true;
  result_.outcome = StepResult::Outcome::kFailed;
  result_.error = Error{kind, std::move(reason), std::move(message), 0};
}

bool AssistantsStreamState::OnEvent(const SseEvent& event) {
  if (event.type == "done" || event.data == "[DONE]") {
    done_ = true;
    return false;
  }
  if (terminal_ || done_) return false;
  rapidjson::Document doc;
  if (auto parsed = json::Parse(event.data, doc); !parsed || !doc.IsObject()) {
    Fail(ErrorKind::kProtocol, "bad_event_json",
         fmt::format("event '{}' carries data that is not a JSON object: {}", event.type,
                     (parsed ? std::string("not an object") : parsed.error())));
    return false;
  }
  // Assistants events carry their type only in the SSE event name (the data is the object).
  const std::string_view type = event.type;
  if (type == "thread.message.delta") {
    OnMessageDelta(doc);
  } else if (type == "thread.run.step.delta") {
    OnStepDelta(doc);
  } else if (type == "thread.message.completed") {
    OnMessageCompleted(doc);
  } else if (type.starts_with(kStepPrefix)) {
    // Step lifecycle (created, in_progress, completed, ...): whether the model searched the
    // vector store, and the hosted tools' activity; the deltas and the run's required_action
    // carry the function calls.
    if (const auto* details = json::GetObject(doc, "step_details")) {
      result_.used_file_search = result_.used_file_search || StepSearchesFiles(*details);
      OnHostedCalls(type.substr(kStepPrefix.size()), doc, *details);
    }
  } else if (type.starts_with(kRunPrefix)) {
    OnRunEvent(type.substr(kRunPrefix.size()), doc);
    return true;
  } else if (type == "error") {
    OnErrorEvent(doc);
  } else if (type == "thread.created" || type == "thread.message.created" ||
             type == "thread.message.in_progress" || type == "thread.message.incomplete") {
    // Nothing for the UI: the message's text arrives in its deltas.
  } else {
    ReportUnrecognisedEvent(sink_, clock_, "assistants", type);
  }
  return false;
}

void AssistantsStreamState::OnRunEvent(std::string_view status, const rapidjson::Value& data) {
  RunSnapshot run;
  if (!ParseRun(data, run)) {
    Fail(ErrorKind::kProtocol, "bad_event",
         fmt::format("thread.run.{} without a run object", status));
    return;
  }
  run_id_ = run.id;
  // The event name says what happened; thread.run.created carries status "queued", and the
  // UI is told "created" as the API announced it.
  Emit(AgentEventType::kStatus, std::string(status));
  switch (PhaseOfStatus(status)) {
    case RunPhase::kWaiting:
      return;
    case RunPhase::kRequiresAction:
      if (!run.has_required_action) {
        Fail(ErrorKind::kProtocol, "bad_required_action",
             "thread.run.requires_action without submit_tool_outputs.tool_calls");
        return;
      }
      // The run's list is authoritative: streamed argument deltas may be partial.
      for (auto& call : run.required_calls) {
        if (!started_call_ids_.contains(call.call_id)) {
          started_call_ids_.insert(call.call_id);
          Emit(AgentEventType::kToolCallStarted, {}, call.call_id, call.name);
        }
        Emit(AgentEventType::kToolCallReady, call.arguments, call.call_id, call.name);
        result_.tool_calls.push_back(std::move(call));
      }
      terminal_ = true;
      result_.outcome = StepResult::Outcome::kToolCalls;
      return;
    case RunPhase::kCompleted:
      result_.usage = run.usage;
      terminal_ = true;
      result_.outcome = StepResult::Outcome::kCompleted;
      return;
    case RunPhase::kFailed:
      result_.usage = run.usage;
      run.status = status;
      terminal_ = true;
      result_.outcome = StepResult::Outcome::kFailed;
      result_.error = RunFailureError(run);
      return;
  }
}

void AssistantsStreamState::OnStepDelta(const rapidjson::Value& data) {
  const auto* delta = json::GetObject(data, "delta");
  const auto* details = delta != nullptr ? json::GetObject(*delta, "step_details") : nullptr;
  const auto* calls = details != nullptr ? json::GetArray(*details, "tool_calls") : nullptr;
  if (calls == nullptr) return;
  result_.used_file_search = result_.used_file_search || StepSearchesFiles(*details);
  const std::string step_id(json::GetString(data, "id"));
  for (const auto& call : calls->GetArray()) {
    // file_search and code_interpreter calls run inside the API; only functions are ours.
    const auto type = json::GetString(call, "type", "function");
    if (type != "function") {
      OnHostedDelta(step_id, call);
      continue;
    }
    const auto* function = json::GetObject(call, "function");
    const std::string key = fmt::format("{}:{}", step_id, json::GetInt(call, "index"));
    auto it = calls_.find(key);
    if (it == calls_.end()) {
      const auto id = json::GetString(call, "id");
      if (id.empty() || function == nullptr) continue;  // a continuation of nothing we know
      PendingCall pending{std::string(id), std::string(json::GetString(*function, "name"))};
      it = calls_.emplace(key, std::move(pending)).first;
      started_call_ids_.insert(it->second.call_id);
      Emit(AgentEventType::kToolCallStarted, {}, it->second.call_id, it->second.name);
    }
    if (function == nullptr) continue;
    const auto arguments = json::GetString(*function, "arguments");
    if (!arguments.empty()) {
      Emit(AgentEventType::kToolCallArgsDelta, std::string(arguments), it->second.call_id,
           it->second.name);
    }
  }
}

void AssistantsStreamState::EmitHosted(std::string call_id, std::string_view tool,
                                       std::string phase, std::string text) {
  AgentEvent ev;
  ev.type = AgentEventType::kHostedToolActivity;
  ev.at = clock_.Now();
  ev.text = std::move(text);
  ev.call_id = std::move(call_id);
  ev.tool_name = tool;
  ev.detail = std::move(phase);
  sink_.OnEvent(ev);
}

void AssistantsStreamState::OnHostedCalls(std::string_view event, const rapidjson::Value& step,
                                          const rapidjson::Value& details) {
  const auto* calls = json::GetArray(details, "tool_calls");
  if (calls == nullptr || json::GetString(details, "type") != "tool_calls") return;
  // The event names the phase; "created" is when the call appears ("added", as in Responses).
  const std::string phase = event == "created" ? "added" : std::string(event);
  const std::string_view step_id = json::GetString(step, "id");
  int64_t position = 0;
  for (const auto& call : calls->GetArray()) {
    const int64_t index = json::GetInt(call, "index", position++);
    const auto type = json::GetString(call, "type");
    if (type != "file_search" && type != "code_interpreter") continue;
    const std::string id(json::GetString(call, "id"));
    hosted_ids_[fmt::format("{}:{}", step_id, index)] = id;
    std::string text;
    if (const auto* code = json::GetObject(call, "code_interpreter")) {
      text = json::GetString(*code, "input");
    }
    EmitHosted(id, type, phase, std::move(text));
  }
}

void AssistantsStreamState::OnHostedDelta(std::string_view step_id, const rapidjson::Value& call) {
  const auto type = json::GetString(call, "type");
  if (type != "file_search" && type != "code_interpreter") return;
  const std::string key = fmt::format("{}:{}", step_id, json::GetInt(call, "index"));
  if (const auto id = json::GetString(call, "id"); !id.empty()) hosted_ids_[key] = id;
  const auto* code = json::GetObject(call, "code_interpreter");
  const auto input = code != nullptr ? json::GetString(*code, "input") : std::string_view();
  // A file search's deltas say nothing its lifecycle events do not; code comes in pieces.
  if (input.empty()) return;
  EmitHosted(hosted_ids_[key], type, "code_delta", std::string(input));
}

void AssistantsStreamState::OnMessageDelta(const rapidjson::Value& data) {
  const auto* delta = json::GetObject(data, "delta");
  const auto* content = delta != nullptr ? json::GetArray(*delta, "content") : nullptr;
  if (content == nullptr) return;
  for (const auto& part : content->GetArray()) {
    // A refusal (a refusal delta block) replaces the answer; it is what a UI shows.
    const auto type = json::GetString(part, "type");
    std::string_view value;
    if (type == "text") {
      const auto* text = json::GetObject(part, "text");
      value = text != nullptr ? json::GetString(*text, "value") : std::string_view{};
    } else if (type == "refusal") {
      value = json::GetString(part, "refusal");
    }
    if (value.empty()) continue;
    messages_with_deltas_.insert(std::string(json::GetString(data, "id")));
    result_.text.append(value);
    Emit(AgentEventType::kTextDelta, std::string(value));
  }
}

void AssistantsStreamState::OnMessageCompleted(const rapidjson::Value& data) {
  std::string text = MessageText(data);
  result_.used_file_search = result_.used_file_search || MessageCitesFiles(data);
  // A message whose text never came as deltas still has to reach the UI as text.
  if (!text.empty() && !messages_with_deltas_.contains(std::string(json::GetString(data, "id")))) {
    result_.text.append(text);
    Emit(AgentEventType::kTextDelta, text);
  }
  Emit(AgentEventType::kTextDone, std::move(text));
}

void AssistantsStreamState::OnErrorEvent(const rapidjson::Value& data) {
  // The data is the error object itself; some servers wrap it in {"error": {...}}.
  const rapidjson::Value* error = json::GetObject(data, "error");
  if (error == nullptr) error = &data;
  const auto code = json::GetString(*error, "code", "unknown");
  Fail(ErrorKind::kApi, fmt::format("stream_error:{}", code),
       std::string(json::GetString(*error, "message", "error event in stream")));
}

}  // namespace agentreplay
