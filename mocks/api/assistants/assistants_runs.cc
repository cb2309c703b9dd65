// Runs of the mock's Assistants API: creation (on a thread or with a new one), the segments
// they play, submit_tool_outputs and cancel.
#include <fmt/format.h>

#include <algorithm>

#include "mocks/api/assistants/assistants_api.h"
#include "mocks/api/assistants/assistants_call.h"
#include "mocks/api/assistants/assistants_renderer.h"
#include "mocks/api/wire_json.h"

namespace agentreplay::mocks {
namespace {

// A vector store is attached when tool_resources.file_search names one (by id or inline).
bool HasVectorStore(const rapidjson::Value* tool_resources) {
  const rapidjson::Value* file_search = FindMember(tool_resources, "file_search");
  for (std::string_view key : {"vector_store_ids", "vector_stores"}) {
    const rapidjson::Value* list = FindMember(file_search, key);
    if (list != nullptr && list->IsArray() && !list->Empty()) return true;
  }
  return false;
}

// Python's repr of a list of strings, as the API prints call ids in its messages.
std::string PyList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    out += "'" + items[i] + "'";
  }
  return out + "]";
}

OpenAiError ActiveRunConflict(std::string_view thread_id, std::string_view run_id) {
  return OpenAiError{400, fmt::format("Thread {} already has an active run {}.", thread_id, run_id),
                     "invalid_request_error", std::nullopt, std::nullopt};
}

size_t CountUsers(const ThreadRecord* thread, const std::vector<std::string>& roles) {
  size_t users = thread == nullptr ? 0 : thread->user_messages;
  return users + static_cast<size_t>(std::count(roles.begin(), roles.end(), "user"));
}

}  // namespace

std::optional<OpenAiError> AssistantsApi::CheckScripted(size_t turn, size_t step) const {
  if (HasStep(scenario_, turn, step)) return std::nullopt;
  return ScenarioExhausted(scenario_, turn, step);
}

AssistantsApi::RunSpec AssistantsApi::ReadRunSpec(
    const Call& call, std::string_view assistant_id,
    const rapidjson::Value* thread_tool_resources) const {
  RunSpec spec;
  spec.assistant_id = std::string(assistant_id);
  const AssistantRecord* stored = StoredAssistant(assistant_id);
  const EchoSource assistant = stored != nullptr ? stored->echo : EchoSource{};

  spec.model = AssistantsString(call.Body("model"));
  if (spec.model.empty()) spec.model = AssistantsString(assistant.Get("model"));
  if (spec.model.empty()) spec.model = scenario_.model;

  if (const rapidjson::Value* v = call.Body("instructions"); v != nullptr && v->IsString()) {
    spec.instructions = std::string(AssistantsString(v));
  } else if (const rapidjson::Value* a = assistant.Get("instructions");
             a != nullptr && a->IsString()) {
    spec.instructions = std::string(AssistantsString(a));
  }
  // additional_instructions are appended to the run's instructions after a blank line (an
  // assumption: no recording shows the joined text).
  if (const std::string_view extra = AssistantsString(call.Body("additional_instructions"));
      !extra.empty()) {
    spec.instructions =
        spec.instructions ? *spec.instructions + "\n\n" + std::string(extra) : std::string(extra);
  }

  if (const rapidjson::Value* tools = call.Body("tools")) {
    spec.tools = call.Echo(tools);
  } else {
    spec.tools = EchoSource{assistant.doc, assistant.Get("tools")};
  }
  spec.tool_resources = call.Echo(call.Body("tool_resources"));

  bool file_search_tool = false;
  if (spec.tools.value != nullptr && spec.tools.value->IsArray()) {
    for (const auto& tool : spec.tools.value->GetArray()) {
      const std::string_view type = AssistantsString(FindMember(&tool, "type"));
      if (type == "function") {
        const std::string_view name =
            AssistantsString(FindMember(FindMember(&tool, "function"), "name"));
        if (!name.empty()) spec.facts.offered_tools.emplace_back(name);
      } else if (type == "file_search") {
        file_search_tool = true;
      }
    }
  }
  if (file_search_tool &&
      (HasVectorStore(thread_tool_resources) || HasVectorStore(call.Body("tool_resources")) ||
       HasVectorStore(assistant.Get("tool_resources")))) {
    spec.facts.offered_tools.emplace_back("file_search");
  }
  return spec;
}

