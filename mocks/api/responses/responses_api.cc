#include "mocks/api/responses/responses_api.h"

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <optional>
#include <set>
#include <string_view>

#include "json/json_text.h"
#include "mocks/api/openai_error.h"
#include "mocks/api/responses/responses_renderer.h"
#include "mocks/api/step_resolver.h"
#include "mocks/api/wire_json.h"
#include "mocks/model/calendar.h"
#include "mocks/model/step_planner.h"
#include "sse/sse_decoder.h"
#include "sse/sse_encoder.h"

namespace agentreplay::mocks {
namespace {

// The id prefix of an output item, as the API spells them.
const char* ItemIdPrefix(const PlannedOutput& out) {
  switch (out.kind) {
    case PlannedOutput::Kind::kToolCall:
      return "fc";
    case PlannedOutput::Kind::kText:
      return "msg";
    case PlannedOutput::Kind::kFileSearch:
      return "fs";
    case PlannedOutput::Kind::kReasoning:
      return "rs";
    case PlannedOutput::Kind::kHostedTool:
      break;
  }
  if (out.tool_name == "web_search") return "ws";
  if (out.tool_name == "code_interpreter") return "ci";
  if (out.tool_name == "image_generation") return "ig";
  return "mcp";
}

std::string_view StringOf(const rapidjson::Value* v) {
  return v != nullptr && v->IsString() ? std::string_view(v->GetString(), v->GetStringLength())
                                       : std::string_view();
}

bool IsUserMessage(const rapidjson::Value& item) {
  const rapidjson::Value* type = FindMember(&item, "type");
  const bool is_message = type == nullptr || StringOf(type) == "message";
  return is_message && StringOf(FindMember(&item, "role")) == "user";
}

// What the step logic needs to know about the request's input items.
struct InputSummary {
  size_t user_messages = 0;
  // function_call items after the last user message, in order, and how many runs of
  // consecutive function_call items they form.
  std::vector<std::string> calls_after_last_user;
  size_t call_runs_after_last_user = 0;
  std::vector<std::string> calls;    // call ids of every function_call item, in order
  std::vector<std::string> outputs;  // call ids of every function_call_output item, in order
  // For each output: the call ids of function_call items before it in the input.
  std::vector<size_t> calls_before_output;
};

// Reads the input (a string is one user message). Returns an error for an input of the
// wrong type or an item lacking a required field.
std::optional<OpenAiError> SummarizeInput(const rapidjson::Value* input, InputSummary& out) {
  if (input == nullptr || input->IsNull()) return std::nullopt;
  if (input->IsString()) {
    out.user_messages = 1;
    return std::nullopt;
  }
  if (!input->IsArray()) {
    return OpenAiError{400,
                       "Invalid type for 'input': expected one of a string or array of input "
                       "items, but got another type instead.",
                       "invalid_request_error", "input", "invalid_type"};
  }
  bool previous_was_call = false;
  rapidjson::SizeType index = 0;
  for (const auto& item : input->GetArray()) {
    if (!item.IsObject()) {
      return OpenAiError{400,
                         fmt::format("Invalid type for 'input[{}]': expected an object.", index),
                         "invalid_request_error", fmt::format("input[{}]", index), "invalid_type"};
    }
    const std::string_view type = StringOf(FindMember(&item, "type"));
    if (IsUserMessage(item)) {
      ++out.user_messages;
      out.calls_after_last_user.clear();
      out.call_runs_after_last_user = 0;
      previous_was_call = false;
    } else if (type == "function_call" || type == "function_call_output") {
      const std::string_view call_id = StringOf(FindMember(&item, "call_id"));
      if (call_id.empty()) return MissingParameter(fmt::format("input[{}].call_id", index));
      if (type == "function_call") {
        out.calls.emplace_back(call_id);
        out.calls_after_last_user.emplace_back(call_id);
        if (!previous_was_call) ++out.call_runs_after_last_user;
        previous_was_call = true;
      } else {
        out.outputs.emplace_back(call_id);
        out.calls_before_output.push_back(out.calls.size());
        previous_was_call = false;
      }
    } else {
      previous_was_call = false;
    }
    ++index;
  }
  return std::nullopt;
}

OpenAiError NoToolCallFound(std::string_view call_id) {
  return OpenAiError{
      400, fmt::format("No tool call found for function call output with call_id {}.", call_id),
      "invalid_request_error", "input", std::nullopt};
}

// What the request offers the model: its function tools, and file_search when a file_search
// tool names at least one vector store.
RequestFacts FactsOf(const rapidjson::Document& body) {
  RequestFacts facts;
  const rapidjson::Value* tools = FindMember(&body, "tools");
  if (tools == nullptr || !tools->IsArray()) return facts;
  for (const auto& tool : tools->GetArray()) {
    const std::string_view type = StringOf(FindMember(&tool, "type"));
    if (type == "function") {
      facts.offered_tools.emplace_back(StringOf(FindMember(&tool, "name")));
    } else if (type == "file_search") {
      const rapidjson::Value* stores = FindMember(&tool, "vector_store_ids");
      if (stores != nullptr && stores->IsArray() && !stores->Empty()) {
        facts.offered_tools.emplace_back("file_search");
      }
    }
  }
  return facts;
}

// The value of `name` in a query string ("a=1&b=2"), undecoded; nullopt when absent.
std::optional<std::string_view> QueryParameter(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

OpenAiError NoToolOutputFound(std::string_view call_id) {
  return OpenAiError{400, fmt::format("No tool output found for function call {}.", call_id),
                     "invalid_request_error", "input", std::nullopt};
}

}  // namespace

ResponsesApi::ResponsesApi(const Scenario& scenario, const KnowledgeBase& knowledge, uint64_t seed,
                           MockIds& ids)
    : scenario_(scenario), knowledge_(knowledge), seed_(seed), ids_(ids), resolver_(scenario) {}

MockResponse ResponsesApi::Create(const HttpRequest& request, const RequestContext& context) {
  const auto fail = [&context](const OpenAiError& error) {
    return MakeErrorResponse(error, context.request_id, context.quick.at, context.quick.processing);
  };

  rapidjson::Document body;
  if (json::ParseDocument<rapidjson::kParseValidateEncodingFlag>(request.body, body) ||
      !body.IsObject()) {
    return fail(MalformedJsonBody());
  }
  if (StringOf(FindMember(&body, "model")).empty()) return fail(MissingParameter("model"));

  InputSummary input;
  if (auto error = SummarizeInput(FindMember(&body, "input"), input)) return fail(*error);

  const StoredResponse* previous = nullptr;
  if (const rapidjson::Value* prev_id = FindMember(&body, "previous_response_id");
      prev_id != nullptr && !prev_id->IsNull()) {
    const auto it = responses_.find(std::string(StringOf(prev_id)));
    if (it == responses_.end()) {
      return fail(OpenAiError{
          400, fmt::format("Previous response with id '{}' not found.", StringOf(prev_id)),
          "invalid_request_error", "previous_response_id", "previous_response_not_found"});
    }
    previous = &it->second;
  }

  // Every output must answer a call made before it: by the previous response or by a
  // function_call item earlier in this input.
  for (size_t i = 0; i < input.outputs.size(); ++i) {
    const std::string& id = input.outputs[i];
    const auto before_end =
        input.calls.begin() + static_cast<std::ptrdiff_t>(input.calls_before_output[i]);
    const bool in_input = std::find(input.calls.begin(), before_end, id) != before_end;
    const bool in_previous = previous != nullptr &&
                             std::find(previous->call_ids.begin(), previous->call_ids.end(), id) !=
                                 previous->call_ids.end();
    if (!in_input && !in_previous) return fail(NoToolCallFound(id));
  }
  // ...and every call must be answered.
  const std::set<std::string> answered(input.outputs.begin(), input.outputs.end());
  if (previous != nullptr) {
    for (const auto& id : previous->call_ids) {
      if (!answered.contains(id)) return fail(NoToolOutputFound(id));
    }
  }
  for (const auto& id : input.calls) {
    if (!answered.contains(id)) return fail(NoToolOutputFound(id));
  }

  size_t turn = 0;
  size_t step = 0;
  if (previous != nullptr) {
    turn = input.user_messages > 0 ? previous->turn + 1 : previous->turn;
    step = input.user_messages > 0 ? 0 : previous->step + 1;
  } else {
    turn = input.user_messages > 0 ? input.user_messages - 1 : 0;
    std::optional<size_t> latest;
    for (const auto& id : input.calls_after_last_user) {
      const auto it = issued_calls_.find(id);
      if (it != issued_calls_.end() && it->second.first == turn) {
        latest = std::max(latest.value_or(0), it->second.second);
      }
    }
    step = latest.has_value() ? *latest + 1 : input.call_runs_after_last_user;
  }
  if (!HasStep(scenario_, turn, step)) return fail(ScenarioExhausted(scenario_, turn, step));

  const StepDecision decision = resolver_.Decide(turn, step, FactsOf(body));
  if (decision.fault) return RenderFault(*decision.fault, context);
  Rng rng(StepSeed(seed_, turn, step));
  StepPlan plan = PlanStep(scenario_, *decision.step, turn, step,
                           EstimateInputTokens(request.body.size()), rng, &knowledge_);

  ResponsesRenderContext render;
  render.created_at = UnixSeconds(context.sent_at);
  const std::string family = ids_.Family();
  render.response_id = ids_.ResponsesObjectId("resp", family, render.created_at);
  std::vector<std::string> call_ids;
  for (const auto& out : plan.outputs) {
    const bool is_call = out.kind == PlannedOutput::Kind::kToolCall;
    const char* prefix = ItemIdPrefix(out);
    render.item_ids.push_back(ids_.ResponsesObjectId(prefix, family, render.created_at));
    render.call_ids.push_back(is_call ? ids_.CallId() : std::string());
    if (is_call) {
      call_ids.push_back(render.call_ids.back());
      issued_calls_[render.call_ids.back()] = {turn, step};
    }
  }
  render.model = scenario_.model;
  render.request = &body;
  render.documents = &scenario_.documents;
  render.obfuscation_seed = DeriveSeed(seed_, "obfuscation:" + render.response_id);

  const rapidjson::Value* stream_flag = FindMember(&body, "stream");
  const bool stream = stream_flag != nullptr && stream_flag->IsBool() && stream_flag->GetBool();
  std::string object = RenderResponseObject(plan, render);
  // store=false responses can be neither retrieved nor continued, as with the API.
  const rapidjson::Value* store = FindMember(&body, "store");
  const bool stored = store == nullptr || !store->IsBool() || store->GetBool();
  const rapidjson::Value* background_flag = FindMember(&body, "background");
  const bool background = stream && stored && background_flag != nullptr &&
                          background_flag->IsBool() && background_flag->GetBool();
  // A background stream keeps its rendered events for resuming, so it is rendered whole.
  const bool lazy = stream && lazy_streams_ && !background;

  MockResponse response;
  response.status = 200;
  if (stream) {
    response.headers =
        StandardHeaders("text/event-stream; charset=utf-8", context.request_id, plan.processing);
    response.headers_at = plan.response_start;
    if (!lazy) response.chunks = RenderResponsesStream(plan, render);
  } else {
    response.headers = StandardHeaders("application/json", context.request_id, plan.processing);
    response.headers_at = plan.end;
    response.chunks.push_back(TimedChunk{plan.end, object});
  }

  if (context.states != nullptr) {
    context.states->push_back(
        StateTransition{render.response_id, "completed", context.sent_at + plan.end});
  }

  if (stored) {
    if (background) {
      background_streams_[render.response_id] = BackgroundStream{context.sent_at, response.chunks};
    }
    responses_[render.response_id] =
        StoredResponse{turn, step, std::move(call_ids), std::move(object)};
  }
  if (lazy) {
    // Last: the plan and the context move into the source (which copies the request).
    response.lazy = MakeResponsesStreamSource(std::move(plan), std::move(render));
  }
  return response;
}

MockResponse ResponsesApi::ResumeStream(const BackgroundStream& stream, std::string_view query,
                                        const RequestContext& context) const {
  int64_t after = -1;
  if (auto value = QueryParameter(query, "starting_after")) {
    const auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), after);
    if (ec != std::errc() || end != value->data() + value->size() || after < 0) {
      return MakeErrorResponse(
          OpenAiError{400,
                      fmt::format("Invalid 'starting_after': expected a non-negative integer, but "
                                  "got '{}' instead.",
                                  *value),
                      "invalid_request_error", "starting_after", "invalid_value"},
          context.request_id, context.quick.at, context.quick.processing);
    }
  }
  MockResponse response;
  response.status = 200;
  response.headers = StandardHeaders("text/event-stream; charset=utf-8", context.request_id,
                                     context.quick.processing);
  response.headers_at = context.quick.at;
  // Each event keeps the instant it was due at in the original stream; one already due goes
  // out with the head. Events due at one instant share a chunk, as the renderer groups them.
  SseDecoder decoder;
  std::vector<SseEvent> events;
  for (const TimedChunk& chunk : stream.chunks) {
    events.clear();
    decoder.Feed(chunk.bytes, events);
    const Duration due = std::max(context.quick.at, stream.sent_at + chunk.at - context.sent_at);
    for (const SseEvent& event : events) {
      rapidjson::Document data;
      const rapidjson::Value* seq =
          json::ParseDocument(event.data, data) ? nullptr : FindMember(&data, "sequence_number");
      if (seq == nullptr || !seq->IsInt64() || seq->GetInt64() <= after) continue;
      if (response.chunks.empty() || response.chunks.back().at != due) {
        response.chunks.push_back(TimedChunk{due, {}});
      }
      AppendSseEvent(response.chunks.back().bytes, event.type, event.data);
    }
  }
  return response;
}

