// Routing, assistants, threads and messages of the mock's Assistants API (the list and
// retrieve endpoints are in assistants_views.cc, runs in assistants_runs.cc).
#include "mocks/api/assistants/assistants_api.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "json/json_text.h"
#include "mocks/api/assistants/assistants_call.h"
#include "mocks/api/assistants/assistants_renderer.h"
#include "mocks/api/wire_json.h"

namespace agentreplay::mocks {
namespace {

constexpr std::array<std::string_view, 15> kEndpoints = {
    "assistants.create",
    "assistants.retrieve",
    "threads.create",
    "threads.create_and_run",
    "threads.retrieve",
    "messages.create",
    "messages.list",
    "messages.retrieve",
    "runs.create",
    "runs.list",
    "runs.retrieve",
    "runs.cancel",
    "runs.submit_tool_outputs",
    "runs.steps.list",
    "runs.steps.retrieve",
};

// The API's wording when the beta header is missing (or names another version).
OpenAiError MissingBetaHeader() {
  return OpenAiError{400,
                     "You must provide the 'OpenAI-Beta' header to access the Assistants API. "
                     "Please try again by setting the header 'OpenAI-Beta: assistants=v2'.",
                     "invalid_request_error", std::nullopt, std::nullopt};
}

std::vector<std::string> PathSegments(std::string_view target) {
  if (const auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < target.size()) {
    size_t end = target.find('/', pos);
    if (end == std::string_view::npos) end = target.size();
    if (end > pos) out.emplace_back(target.substr(pos, end - pos));
    pos = end + 1;
  }
  if (!out.empty() && out.front() == "v1") out.erase(out.begin());
  return out;
}

std::map<std::string, std::string, std::less<>> QueryParameters(std::string_view target) {
  std::map<std::string, std::string, std::less<>> out;
  const auto q = target.find('?');
  if (q == std::string_view::npos) return out;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const auto eq = pair.find('=');
    out.emplace(std::string(pair.substr(0, eq)),
                eq == std::string_view::npos ? std::string() : std::string(pair.substr(eq + 1)));
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
  }
  return out;
}

// The text of a message's content: a string, or the text parts of an array of parts.
std::optional<std::string> ContentText(const rapidjson::Value& content) {
  if (content.IsString()) return std::string(content.GetString(), content.GetStringLength());
  if (!content.IsArray()) return std::nullopt;
  std::string text;
  for (const auto& part : content.GetArray()) {
    if (AssistantsString(FindMember(&part, "type")) == "text") {
      text += AssistantsString(FindMember(&part, "text"));
    }
  }
  return text;
}

}  // namespace

std::string_view AssistantsString(const rapidjson::Value* v) {
  return v != nullptr && v->IsString() ? std::string_view(v->GetString(), v->GetStringLength())
                                       : std::string_view();
}

OpenAiError NotFound(std::string_view kind, std::string_view id) {
  return OpenAiError{404, fmt::format("No {} found with id '{}'.", kind, id),
                     "invalid_request_error", std::nullopt, std::nullopt};
}

MockResponse AssistantsApi::Call::Fail(const OpenAiError& error) const {
  return MakeErrorResponse(error, context.request_id, context.quick.at, context.quick.processing);
}

MockResponse AssistantsApi::Call::Json(std::string json) const {
  MockResponse response;
  response.status = 200;
  response.headers =
      StandardHeaders("application/json", context.request_id, context.quick.processing);
  response.headers_at = context.quick.at;
  response.chunks.push_back(TimedChunk{context.quick.at, std::move(json)});
  return response;
}

const rapidjson::Value* AssistantsApi::Call::Body(std::string_view key) const {
  const rapidjson::Value* v = FindMember(body.get(), key);
  return v != nullptr && !v->IsNull() ? v : nullptr;
}

bool AssistantsApi::Call::Stream() const {
  const rapidjson::Value* v = Body("stream");
  return v != nullptr && v->IsBool() && v->GetBool();
}

AssistantsApi::AssistantsApi(const Scenario& scenario, const KnowledgeBase& knowledge,
                             uint64_t seed, MockIds& ids)
    : scenario_(scenario), knowledge_(knowledge), seed_(seed), ids_(ids), resolver_(scenario) {}

AssistantsApi::~AssistantsApi() = default;

bool AssistantsApi::Handles(std::string_view endpoint) {
  return std::find(kEndpoints.begin(), kEndpoints.end(), endpoint) != kEndpoints.end();
}