MockResponse AssistantsApi::CreateRun(Call& call) {
  const std::string assistant_id(AssistantsString(call.Body("assistant_id")));
  if (assistant_id.empty()) return call.Fail(MissingParameter("assistant_id"));
  std::optional<OpenAiError> error;
  ThreadRecord* thread = FindThread(call.path.at(1), error);
  if (thread == nullptr) return call.Fail(*error);
  if (StoredAssistant(assistant_id) == nullptr && !assistant_id.starts_with("asst_")) {
    return call.Fail(NotFound("assistant", assistant_id));
  }
  if (const RunRecord* active = ActiveRun(*thread, call.arrival)) {
    return call.Fail(ActiveRunConflict(thread->id, active->id));
  }
  std::vector<NewMessage> additional;
  if (auto invalid =
          ReadMessages(call, call.Body("additional_messages"), "additional_messages", additional)) {
    return call.Fail(*invalid);
  }
  std::vector<std::string> roles;
  for (const auto& m : additional) roles.push_back(m.role);
  const size_t users = CountUsers(thread, roles);
  const size_t turn = users > 0 ? users - 1 : 0;
  if (auto exhausted = CheckScripted(turn, 0)) return call.Fail(*exhausted);

  RunSpec spec = ReadRunSpec(call, assistant_id, thread->echo.Get("tool_resources"));
  const StepDecision decision = resolver_.Decide(turn, 0, spec.facts);
  if (decision.fault) return RenderFault(*decision.fault, call.context);
  AddMessages(*thread, additional, call.arrival);
  return LaunchRun(call, *thread, spec, *decision.step, turn, false);
}

MockResponse AssistantsApi::CreateThreadAndRun(Call& call) {
  const std::string assistant_id(AssistantsString(call.Body("assistant_id")));
  if (assistant_id.empty()) return call.Fail(MissingParameter("assistant_id"));
  if (StoredAssistant(assistant_id) == nullptr && !assistant_id.starts_with("asst_")) {
    return call.Fail(NotFound("assistant", assistant_id));
  }
  const rapidjson::Value* thread_param = call.Body("thread");
  const rapidjson::Value* listed = FindMember(thread_param, "messages");
  std::vector<NewMessage> messages;
  if (auto invalid = ReadMessages(call, listed != nullptr && !listed->IsNull() ? listed : nullptr,
                                  "thread.messages", messages)) {
    return call.Fail(*invalid);
  }
  std::vector<std::string> roles;
  for (const auto& m : messages) roles.push_back(m.role);
  const size_t users = CountUsers(nullptr, roles);
  const size_t turn = users > 0 ? users - 1 : 0;
  if (auto exhausted = CheckScripted(turn, 0)) return call.Fail(*exhausted);

  RunSpec spec = ReadRunSpec(call, assistant_id, FindMember(thread_param, "tool_resources"));
  const StepDecision decision = resolver_.Decide(turn, 0, spec.facts);
  if (decision.fault) return RenderFault(*decision.fault, call.context);

  ThreadRecord created;
  created.id = ids_.ThreadId();
  created.created_at = AssistantsEpochSeconds(call.arrival);
  created.echo = call.Echo(thread_param);
  AddMessages(created, messages, call.arrival);
  ThreadRecord& thread = threads_.emplace(created.id, std::move(created)).first->second;
  return LaunchRun(call, thread, spec, *decision.step, turn, true);
}

