#include "mocks/api/assistants/assistants_renderer.h"

#include <fmt/format.h>

#include <utility>

namespace agentreplay::mocks {
namespace {

template <typename Writer>
void WriteOptionalInt(Writer& w, std::optional<int64_t> value) {
  if (value) {
    w.Int64(*value);
  } else {
    w.Null();
  }
}

template <typename Writer>
void WriteIdOrNull(Writer& w, std::string_view id) {
  if (id.empty()) {
    w.Null();
  } else {
    WriteString(w, id);
  }
}

template <typename Writer>
void EmptyObject(Writer& w) {
  w.StartObject();
  w.EndObject();
}

template <typename Writer>
void EmptyArray(Writer& w) {
  w.StartArray();
  w.EndArray();
}

// Writes `key` with the echoed value when the request had one, else calls `fallback`.
template <typename Writer, typename Fallback>
void EchoOr(Writer& w, const EchoSource& echo, std::string_view key, Fallback fallback) {
  WriteKey(w, key);
  if (const rapidjson::Value* v = echo.Get(key)) {
    v->Accept(w);
  } else {
    fallback();
  }
}

template <typename Writer>
void EchoOrNull(Writer& w, const EchoSource& echo, std::string_view key) {
  EchoOr(w, echo, key, [&w] { w.Null(); });
}

// Function tools come back normalised as recorded: {"type":"function","function":{"name",
// "description" (when given),"parameters" (default: an empty object schema),"strict" (default
// false)}}. Other tool types are echoed as sent.
template <typename Writer>
void WriteTools(Writer& w, const rapidjson::Value* tools) {
  w.StartArray();
  if (tools != nullptr && tools->IsArray()) {
    for (const auto& tool : tools->GetArray()) {
      const rapidjson::Value* type = FindMember(&tool, "type");
      const rapidjson::Value* function = FindMember(&tool, "function");
      if (type == nullptr || !type->IsString() ||
          std::string_view(type->GetString()) != "function" || function == nullptr ||
          !function->IsObject()) {
        tool.Accept(w);
        continue;
      }
      w.StartObject();
      WriteKey(w, "type");
      WriteString(w, "function");
      WriteKey(w, "function");
      w.StartObject();
      WriteKey(w, "name");
      if (const rapidjson::Value* name = FindMember(function, "name")) {
        name->Accept(w);
      } else {
        w.Null();
      }
      if (const rapidjson::Value* description = FindMember(function, "description")) {
        WriteKey(w, "description");
        description->Accept(w);
      }
      WriteKey(w, "parameters");
      if (const rapidjson::Value* parameters = FindMember(function, "parameters");
          parameters != nullptr && !parameters->IsNull()) {
        parameters->Accept(w);
      } else {
        w.StartObject();
        WriteKey(w, "type");
        WriteString(w, "object");
        WriteKey(w, "properties");
        EmptyObject(w);
        w.EndObject();
      }
      WriteKey(w, "strict");
      const rapidjson::Value* strict = FindMember(function, "strict");
      w.Bool(strict != nullptr && strict->IsBool() && strict->GetBool());
      w.EndObject();
      w.EndObject();
    }
  }
  w.EndArray();
}

template <typename Writer>
void WriteUsage(Writer& w, const TokenUsage& usage) {
  w.StartObject();
  WriteKey(w, "prompt_tokens");
  w.Int64(usage.prompt);
  WriteKey(w, "completion_tokens");
  w.Int64(usage.completion);
  WriteKey(w, "total_tokens");
  w.Int64(usage.prompt + usage.completion);
  WriteKey(w, "prompt_token_details");
  w.StartObject();
  WriteKey(w, "cached_tokens");
  w.Int64(0);
  w.EndObject();
  WriteKey(w, "completion_tokens_details");
  w.StartObject();
  WriteKey(w, "reasoning_tokens");
  w.Int64(0);
  w.EndObject();
  w.EndObject();
}

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0U) != 0x80U ? 1 : 0;
  return n;
}

