#include "llm/assistants_client.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <mutex>

#include "json/json_text.h"
#include "llm/api_call.h"

namespace agentreplay {
namespace {

// The Assistants API answers only requests that opt into its beta version.
constexpr std::string_view kBetaHeader = "OpenAI-Beta";
constexpr std::string_view kBetaValue = "assistants=v2";

// The legacy handler looked at the latest few runs; an open run is always among the newest.
constexpr std::string_view kRunsListQuery = "?limit=10";

// The warning is about the handler's configuration, not a turn: once per process is enough
// and keeps the log readable across thousands of simulated turns.
std::once_flag no_vector_store_warning;

bool IsSuccess(int status) { return status >= 200 && status < 300; }

}  // namespace

void AssistantsClient::Emit(AgentEventType type, std::string text, std::string call_id,
                            std::string tool_name) {
  EmitAgentEvent(ports_.sink, ports_.clock, type, std::move(text), std::move(call_id),
                 std::move(tool_name));
}

HttpRequest AssistantsClient::MakeRequest(std::string_view method, std::string path,
                                          std::string body, bool accept_stream) const {
  HttpRequest req = MakeJsonRequest(options_, method, path, std::move(body), accept_stream);
  if (method == "GET") {
    // A GET carries no body, so it has no content type (as the official SDKs send it).
    std::erase_if(req.headers, [](const HttpHeader& h) { return h.name == "Content-Type"; });
  }
  if (!FindHeader(req.headers, kBetaHeader)) {
    req.headers.push_back({std::string(kBetaHeader), std::string(kBetaValue)});
  }
  return req;
}

Task<AssistantsClient::JsonReply> AssistantsClient::CallJson(std::string method, std::string path,
                                                             std::string body) {
  JsonReply reply;
  HttpResponse response = co_await ports_.transport.Send(
      MakeRequest(method, std::move(path), std::move(body), /*accept_stream=*/false));
  if (response.error) {
    reply.error = std::move(response.error);
    co_return std::move(reply);
  }
  BodyChunk all = co_await ReadAll(*response.body);
  if (!IsSuccess(response.status)) {
    reply.error = ErrorFromHttpStatus(response.status, all.bytes);
  } else if (all.error) {
    reply.error = std::move(all.error);
  } else if (auto parsed = json::Parse(all.bytes, reply.doc); !parsed || !reply.doc.IsObject()) {
    reply.error = Error{ErrorKind::kProtocol, "bad_response_json",
                        "response body is not a JSON object: " +
                            (parsed ? std::string("not an object") : parsed.error()),
                        response.status};
  }
  co_return std::move(reply);
}

Task<std::optional<Error>> AssistantsClient::EnsureThread() {
  if (!thread_id_.empty()) co_return std::nullopt;
  const bool attach = options_.vector_store.attach;
  std::string body = "{}";
  if (attach) {
    rapidjson::StringBuffer buffer;
    json::Writer w(buffer);
    w.StartObject();
    json::Key(w, "tool_resources");
    w.StartObject();
    json::Key(w, "file_search");
    w.StartObject();
    json::Key(w, "vector_store_ids");
    w.StartArray();
    for (const auto& id : options_.vector_store.vector_store_ids) json::String(w, id);
    w.EndArray();
    w.EndObject();
    w.EndObject();
    w.EndObject();
    body.assign(buffer.GetString(), buffer.GetSize());
  }
  JsonReply reply = co_await CallJson("POST", "/threads", std::move(body));
  if (reply.error) co_return std::move(reply.error);
  const auto id = json::GetString(reply.doc, "id");
  if (id.empty()) {
    co_return Error{ErrorKind::kProtocol, "bad_thread", "threads.create answered without an id", 0};
  }
  thread_id_ = id;
  // These two lines are what the package p1 study looked for in the handler's log.
  if (attach) {
    spdlog::info("assistants: vector store attached OK");
  } else {
    std::call_once(no_vector_store_warning, [] {
      spdlog::warn(
          "assistants: client does not support tool_resources for this assistant; falling back "
          "to no vector store");
    });
  }
  co_return std::nullopt;
}

Task<std::optional<Error>> AssistantsClient::WaitWhileRunsOpen() {
  const TimePoint start = ports_.clock.Now();
  for (;;) {
    JsonReply reply =
        co_await CallJson("GET", fmt::format("/threads/{}/runs{}", thread_id_, kRunsListQuery), {});
    if (reply.error) co_return std::move(reply.error);
    bool open = false;
    if (const auto* data = json::GetArray(reply.doc, "data")) {
      for (const auto& run : data->GetArray()) {
        open = open || IsOpenRunStatus(json::GetString(run, "status"));
      }
    }
    if (!open) co_return std::nullopt;
    if (ports_.clock.Now() - start >= options_.assistants.run_timeout) {
      co_return Error{ErrorKind::kTimeout, "run_wait_timeout",
                      "a run of the thread stayed open longer than run_timeout", 0};
    }
    co_await ports_.clock.Sleep(options_.assistants.poll_interval);
  }
}

Task<std::optional<Error>> AssistantsClient::ListMessages(std::string query,
                                                          std::optional<AssistantAnswer>& answer) {
  JsonReply reply =
      co_await CallJson("GET", fmt::format("/threads/{}/messages{}", thread_id_, query), {});
  if (reply.error) co_return std::move(reply.error);
  answer = NewestAssistantAnswer(reply.doc, run_id_);
  co_return std::nullopt;
}

std::string AssistantsClient::RunCreateBody(std::span<const ToolSpec> tools,
                                            size_t& schema_bytes) const {
  rapidjson::StringBuffer buffer;
  json::Writer w(buffer);
  w.StartObject();
  json::Key(w, "assistant_id");
  json::String(w, options_.assistants.assistant_id);
  schema_bytes = 0;
  const bool file_search = options_.vector_store.attach;
  // An empty list would replace the assistant's tools with none, so it is left out instead.
  if (!tools.empty() || file_search) {
    json::Key(w, "tools");
    w.StartArray();
    for (const auto& tool : tools) schema_bytes += WriteToolSpec(w, buffer, tool, true);
    if (file_search) {
      const size_t before = buffer.GetSize();
      w.StartObject();
      json::Key(w, "type");
      json::String(w, "file_search");
      w.EndObject();
      schema_bytes += buffer.GetSize() - before;
    }
    w.EndArray();
  }
  if (options_.stream) {
    json::Key(w, "stream");
    w.Bool(true);
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Task<StepResult> AssistantsClient::StartTurn(std::string user_message,
                                             std::span<const ToolSpec> tools) {
  if (auto err = co_await EnsureThread()) co_return FailedStep(std::move(*err));

  rapidjson::StringBuffer buffer;
  json::Writer w(buffer);
  w.StartObject();
  json::Key(w, "role");
  json::String(w, "user");
  json::Key(w, "content");
  json::String(w, user_message);
  w.EndObject();
  JsonReply message = co_await CallJson("POST", fmt::format("/threads/{}/messages", thread_id_),
                                        std::string(buffer.GetString(), buffer.GetSize()));
  if (message.error) co_return FailedStep(std::move(*message.error));

  if (options_.assistants.list_runs_before_create) {
    if (auto err = co_await WaitWhileRunsOpen()) co_return FailedStep(std::move(*err));
  }

  run_id_.clear();
  last_status_.clear();
  size_t schema_bytes = 0;
  std::string body = RunCreateBody(tools, schema_bytes);
  StepResult result = co_await RunStep(MakeRequest(
      "POST", fmt::format("/threads/{}/runs", thread_id_), std::move(body), options_.stream));
  result.tool_schema_bytes = schema_bytes;
  co_return result;
}

Task<StepResult> AssistantsClient::SubmitToolOutputs(std::vector<ToolOutput> outputs,
                                                     std::span<const ToolSpec> /*tools*/) {
  if (run_id_.empty()) {
    co_return FailedStep(Error{ErrorKind::kInternal, "no_run_awaiting_outputs",
                               "tool outputs submitted while no run is at requires_action", 0});
  }
  if (options_.assistants.pause_before_submit > Duration::zero()) {
    co_await ports_.clock.Sleep(options_.assistants.pause_before_submit);
  }
  rapidjson::StringBuffer buffer;
  json::Writer w(buffer);
  w.StartObject();
  json::Key(w, "tool_outputs");
  w.StartArray();
  for (const auto& out : outputs) {
    w.StartObject();
    json::Key(w, "tool_call_id");
    json::String(w, out.call_id);
    json::Key(w, "output");
    json::String(w, out.output);
    w.EndObject();
  }
  w.EndArray();
  if (options_.stream) {
    json::Key(w, "stream");
    w.Bool(true);
  }
  w.EndObject();
  co_return co_await RunStep(MakeRequest(
      "POST", fmt::format("/threads/{}/runs/{}/submit_tool_outputs", thread_id_, run_id_),
      std::string(buffer.GetString(), buffer.GetSize()), options_.stream));
}

Task<StepResult> AssistantsClient::RetryStep(std::span<const ToolSpec> tools) {
  // A run cannot take a new tool list mid-step: cancel it and start a new run on the same
  // thread. (A new run re-reads the whole thread, so in the mock it replays the turn from its
  // first step; a step past the first costs more than one request to retry.)
  if (!run_id_.empty()) {
    JsonReply cancelled = co_await CallJson(
        "POST", fmt::format("/threads/{}/runs/{}/cancel", thread_id_, run_id_), "{}");
    if (cancelled.error) co_return FailedStep(std::move(*cancelled.error));
  }
  run_id_.clear();
  last_status_.clear();
  size_t schema_bytes = 0;
  std::string body = RunCreateBody(tools, schema_bytes);
  StepResult result = co_await RunStep(MakeRequest(
      "POST", fmt::format("/threads/{}/runs", thread_id_), std::move(body), options_.stream));
  result.tool_schema_bytes = schema_bytes;
  co_return result;
}

Task<StepResult> AssistantsClient::RunStep(HttpRequest request) {
  HttpResponse response = co_await ports_.transport.Send(std::move(request));
  StepResult result;
  if (response.error) {
    result = FailedStep(std::move(*response.error));
  } else if (!IsSuccess(response.status)) {
    BodyChunk all = co_await ReadAll(*response.body);
    result = FailedStep(ErrorFromHttpStatus(response.status, all.bytes));
  } else if (options_.stream) {
    result = co_await FollowStream(std::move(response));
  } else {
    BodyChunk all = co_await ReadAll(*response.body);
    rapidjson::Document doc;
    RunSnapshot run;
    if (all.error) {
      result = FailedStep(std::move(*all.error));
    } else if (!json::Parse(all.bytes, doc) || !ParseRun(doc, run)) {
      result = FailedStep(Error{ErrorKind::kProtocol, "bad_run_json",
                                "the answer is not a run object", response.status});
    } else {
      result = co_await FollowByPolling(std::move(run));
    }
  }
  // Only a run at requires_action is continued by SubmitToolOutputs.
  if (result.outcome != StepResult::Outcome::kToolCalls) run_id_.clear();
  co_return result;
}

}  // namespace agentreplay