MockResponse ResponsesApi::Retrieve(const HttpRequest& request, const RequestContext& context) {
  // The id is the path segment after "responses/"; of the query only stream and
  // starting_after are read (include[] is ignored).
  std::string_view target = request.target;
  std::string_view query;
  if (const auto q = target.find('?'); q != std::string_view::npos) {
    query = target.substr(q + 1);
    target = target.substr(0, q);
  }
  constexpr std::string_view kMarker = "/responses/";
  const auto pos = target.find(kMarker);
  std::string_view id =
      pos == std::string_view::npos ? std::string_view() : target.substr(pos + kMarker.size());
  if (const auto slash = id.find('/'); slash != std::string_view::npos) id = id.substr(0, slash);

  const auto it = responses_.find(std::string(id));
  if (it == responses_.end()) {
    return MakeErrorResponse(OpenAiError{404, fmt::format("Response with id '{}' not found.", id),
                                         "invalid_request_error", std::nullopt, std::nullopt},
                             context.request_id, context.quick.at, context.quick.processing);
  }
  if (QueryParameter(query, "stream") == "true") {
    const auto streamed = background_streams_.find(it->first);
    if (streamed == background_streams_.end()) {
      // The mock's wording: the API streams only background responses from this endpoint.
      return MakeErrorResponse(
          OpenAiError{400,
                      fmt::format("Response with id '{}' was not created with background=true "
                                  "and stream=true, so it cannot be streamed.",
                                  id),
                      "invalid_request_error", "stream", std::nullopt},
          context.request_id, context.quick.at, context.quick.processing);
    }
    return ResumeStream(streamed->second, query, context);
  }
  MockResponse response;
  response.status = 200;
  response.headers =
      StandardHeaders("application/json", context.request_id, context.quick.processing);
  response.headers_at = context.quick.at;
  response.chunks.push_back(TimedChunk{context.quick.at, it->second.object});
  return response;
}

}  // namespace agentreplay::mocks