MockResponse AssistantsApi::Handle(std::string_view endpoint, const HttpRequest& request,
                                   const RequestContext& context) {
  Call call{request,
            context,
            PathSegments(request.target),
            QueryParameters(request.target),
            nullptr,
            context.sent_at + (context.quick.at - context.quick.processing) / 2};
  const auto beta = FindHeader(request.headers, "OpenAI-Beta");
  if (!beta || beta->find("assistants=v2") == std::string_view::npos) {
    return call.Fail(MissingBetaHeader());
  }
  auto body = std::make_shared<rapidjson::Document>();
  const bool blank = std::all_of(request.body.begin(), request.body.end(),
                                 [](char c) { return c == ' ' || c == '\n' || c == '\r'; });
  if (request.method != "POST" || blank) {
    body->SetObject();  // an empty POST (threads.create) is an empty object
  } else {
    if (json::ParseDocument<rapidjson::kParseValidateEncodingFlag>(request.body, *body) ||
        !body->IsObject()) {
      return call.Fail(MalformedJsonBody());
    }
  }
  call.body = std::move(body);

  if (endpoint == "assistants.create") return CreateAssistant(call);
  if (endpoint == "assistants.retrieve") return RetrieveAssistant(call);
  if (endpoint == "threads.create") return CreateThread(call);
  if (endpoint == "threads.create_and_run") return CreateThreadAndRun(call);
  if (endpoint == "threads.retrieve") return RetrieveThread(call);
  if (endpoint == "messages.create") return CreateMessage(call);
  if (endpoint == "messages.list") return ListMessages(call);
  if (endpoint == "messages.retrieve") return RetrieveMessage(call);
  if (endpoint == "runs.create") return CreateRun(call);
  if (endpoint == "runs.list") return ListRuns(call);
  if (endpoint == "runs.retrieve") return RetrieveRun(call);
  if (endpoint == "runs.cancel") return CancelRun(call);
  if (endpoint == "runs.submit_tool_outputs") return SubmitToolOutputs(call);
  if (endpoint == "runs.steps.list") return ListSteps(call);
  if (endpoint == "runs.steps.retrieve") return RetrieveStep(call);
  return call.Fail(InvalidUrl(request.method, request.target));
}

ThreadRecord* AssistantsApi::FindThread(std::string_view id, std::optional<OpenAiError>& error) {
  const auto it = threads_.find(id);
  if (it == threads_.end()) {
    error = NotFound("thread", id);
    return nullptr;
  }
  return &it->second;
}

RunRecord* AssistantsApi::FindRun(const ThreadRecord& thread, std::string_view id,
                                  std::optional<OpenAiError>& error) {
  const auto it = runs_.find(id);
  if (it == runs_.end() || it->second.thread_id != thread.id) {
    error = NotFound("run", id);
    return nullptr;
  }
  return &it->second;
}

const AssistantRecord* AssistantsApi::StoredAssistant(std::string_view id) const {
  const auto it = assistants_.find(id);
  return it == assistants_.end() ? nullptr : &it->second;
}

const RunRecord* AssistantsApi::ActiveRun(const ThreadRecord& thread, TimePoint at) const {
  for (const auto& id : thread.run_ids) {
    const RunRecord& run = runs_.at(id);
    if (IsActiveStatus(ViewAt(run, at).status)) return &run;
  }
  return nullptr;
}

const RunRecord* AssistantsApi::RunOf(const ThreadMessage& message) const {
  if (message.run_id.empty()) return nullptr;
  const auto it = runs_.find(message.run_id);
  return it == runs_.end() ? nullptr : &it->second;
}

MockResponse AssistantsApi::CreateAssistant(Call& call) {
  if (AssistantsString(call.Body("model")).empty()) return call.Fail(MissingParameter("model"));
  AssistantRecord assistant;
  assistant.id = ids_.AssistantId();
  assistant.created_at = AssistantsEpochSeconds(call.arrival);
  assistant.echo = call.Echo(call.body.get());
  std::string body =
      PrettyBody([&](PrettyJsonWriter& w) { WriteAssistantObject(w, assistant, scenario_.model); });
  assistants_.emplace(assistant.id, std::move(assistant));
  return call.Json(std::move(body));
}

MockResponse AssistantsApi::RetrieveAssistant(Call& call) {
  const std::string& id = call.path.at(1);
  AssistantRecord provisioned;
  const AssistantRecord* assistant = StoredAssistant(id);
  if (assistant == nullptr) {
    if (!id.starts_with("asst_")) return call.Fail(NotFound("assistant", id));
    // Provisioned ahead: the scenario's model, the API's defaults for everything else.
    provisioned.id = id;
    provisioned.created_at = AssistantsEpochSeconds(TimePoint{});
    assistant = &provisioned;
  }
  return call.Json(PrettyBody(
      [&](PrettyJsonWriter& w) { WriteAssistantObject(w, *assistant, scenario_.model); }));
}

