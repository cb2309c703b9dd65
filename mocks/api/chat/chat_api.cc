#include "mocks/api/chat/chat_api.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

#include "json/json_text.h"
#include "mocks/api/chat/chat_renderer.h"
#include "mocks/api/openai_error.h"
#include "mocks/api/wire_json.h"
#include "mocks/model/calendar.h"
#include "mocks/model/step_planner.h"

namespace agentreplay::mocks {
namespace {

std::string_view StringOf(const rapidjson::Value* v) {
  return v != nullptr && v->IsString() ? std::string_view(v->GetString(), v->GetStringLength())
                                       : std::string_view();
}

// How the API's validator names a JSON type in "expected ..., but got ... instead".
std::string_view TypeName(const rapidjson::Value& v) {
  if (v.IsObject()) return "an object";
  if (v.IsArray()) return "an array";
  if (v.IsString()) return "a string";
  if (v.IsBool()) return "a boolean";
  if (v.IsInt64() || v.IsUint64()) return "an integer";
  return "a decimal";
}

OpenAiError InvalidType(std::string_view param, std::string_view expected,
                        const rapidjson::Value& got) {
  return OpenAiError{400,
                     fmt::format("Invalid type for '{}': expected {}, but got {} instead.", param,
                                 expected, TypeName(got)),
                     "invalid_request_error", std::string(param), "invalid_type"};
}

// The API points at a message as "messages.[i].<field>".
std::string MessageParam(size_t index, std::string_view field) {
  return fmt::format("messages.[{}].{}", index, field);
}

OpenAiError UnansweredToolCalls(size_t assistant_index, const std::vector<std::string>& ids) {
  return OpenAiError{
      400,
      fmt::format("An assistant message with 'tool_calls' must be followed by tool messages "
                  "responding to each 'tool_call_id'. The following tool_call_ids did not have "
                  "response messages: {}",
                  fmt::join(ids, ", ")),
      "invalid_request_error", MessageParam(assistant_index, "role"), std::nullopt};
}

OpenAiError ToolWithoutCall(size_t index) {
  // "preceeding" is the API's spelling.
  return OpenAiError{400,
                     "Invalid parameter: messages with role 'tool' must be a response to a "
                     "preceeding message with 'tool_calls'.",
                     "invalid_request_error", MessageParam(index, "role"), std::nullopt};
}

// Where the conversation stands: what places the request in the script.
struct Conversation {
  size_t user_messages = 0;
  size_t steps_after_last_user = 0;  // assistant messages with tool_calls since the last user
};

// Walks the messages, checking that tool calls and tool messages pair up as the API demands:
// the tool messages right after an assistant message with tool_calls answer each of its calls.
std::optional<OpenAiError> ReadConversation(const rapidjson::Value& messages, Conversation& out) {
  // Index of the assistant message being answered, kNone when none is. (A plain index rather
  // than std::optional: GCC 12 at -O2 reports a false maybe-uninitialized on the optional.)
  constexpr size_t kNone = static_cast<size_t>(-1);
  size_t open_assistant = kNone;
  std::vector<std::string> calls;       // its call ids
  std::vector<std::string> unanswered;  // those no tool message has answered yet
  const auto close_run = [&]() -> std::optional<OpenAiError> {
    if (open_assistant != kNone && !unanswered.empty()) {
      return UnansweredToolCalls(open_assistant, unanswered);
    }
    open_assistant = kNone;
    return std::nullopt;
  };

  for (rapidjson::SizeType i = 0; i < messages.Size(); ++i) {
    const rapidjson::Value& message = messages[i];
    const std::string param = fmt::format("messages[{}]", i);
    if (!message.IsObject()) return InvalidType(param, "an object", message);
    const std::string_view role = StringOf(FindMember(&message, "role"));
    if (role.empty()) return MissingParameter(param + ".role");

    if (role == "tool") {
      const std::string_view id = StringOf(FindMember(&message, "tool_call_id"));
      if (id.empty()) {
        return OpenAiError{400,
                           "Missing parameter 'tool_call_id': messages with role 'tool' must "
                           "have a 'tool_call_id'.",
                           "invalid_request_error", MessageParam(i, "tool_call_id"), std::nullopt};
      }
      if (open_assistant == kNone || std::find(calls.begin(), calls.end(), id) == calls.end()) {
        return ToolWithoutCall(i);
      }
      std::erase(unanswered, id);
      continue;
    }
    // Any other message ends the run of tool messages that answers the previous calls.
    if (auto error = close_run()) return error;
    if (role == "user") {
      ++out.user_messages;
      out.steps_after_last_user = 0;
    } else if (role == "assistant") {
      const rapidjson::Value* tool_calls = FindMember(&message, "tool_calls");
      if (tool_calls == nullptr || !tool_calls->IsArray() || tool_calls->Empty()) continue;
      ++out.steps_after_last_user;
      open_assistant = i;
      calls.clear();
      for (const auto& call : tool_calls->GetArray()) {
        calls.emplace_back(StringOf(FindMember(&call, "id")));
      }
      unanswered = calls;
    }
  }
  return close_run();
}

// Names of the function tools the request offers, for the step's conditions.
RequestFacts FactsOf(const rapidjson::Value& body) {
  RequestFacts facts;
  const rapidjson::Value* tools = FindMember(&body, "tools");
  if (tools == nullptr || !tools->IsArray()) return facts;
  for (const auto& tool : tools->GetArray()) {
    if (StringOf(FindMember(&tool, "type")) != "function") continue;
    const std::string_view name = StringOf(FindMember(FindMember(&tool, "function"), "name"));
    if (!name.empty()) facts.offered_tools.emplace_back(name);
  }
  return facts;
}

bool IsTrue(const rapidjson::Value* v) { return v != nullptr && v->IsBool() && v->GetBool(); }

}  // namespace

ChatApi::ChatApi(const Scenario& scenario, uint64_t seed, MockIds& ids)
    : scenario_(scenario), seed_(seed), ids_(ids), resolver_(scenario) {
  // Drawn from its own stream so that it does not shift the ids of the shared one.
  Rng rng(DeriveSeed(seed, "chat:system_fingerprint"));
  system_fingerprint_ = fmt::format("fp_{:010x}", rng.NextU64() & 0xFFFFFFFFFFULL);
}

MockResponse ChatApi::Create(const HttpRequest& request, const RequestContext& context) {
  const auto fail = [&context](const OpenAiError& error) {
    return MakeErrorResponse(error, context.request_id, context.quick.at, context.quick.processing);
  };

  rapidjson::Document body;
  if (json::ParseDocument<rapidjson::kParseValidateEncodingFlag>(request.body, body) ||
      !body.IsObject()) {
    return fail(MalformedJsonBody());
  }
  if (StringOf(FindMember(&body, "model")).empty()) return fail(MissingParameter("model"));
  const rapidjson::Value* messages = FindMember(&body, "messages");
  if (messages == nullptr || messages->IsNull()) return fail(MissingParameter("messages"));
  if (!messages->IsArray()) return fail(InvalidType("messages", "an array", *messages));
  if (messages->Empty()) {
    return fail(OpenAiError{400, "[] is too short - 'messages'", "invalid_request_error",
                            "messages", std::nullopt});
  }

  Conversation conversation;
  if (auto error = ReadConversation(*messages, conversation)) return fail(*error);
  const size_t turn = conversation.user_messages > 0 ? conversation.user_messages - 1 : 0;
  const size_t step = conversation.steps_after_last_user;
  if (!HasStep(scenario_, turn, step)) return fail(ScenarioExhausted(scenario_, turn, step));

  const StepDecision decision = resolver_.Decide(turn, step, FactsOf(body));
  if (decision.fault) return RenderFault(*decision.fault, context);

  Rng rng(StepSeed(seed_, turn, step));
  StepPlan plan = PlanStep(scenario_, *decision.step, turn, step,
                           EstimateInputTokens(request.body.size()), rng);

  ChatRenderContext render;
  render.created = UnixSeconds(context.sent_at);
  render.completion_id = "chatcmpl-" + ids_.Alnum(29);
  for (const auto& out : plan.outputs) {
    render.call_ids.push_back(out.kind == PlannedOutput::Kind::kToolCall ? ids_.CallId()
                                                                         : std::string());
  }
  render.model = ReportedModel(scenario_.model);
  render.system_fingerprint = system_fingerprint_;

  const bool stream = IsTrue(FindMember(&body, "stream"));
  MockResponse response;
  response.status = 200;
  if (stream) {
    render.include_usage = IsTrue(FindMember(FindMember(&body, "stream_options"), "include_usage"));
    response.headers =
        StandardHeaders("text/event-stream; charset=utf-8", context.request_id, plan.processing);
    response.headers_at = plan.response_start;
    if (!lazy_streams_) response.chunks = RenderChatStream(plan, render);
  } else {
    response.headers = StandardHeaders("application/json", context.request_id, plan.processing);
    response.headers_at = plan.end;
    response.chunks.push_back(TimedChunk{plan.end, RenderChatCompletion(plan, render)});
  }

  if (context.states != nullptr) {
    const bool calls = FinishReason(plan) == "tool_calls";
    context.states->push_back(StateTransition{
        render.completion_id, calls ? "requires_action" : "completed", context.sent_at + plan.end});
  }
  if (stream && lazy_streams_) {
    // Last: the plan and the context move into the source.
    response.lazy = MakeChatStreamSource(std::move(plan), std::move(render));
  }
  return response;
}

}  // namespace agentreplay::mocks