MockResponse AssistantsApi::LaunchRun(Call& call, ThreadRecord& thread, RunSpec& spec,
                                      const StepScript& script, size_t turn, bool announce_thread) {
  RunRecord created;
  created.id = ids_.RunId();
  created.thread_id = thread.id;
  created.assistant_id = std::move(spec.assistant_id);
  created.created = call.arrival;
  created.created_at = AssistantsEpochSeconds(call.arrival);
  created.turn = turn;
  created.model = std::move(spec.model);
  created.instructions = std::move(spec.instructions);
  created.echo = call.Echo(call.body.get());
  created.tools = std::move(spec.tools);
  created.tool_resources = std::move(spec.tool_resources);
  created.facts = std::move(spec.facts);
  thread.run_ids.push_back(created.id);
  RunRecord& run = runs_.emplace(created.id, std::move(created)).first->second;
  PlaySegment(call, run, thread, script, 0);
  return SegmentResponse(call, run, announce_thread ? &thread : nullptr);
}

size_t AssistantsApi::PromptBytes(const RunRecord& run, const ThreadRecord& thread,
                                  TimePoint at) const {
  size_t bytes = run.instructions ? run.instructions->size() : 0;
  if (run.tools.value != nullptr) bytes += CompactJson(*run.tools.value).size();
  for (const auto& message : thread.messages) {
    if (MessageVisibleAt(message, RunOf(message), at)) bytes += message.text.size();
  }
  for (const auto& step : run.steps) {
    for (const auto& call : step.calls) {
      bytes += call.arguments.size() + (call.output ? call.output->size() : 0);
    }
  }
  return bytes;
}