std::optional<OpenAiError> AssistantsApi::ReadMessages(const Call& call,
                                                       const rapidjson::Value* list,
                                                       std::string_view param,
                                                       std::vector<NewMessage>& out) {
  if (list == nullptr) return std::nullopt;
  if (!list->IsArray()) {
    return OpenAiError{400,
                       fmt::format("Invalid type for '{}': expected an array, but got another "
                                   "type instead.",
                                   param),
                       "invalid_request_error", std::string(param), "invalid_type"};
  }
  rapidjson::SizeType index = 0;
  for (const auto& item : list->GetArray()) {
    const std::string prefix = param.empty() ? std::string() : fmt::format("{}[{}].", param, index);
    const rapidjson::Value* role = FindMember(&item, "role");
    const rapidjson::Value* content = FindMember(&item, "content");
    if (role == nullptr || role->IsNull()) return MissingParameter(prefix + "role");
    if (content == nullptr || content->IsNull()) return MissingParameter(prefix + "content");
    NewMessage message;
    message.role = AssistantsString(role);
    if (message.role != "user" && message.role != "assistant") {
      return OpenAiError{400,
                         fmt::format("Invalid value: '{}'. Supported values are: 'user' and "
                                     "'assistant'.",
                                     message.role),
                         "invalid_request_error", prefix + "role", "invalid_value"};
    }
    const auto text = ContentText(*content);
    if (!text) {
      return OpenAiError{400,
                         fmt::format("Invalid type for '{}content': expected one of a string or "
                                     "array of objects, but got another type instead.",
                                     prefix),
                         "invalid_request_error", prefix + "content", "invalid_type"};
    }
    message.text = *text;
    message.echo = call.Echo(&item);
    out.push_back(std::move(message));
    ++index;
  }
  return std::nullopt;
}

void AssistantsApi::AddMessages(ThreadRecord& thread, std::vector<NewMessage>& messages,
                                TimePoint at) {
  for (auto& m : messages) {
    ThreadMessage message;
    message.id = ids_.MessageId();
    message.thread_id = thread.id;
    message.role = std::move(m.role);
    message.text = std::move(m.text);
    message.created_at = AssistantsEpochSeconds(at);
    message.visible_at = at;
    message.echo = std::move(m.echo);
    if (message.role == "user") ++thread.user_messages;
    thread.messages.push_back(std::move(message));
  }
}

MockResponse AssistantsApi::CreateThread(Call& call) {
  std::vector<NewMessage> messages;
  if (auto error = ReadMessages(call, call.Body("messages"), "messages", messages)) {
    return call.Fail(*error);
  }
  ThreadRecord thread;
  thread.id = ids_.ThreadId();
  thread.created_at = AssistantsEpochSeconds(call.arrival);
  thread.echo = call.Echo(call.body.get());
  AddMessages(thread, messages, call.arrival);
  std::string body = PrettyBody([&](PrettyJsonWriter& w) { WriteThreadObject(w, thread); });
  threads_.emplace(thread.id, std::move(thread));
  return call.Json(std::move(body));
}

MockResponse AssistantsApi::RetrieveThread(Call& call) {
  std::optional<OpenAiError> error;
  const ThreadRecord* thread = FindThread(call.path.at(1), error);
  if (thread == nullptr) return call.Fail(*error);
  return call.Json(PrettyBody([&](PrettyJsonWriter& w) { WriteThreadObject(w, *thread); }));
}

MockResponse AssistantsApi::CreateMessage(Call& call) {
  std::optional<OpenAiError> error;
  ThreadRecord* thread = FindThread(call.path.at(1), error);
  if (thread == nullptr) return call.Fail(*error);
  // The body is one message: validate it as a one-element list without a prefix.
  rapidjson::Document list;
  list.SetArray();
  list.PushBack(rapidjson::Value(*call.body, list.GetAllocator()), list.GetAllocator());
  std::vector<NewMessage> messages;
  if (auto invalid = ReadMessages(call, &list, "", messages)) return call.Fail(*invalid);
  messages.front().echo = call.Echo(call.body.get());
  if (const RunRecord* active = ActiveRun(*thread, call.arrival)) {
    return call.Fail(OpenAiError{
        400,
        fmt::format("Can't add messages to {} while a run {} is active.", thread->id, active->id),
        "invalid_request_error", std::nullopt, std::nullopt});
  }
  AddMessages(*thread, messages, call.arrival);
  const ThreadMessage& message = thread->messages.back();
  return call.Json(PrettyBody(
      [&](PrettyJsonWriter& w) { WriteMessageObject(w, message, MessageForm::kObject); }));
}

}  // namespace agentreplay::mocks