// A completed message's text. A message written after a file search cites each document found
// with a file_citation annotation, as the API marks file_search answers. The scripted text
// carries no citation markers, so each annotation is an empty span at the end of the text
// (indices count code points, like the API's).
template <typename Writer>
void WriteTextContent(Writer& w, std::string_view text, const std::vector<Citation>& citations) {
  w.StartObject();
  WriteKey(w, "type");
  WriteString(w, "text");
  WriteKey(w, "text");
  w.StartObject();
  WriteKey(w, "value");
  WriteString(w, text);
  WriteKey(w, "annotations");
  w.StartArray();
  const auto end = static_cast<uint64_t>(CodePoints(text));
  for (size_t i = 0; i < citations.size(); ++i) {
    w.StartObject();
    WriteKey(w, "type");
    WriteString(w, "file_citation");
    WriteKey(w, "text");
    WriteString(w, fmt::format("\u3010{}:{}\u2020{}\u3011", 0, i, citations[i].file_name));
    WriteKey(w, "start_index");
    w.Uint64(end);
    WriteKey(w, "end_index");
    w.Uint64(end);
    WriteKey(w, "file_citation");
    w.StartObject();
    WriteKey(w, "file_id");
    WriteString(w, citations[i].file_id);
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  w.EndObject();
}

// A refusal content block: {"type":"refusal","refusal"} (the API's RefusalContentBlock).
template <typename Writer>
void WriteRefusalContent(Writer& w, std::string_view text) {
  w.StartObject();
  WriteKey(w, "type");
  WriteString(w, "refusal");
  WriteKey(w, "refusal");
  WriteString(w, text);
  w.EndObject();
}

// A code_interpreter tool call: its code as `input` and, once done, its logs as outputs.
template <typename Writer>
void WriteCodeInterpreterCall(Writer& w, const StepToolCall& call, bool completed) {
  w.StartObject();
  WriteKey(w, "id");
  WriteString(w, call.id);
  WriteKey(w, "type");
  WriteString(w, "code_interpreter");
  WriteKey(w, "code_interpreter");
  w.StartObject();
  WriteKey(w, "input");
  WriteString(w, call.arguments);
  WriteKey(w, "outputs");
  w.StartArray();
  if (completed && call.output && !call.output->empty()) {
    w.StartObject();
    WriteKey(w, "type");
    WriteString(w, "logs");
    WriteKey(w, "logs");
    WriteString(w, *call.output);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  w.EndObject();
}

// A file_search tool call. The ranking options are the API's documented defaults; results
// are listed once the search has finished, with the plan's scores (no content: the API adds
// it only when include[] asks for it, which the mock does not support).
template <typename Writer>
void WriteFileSearchCall(Writer& w, const StepToolCall& call, const std::vector<double>& scores,
                         bool with_results) {
  w.StartObject();
  WriteKey(w, "id");
  WriteString(w, call.id);
  WriteKey(w, "type");
  WriteString(w, "file_search");
  WriteKey(w, "file_search");
  w.StartObject();
  WriteKey(w, "ranking_options");
  w.StartObject();
  WriteKey(w, "ranker");
  WriteString(w, "default_2024_08_21");
  WriteKey(w, "score_threshold");
  w.Double(0.0);
  w.EndObject();
  WriteKey(w, "results");
  w.StartArray();
  if (with_results) {
    for (size_t i = 0; i < call.results.size(); ++i) {
      w.StartObject();
      WriteKey(w, "file_id");
      WriteString(w, call.file_ids.at(i));
      WriteKey(w, "file_name");
      WriteString(w, call.results[i]);
      WriteKey(w, "score");
      w.Double(i < scores.size() ? scores[i] : 0.0);
      w.EndObject();
    }
  }
  w.EndArray();
  w.EndObject();
  w.EndObject();
}

template <typename Writer>
void WriteFunctionCall(Writer& w, const StepToolCall& call, bool with_output) {
  w.StartObject();
  WriteKey(w, "id");
  WriteString(w, call.id);
  WriteKey(w, "type");
  WriteString(w, "function");
  WriteKey(w, "function");
  w.StartObject();
  WriteKey(w, "name");
  WriteString(w, call.name);
  WriteKey(w, "arguments");
  WriteString(w, call.arguments);
  WriteKey(w, "output");
  if (with_output && call.output) {
    WriteString(w, *call.output);
  } else {
    w.Null();
  }
  w.EndObject();
  w.EndObject();
}

template <typename Writer>
void WriteRequiredAction(Writer& w, const RunRecord& run, const Segment& seg) {
  w.StartObject();
  WriteKey(w, "type");
  WriteString(w, "submit_tool_outputs");
  WriteKey(w, "submit_tool_outputs");
  w.StartObject();
  WriteKey(w, "tool_calls");
  w.StartArray();
  if (seg.function_step) {
    for (const auto& call : run.steps.at(*seg.function_step).calls) {
      w.StartObject();
      WriteKey(w, "id");
      WriteString(w, call.id);
      WriteKey(w, "type");
      WriteString(w, "function");
      WriteKey(w, "function");
      w.StartObject();
      WriteKey(w, "name");
      WriteString(w, call.name);
      WriteKey(w, "arguments");
      WriteString(w, call.arguments);
      w.EndObject();
      w.EndObject();
    }
  }
  w.EndArray();
  w.EndObject();
  w.EndObject();
}

}  // namespace

template <typename Writer>
void WriteAssistantObject(Writer& w, const AssistantRecord& assistant,
                          std::string_view default_model) {
  const EchoSource& echo = assistant.echo;
  w.StartObject();
  WriteKey(w, "id");
  WriteString(w, assistant.id);
  WriteKey(w, "object");
  WriteString(w, "assistant");
  WriteKey(w, "created_at");
  w.Int64(assistant.created_at);
  EchoOrNull(w, echo, "name");
  EchoOrNull(w, echo, "description");
  EchoOr(w, echo, "model", [&] { WriteString(w, default_model); });
  EchoOrNull(w, echo, "instructions");
  WriteKey(w, "tools");
  WriteTools(w, echo.Get("tools"));
  EchoOr(w, echo, "top_p", [&w] { w.Double(1.0); });
  EchoOr(w, echo, "temperature", [&w] { w.Double(1.0); });
  EchoOrNull(w, echo, "reasoning_effort");
  EchoOr(w, echo, "tool_resources", [&w] { EmptyObject(w); });
  EchoOr(w, echo, "metadata", [&w] { EmptyObject(w); });
  EchoOr(w, echo, "response_format", [&w] { WriteString(w, "auto"); });
  w.EndObject();
}

template <typename Writer>
void WriteThreadObject(Writer& w, const ThreadRecord& thread) {
  w.StartObject();
  WriteKey(w, "id");
  WriteString(w, thread.id);
  WriteKey(w, "object");
  WriteString(w, "thread");
  WriteKey(w, "created_at");
  w.Int64(thread.created_at);
  EchoOr(w, thread.echo, "metadata", [&w] { EmptyObject(w); });
  EchoOr(w, thread.echo, "tool_resources", [&w] { EmptyObject(w); });
  w.EndObject();
}

template <typename Writer>
void WriteMessageObject(Writer& w, const ThreadMessage& message, MessageForm form,
                        std::optional<int64_t> completed_at) {
  w.StartObject();
  WriteKey(w, "id");
  WriteString(w, message.id);
  WriteKey(w, "object");
  WriteString(w, "thread.message");
  WriteKey(w, "created_at");
  w.Int64(message.created_at);
  WriteKey(w, "assistant_id");
  WriteIdOrNull(w, message.assistant_id);
  WriteKey(w, "thread_id");
  WriteString(w, message.thread_id);
  WriteKey(w, "run_id");
  WriteIdOrNull(w, message.run_id);
  if (form != MessageForm::kObject) {
    const bool ended = form == MessageForm::kStreamCompleted;
    const bool incomplete = ended && message.incomplete;
    WriteKey(w, "status");
    WriteString(w, incomplete ? "incomplete" : ended ? "completed" : "in_progress");
    WriteKey(w, "incomplete_details");
    if (incomplete) {
      // The message's reasons (max_tokens, content_filter, ...) differ from the run's.
      w.StartObject();
      WriteKey(w, "reason");
      WriteString(w, "max_tokens");
      w.EndObject();
    } else {
      w.Null();
    }
    WriteKey(w, "incomplete_at");
    WriteOptionalInt(w, incomplete ? completed_at : std::nullopt);
    WriteKey(w, "completed_at");
    WriteOptionalInt(w, ended && !incomplete ? completed_at : std::nullopt);
  }
  WriteKey(w, "role");
  WriteString(w, message.role);
  WriteKey(w, "content");
  w.StartArray();
  if (form != MessageForm::kStreamInProgress) {
    if (message.refusal) {
      WriteRefusalContent(w, message.text);
    } else {
      WriteTextContent(w, message.text, message.citations);
    }
  }
  w.EndArray();
  EchoOr(w, message.echo, "attachments", [&w] { EmptyArray(w); });
  EchoOr(w, message.echo, "metadata", [&w] { EmptyObject(w); });
  w.EndObject();
}

template <typename Writer>
void WriteRunObject(Writer& w, const RunRecord& run, const RunView& view) {
  const EchoSource& echo = run.echo;
  w.StartObject();
  WriteKey(w, "id");
  WriteString(w, run.id);
  WriteKey(w, "object");
  WriteString(w, "thread.run");
  WriteKey(w, "created_at");
  w.Int64(run.created_at);
  WriteKey(w, "assistant_id");
  WriteString(w, run.assistant_id);
  WriteKey(w, "thread_id");
  WriteString(w, run.thread_id);
  WriteKey(w, "status");
  WriteString(w, view.status);
  WriteKey(w, "started_at");
  WriteOptionalInt(w, view.started_at);
  WriteKey(w, "expires_at");
  WriteOptionalInt(w, view.expires_at);
  WriteKey(w, "cancelled_at");
  WriteOptionalInt(w, view.cancelled_at);
  WriteKey(w, "failed_at");
  WriteOptionalInt(w, view.failed_at);
  WriteKey(w, "completed_at");
  WriteOptionalInt(w, view.completed_at);
  WriteKey(w, "required_action");
  if (view.required_action != nullptr) {
    WriteRequiredAction(w, run, *view.required_action);
  } else {
    w.Null();
  }
  WriteKey(w, "last_error");
  if (view.last_error != nullptr) {
    // {"code","message"}, as the API's RunObject.last_error.
    w.StartObject();
    WriteKey(w, "code");
    WriteString(w, view.last_error->code);
    WriteKey(w, "message");
    WriteString(w, view.last_error->message);
    w.EndObject();
  } else {
    w.Null();
  }
  WriteKey(w, "model");
  WriteString(w, run.model);
  WriteKey(w, "instructions");
  if (run.instructions) {
    WriteString(w, *run.instructions);
  } else {
    w.Null();
  }
  WriteKey(w, "tools");
  WriteTools(w, run.tools.value);
  WriteKey(w, "tool_resources");
  if (run.tool_resources.value != nullptr && run.tool_resources.value->IsObject()) {
    run.tool_resources.value->Accept(w);
  } else {
    EmptyObject(w);
  }
  EchoOr(w, echo, "metadata", [&w] { EmptyObject(w); });
  EchoOr(w, echo, "temperature", [&w] { w.Double(1.0); });
  EchoOr(w, echo, "top_p", [&w] { w.Double(1.0); });
  EchoOrNull(w, echo, "reasoning_effort");
  EchoOrNull(w, echo, "max_completion_tokens");
  EchoOrNull(w, echo, "max_prompt_tokens");
  EchoOr(w, echo, "truncation_strategy", [&w] {
    w.StartObject();
    WriteKey(w, "type");
    WriteString(w, "auto");
    WriteKey(w, "last_messages");
    w.Null();
    w.EndObject();
  });
  WriteKey(w, "incomplete_details");
  if (!view.incomplete_reason.empty()) {
    w.StartObject();
    WriteKey(w, "reason");
    WriteString(w, view.incomplete_reason);
    w.EndObject();
  } else {
    w.Null();
  }
  WriteKey(w, "usage");
  if (view.usage) {
    WriteUsage(w, *view.usage);
  } else {
    w.Null();
  }
  EchoOr(w, echo, "response_format", [&w] { WriteString(w, "auto"); });
  EchoOr(w, echo, "tool_choice", [&w] { WriteString(w, "auto"); });
  EchoOr(w, echo, "parallel_tool_calls", [&w] { w.Bool(true); });
  w.EndObject();
}

template <typename Writer>
void WriteStepObject(Writer& w, const RunRecord& run, const RunStep& step, const StepView& view) {
  const bool completed = view.status == "completed";
  w.StartObject();
  WriteKey(w, "id");
  WriteString(w, step.id);
  WriteKey(w, "object");
  WriteString(w, "thread.run.step");
  WriteKey(w, "created_at");
  w.Int64(AssistantsEpochSeconds(step.created));
  WriteKey(w, "run_id");
  WriteString(w, run.id);
  WriteKey(w, "assistant_id");
  WriteString(w, run.assistant_id);
  WriteKey(w, "thread_id");
  WriteString(w, run.thread_id);
  WriteKey(w, "type");
  WriteString(w, step.message_creation ? "message_creation" : "tool_calls");
  WriteKey(w, "status");
  WriteString(w, view.status);
  WriteKey(w, "cancelled_at");
  WriteOptionalInt(w, view.status == "cancelled" && run.cancelled
                          ? std::optional<int64_t>(AssistantsEpochSeconds(*run.cancelled))
                          : std::nullopt);
  WriteKey(w, "completed_at");
  WriteOptionalInt(w, view.completed_at);
  // Steps keep the run's expiry even once completed (as recorded).
  WriteKey(w, "expires_at");
  w.Int64(run.created_at + kRunExpirySeconds);
  WriteKey(w, "failed_at");
  w.Null();
  WriteKey(w, "last_error");
  w.Null();
  WriteKey(w, "step_details");
  w.StartObject();
  if (step.message_creation) {
    WriteKey(w, "type");
    WriteString(w, "message_creation");
    WriteKey(w, "message_creation");
    w.StartObject();
    WriteKey(w, "message_id");
    WriteString(w, step.message_id);
    w.EndObject();
  } else {
    WriteKey(w, "type");
    WriteString(w, "tool_calls");
    WriteKey(w, "tool_calls");
    w.StartArray();
    if (view.list_calls) {
      for (const auto& call : step.calls) {
        if (call.kind == PlannedOutput::Kind::kFileSearch) {
          const PlannedOutput& out =
              run.segments.at(step.segment).plan.outputs.at(call.output_index);
          WriteFileSearchCall(w, call, out.scores, completed);
        } else if (call.kind == PlannedOutput::Kind::kHostedTool) {
          WriteCodeInterpreterCall(w, call, completed);
        } else {
          WriteFunctionCall(w, call, completed);
        }
      }
    }
    w.EndArray();
  }
  w.EndObject();
  WriteKey(w, "usage");
  if (view.usage) {
    WriteUsage(w, *view.usage);
  } else {
    w.Null();
  }
  w.EndObject();
}

// The two writers the mock uses: pretty bodies, compact stream data.
template void WriteAssistantObject(PrettyJsonWriter&, const AssistantRecord&, std::string_view);
template void WriteThreadObject(PrettyJsonWriter&, const ThreadRecord&);
template void WriteMessageObject(PrettyJsonWriter&, const ThreadMessage&, MessageForm,
                                 std::optional<int64_t>);
template void WriteRunObject(PrettyJsonWriter&, const RunRecord&, const RunView&);
template void WriteStepObject(PrettyJsonWriter&, const RunRecord&, const RunStep&, const StepView&);
template void WriteAssistantObject(CompactJsonWriter&, const AssistantRecord&, std::string_view);
template void WriteThreadObject(CompactJsonWriter&, const ThreadRecord&);
template void WriteMessageObject(CompactJsonWriter&, const ThreadMessage&, MessageForm,
                                 std::optional<int64_t>);
template void WriteRunObject(CompactJsonWriter&, const RunRecord&, const RunView&);
template void WriteStepObject(CompactJsonWriter&, const RunRecord&, const RunStep&,
                              const StepView&);

}  // namespace agentreplay::mocks