void AssistantsApi::PlaySegment(Call& call, RunRecord& run, ThreadRecord& thread,
                                const StepScript& script, size_t step) {
  Rng rng(StepSeed(seed_, run.turn, step));
  Segment seg;
  seg.sent_at = call.context.sent_at;
  seg.begins = call.arrival;
  seg.plan =
      PlanStep(scenario_, script, run.turn, step,
               EstimateInputTokens(PromptBytes(run, thread, call.arrival)), rng, &knowledge_);
  const size_t k = run.segments.size();
  const auto add_step = [&](RunStep s) {
    s.segment = k;
    seg.steps.push_back(run.steps.size());
    run.steps.push_back(std::move(s));
    return seg.steps.back();
  };
  std::vector<Citation> found;  // documents the step's file search found, cited by its text
  for (size_t i = 0; i < seg.plan.outputs.size(); ++i) {
    const PlannedOutput& out = seg.plan.outputs[i];
    switch (out.kind) {
      case PlannedOutput::Kind::kFileSearch: {
        RunStep s;
        s.id = ids_.StepId();
        s.created = seg.At(out.first_at());
        s.completed = seg.At(out.completed_at);
        StepToolCall search;
        search.kind = PlannedOutput::Kind::kFileSearch;
        search.id = ids_.CallId();
        search.results = out.results;
        for (const auto& name : out.results) {
          // A document keeps its file id, as a file in a vector store does.
          search.file_ids.push_back(DocumentFileId(name));
          found.push_back(Citation{search.file_ids.back(), name});
        }
        search.output_index = i;
        s.calls.push_back(std::move(search));
        add_step(std::move(s));
        break;
      }
      case PlannedOutput::Kind::kHostedTool: {
        // Of the hosted tools only code_interpreter exists in the Assistants API; the others'
        // time has been planned and passes without a step, as reasoning does.
        if (out.tool_name != "code_interpreter") break;
        RunStep s;
        s.id = ids_.StepId();
        s.created = seg.At(out.first_at());
        s.completed = seg.At(out.completed_at);
        StepToolCall code;
        code.kind = PlannedOutput::Kind::kHostedTool;
        code.id = ids_.CallId();
        code.name = out.tool_name;
        code.arguments = out.content;
        code.output = out.hosted.output;
        code.output_index = i;
        s.calls.push_back(std::move(code));
        add_step(std::move(s));
        break;
      }
      case PlannedOutput::Kind::kReasoning:
        break;  // the Assistants API does not show reasoning; its tokens are in the usage
      case PlannedOutput::Kind::kText: {
        RunStep s;
        s.message_creation = true;
        s.id = ids_.StepId();
        s.message_id = ids_.MessageId();
        s.output_index = i;
        s.created = seg.At(out.first_at());
        s.completed = seg.At(out.last_at());
        ThreadMessage message;
        message.id = s.message_id;
        message.thread_id = thread.id;
        message.role = "assistant";
        message.text = out.content;
        message.created_at = AssistantsEpochSeconds(s.created);
        message.visible_at = seg.At(seg.plan.end);
        message.assistant_id = run.assistant_id;
        message.run_id = run.id;
        message.citations = found;
        message.refusal = seg.plan.refusal;
        message.incomplete = seg.plan.incomplete != Incompletion::kNone;
        s.citations = found;
        thread.messages.push_back(std::move(message));
        add_step(std::move(s));
        break;
      }
      case PlannedOutput::Kind::kToolCall: {
        // All function calls of a step share one tool_calls run step.
        if (!seg.function_step) {
          RunStep s;
          s.id = ids_.StepId();
          s.created = seg.At(out.first_at());
          seg.function_step = add_step(std::move(s));
        }
        StepToolCall function;
        function.id = ids_.CallId();
        function.name = out.tool_name;
        function.arguments = out.content;
        function.output_index = i;
        run.steps[*seg.function_step].calls.push_back(std::move(function));
        break;
      }
    }
  }
  seg.requires_action = seg.function_step.has_value();
  if (!seg.steps.empty()) run.steps[seg.steps.back()].last_of_segment = true;
  if (const FaultRule* fault = call.context.in_band; fault != nullptr) {
    // run_failed / run_expired: the segment ends where its output would have begun.
    const bool failed = fault->kind == FaultKind::kRunFailed;
    run.failure = RunFailure{seg.At(seg.plan.first_token), k, failed ? "failed" : "expired",
                             fault->code.value_or("server_error"),
                             fault->message.value_or("Sorry, something went wrong.")};
  }
  if (call.context.states != nullptr) {
    const StepPlan& plan = seg.plan;
    call.context.states->push_back({run.id, "queued", seg.At(plan.response_start)});
    if (run.failure && run.failure->segment == k) {
      call.context.states->push_back({run.id, run.failure->status, run.failure->at});
    } else {
      call.context.states->push_back({run.id, "in_progress", seg.At(plan.first_token)});
      const char* ended = seg.requires_action                      ? "requires_action"
                          : plan.incomplete != Incompletion::kNone ? "incomplete"
                                                                   : "completed";
      call.context.states->push_back({run.id, ended, seg.At(plan.end)});
    }
  }
  run.segments.push_back(std::move(seg));
}

MockResponse AssistantsApi::SegmentResponse(const Call& call, const RunRecord& run,
                                            const ThreadRecord* created_thread) const {
  const size_t k = run.segments.size() - 1;
  if (!call.Stream()) {
    // Without streaming the API answers at once with the run just queued.
    return call.Json(PrettyBody([&](PrettyJsonWriter& w) {
      WriteRunObject(w, run, ViewOfPhase(run, k, RunPhase::kQueued));
    }));
  }
  const StepPlan& plan = run.segments.back().plan;
  MockResponse response;
  response.status = 200;
  response.headers =
      StandardHeaders("text/event-stream; charset=utf-8", call.context.request_id, plan.processing);
  response.headers_at = plan.response_start;
  AssistantsStreamOptions options;
  options.created_thread = created_thread;
  response.chunks = RenderRunStream(run, k, options);
  return response;
}

