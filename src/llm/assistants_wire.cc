#include "llm/assistants_wire.h"

#include <fmt/format.h>

#include "json/json_text.h"

namespace agentreplay {

RunPhase PhaseOfStatus(std::string_view status) {
  if (status == "requires_action") return RunPhase::kRequiresAction;
  if (status == "completed") return RunPhase::kCompleted;
  if (status == "failed" || status == "cancelled" || status == "expired" ||
      status == "incomplete") {
    return RunPhase::kFailed;
  }
  return RunPhase::kWaiting;
}

bool IsOpenRunStatus(std::string_view status) {
  return status == "queued" || status == "in_progress" || status == "requires_action" ||
         status == "cancelling";
}

bool ParseRun(const rapidjson::Value& run, RunSnapshot& out) {
  out = RunSnapshot{};
  if (!run.IsObject()) return false;
  out.id = json::GetString(run, "id");
  out.status = json::GetString(run, "status");
  if (out.id.empty() || out.status.empty()) return false;

  if (const auto* action = json::GetObject(run, "required_action")) {
    const auto* submit = json::GetObject(*action, "submit_tool_outputs");
    const auto* calls = submit != nullptr ? json::GetArray(*submit, "tool_calls") : nullptr;
    if (calls != nullptr) {
      out.has_required_action = true;
      for (const auto& call : calls->GetArray()) {
        const auto* function = json::GetObject(call, "function");
        if (function == nullptr) continue;
        ToolCall tc;
        tc.call_id = json::GetString(call, "id");
        tc.name = json::GetString(*function, "name");
        tc.arguments = json::GetString(*function, "arguments");
        out.required_calls.push_back(std::move(tc));
      }
    }
  }
  if (const auto* usage = json::GetObject(run, "usage")) {
    out.usage.input_tokens = json::GetInt(*usage, "prompt_tokens");
    out.usage.output_tokens = json::GetInt(*usage, "completion_tokens");
    out.usage.reported = true;
  }
  if (const auto* error = json::GetObject(run, "last_error")) {
    out.last_error_code = json::GetString(*error, "code");
    out.last_error_message = json::GetString(*error, "message");
  }
  if (const auto* details = json::GetObject(run, "incomplete_details")) {
    out.incomplete_reason = json::GetString(*details, "reason");
  }
  return true;
}

Error RunFailureError(const RunSnapshot& run) {
  Error err;
  err.kind = ErrorKind::kApi;
  if (run.status == "failed") {
    const std::string code = run.last_error_code.empty() ? "unknown" : run.last_error_code;
    err.reason = fmt::format("run_failed:{}", code);
    err.message = run.last_error_message.empty() ? "the run failed" : run.last_error_message;
  } else if (run.status == "incomplete") {
    const std::string reason = run.incomplete_reason.empty() ? "unknown" : run.incomplete_reason;
    err.reason = fmt::format("run_incomplete:{}", reason);
    err.message = fmt::format("the run ended incomplete ({})", reason);
  } else {
    err.reason = fmt::format("run_{}", run.status);
    err.message = fmt::format("the run ended {}", run.status);
  }
  return err;
}

std::string MessageText(const rapidjson::Value& message) {
  std::string text;
  const auto* content = json::GetArray(message, "content");
  if (content == nullptr) return text;
  for (const auto& part : content->GetArray()) {
    const auto type = json::GetString(part, "type");
    if (type == "refusal") text.append(json::GetString(part, "refusal"));  // the answer shown
    if (type != "text") continue;
    if (const auto* t = json::GetObject(part, "text")) text.append(json::GetString(*t, "value"));
  }
  return text;
}

bool MessageCitesFiles(const rapidjson::Value& message) {
  const auto* content = json::GetArray(message, "content");
  if (content == nullptr) return false;
  for (const auto& part : content->GetArray()) {
    const auto* t = json::GetObject(part, "text");
    const auto* annotations = t != nullptr ? json::GetArray(*t, "annotations") : nullptr;
    if (annotations == nullptr) continue;
    for (const auto& a : annotations->GetArray()) {
      if (json::GetString(a, "type") == "file_citation") return true;
    }
  }
  return false;
}

bool StepSearchesFiles(const rapidjson::Value& step_details) {
  const auto* calls = json::GetArray(step_details, "tool_calls");
  if (calls == nullptr) return false;
  for (const auto& call : calls->GetArray()) {
    if (json::GetString(call, "type") == "file_search") return true;
  }
  return false;
}

std::optional<AssistantAnswer> NewestAssistantAnswer(const rapidjson::Value& list,
                                                     std::string_view run_id) {
  const auto* data = json::GetArray(list, "data");
  if (data == nullptr) return std::nullopt;
  for (const auto& message : data->GetArray()) {
    if (json::GetString(message, "role") != "assistant") continue;
    const auto message_run = json::GetString(message, "run_id");
    if (!message_run.empty() && message_run != run_id) continue;
    return AssistantAnswer{MessageText(message), MessageCitesFiles(message)};
  }
  return std::nullopt;
}

void EmitAgentEvent(EventSink& sink, const Clock& clock, AgentEventType type, std::string text,
                    std::string call_id, std::string tool_name) {
  AgentEvent ev;
  ev.type = type;
  ev.at = clock.Now();
  ev.text = std::move(text);
  ev.call_id = std::move(call_id);
  ev.tool_name = std::move(tool_name);
  sink.OnEvent(ev);
}

}  // namespace agentreplay