MockResponse AssistantsApi::SubmitToolOutputs(Call& call) {
  std::optional<OpenAiError> error;
  ThreadRecord* thread = FindThread(call.path.at(1), error);
  RunRecord* run = thread == nullptr ? nullptr : FindRun(*thread, call.path.at(3), error);
  if (run == nullptr) return call.Fail(*error);
  const rapidjson::Value* outputs = call.Body("tool_outputs");
  if (outputs == nullptr || !outputs->IsArray()) {
    return call.Fail(MissingParameter("tool_outputs"));
  }
  const RunView view = ViewAt(*run, call.arrival);
  if (view.status != "requires_action") {
    return call.Fail(OpenAiError{
        400, fmt::format("Runs in status \"{}\" do not accept tool outputs.", view.status),
        "invalid_request_error", std::nullopt, std::nullopt});
  }
  const size_t function_step = *run->segments.back().function_step;
  std::vector<std::string> expected;
  for (const auto& c : run->steps[function_step].calls) expected.push_back(c.id);
  std::vector<std::string> got;
  std::map<std::string, std::string, std::less<>> output_of;
  for (const auto& item : outputs->GetArray()) {
    got.emplace_back(AssistantsString(FindMember(&item, "tool_call_id")));
    output_of[got.back()] = std::string(AssistantsString(FindMember(&item, "output")));
  }
  std::vector<std::string> expected_sorted = expected;
  std::vector<std::string> got_sorted = got;
  std::sort(expected_sorted.begin(), expected_sorted.end());
  std::sort(got_sorted.begin(), got_sorted.end());
  if (expected_sorted != got_sorted) {
    // The API's wording for outputs that do not answer exactly the awaited calls.
    return call.Fail(OpenAiError{
        400,
        fmt::format("Expected tool outputs for call_ids {}, got {}", PyList(expected), PyList(got)),
        "invalid_request_error", std::nullopt, std::nullopt});
  }
  const size_t step = run->segments.back().plan.step + 1;
  if (auto exhausted = CheckScripted(run->turn, step)) return call.Fail(*exhausted);
  const StepDecision decision = resolver_.Decide(run->turn, step, run->facts);
  if (decision.fault) return RenderFault(*decision.fault, call.context);

  RunStep& answered = run->steps[function_step];
  for (auto& c : answered.calls) c.output = output_of[c.id];
  answered.completed = call.arrival;
  PlaySegment(call, *run, *thread, *decision.step, step);
  return SegmentResponse(call, *run, nullptr);
}

MockResponse AssistantsApi::CancelRun(Call& call) {
  std::optional<OpenAiError> error;
  ThreadRecord* thread = FindThread(call.path.at(1), error);
  RunRecord* run = thread == nullptr ? nullptr : FindRun(*thread, call.path.at(3), error);
  if (run == nullptr) return call.Fail(*error);
  const std::string_view status = ViewAt(*run, call.arrival).status;
  if (status != "queued" && status != "in_progress" && status != "requires_action") {
    return call.Fail(OpenAiError{400, fmt::format("Cannot cancel run with status '{}'.", status),
                                 "invalid_request_error", std::nullopt, std::nullopt});
  }
  // cancelling from the request's arrival, cancelled once the reply reaches the client; the
  // states the run would have reached later never happen.
  run->cancel_requested = call.arrival;
  run->cancelled = call.context.sent_at + call.context.quick.at;
  if (call.context.states != nullptr) {
    std::erase_if(*call.context.states, [&](const StateTransition& t) {
      return t.object_id == run->id && t.visible_at > call.arrival;
    });
    call.context.states->push_back({run->id, "cancelled", *run->cancelled});
  }
  return call.Json(PrettyBody(
      [&](PrettyJsonWriter& w) { WriteRunObject(w, *run, ViewAt(*run, call.arrival)); }));
}

}  // namespace agentreplay::mocks
