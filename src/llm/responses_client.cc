#include "llm/responses_client.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <mutex>

#include "json/json_text.h"
#include "llm/api_call.h"
#include "llm/responses_stream.h"
#include "sse/sse_decoder.h"

namespace agentreplay {

template <typename WriteInput>
std::string ResponsesClient::BuildBody(std::span<const ToolSpec> tools, size_t& schema_bytes,
                                       WriteInput&& write_input) {
  rapidjson::StringBuffer buffer;
  json::Writer w(buffer);
  w.StartObject();
  if (!previous_response_id_.empty()) {
    json::Key(w, "previous_response_id");
    json::String(w, previous_response_id_);
  }
  json::Key(w, "model");
  json::String(w, options_.model);
  // Instructions do not carry over through previous_response_id, so every request sends them.
  if (!options_.instructions.empty()) {
    json::Key(w, "instructions");
    json::String(w, options_.instructions);
  }
  schema_bytes = 0;
  const bool attach =
      options_.vector_store.attach && !options_.vector_store.vector_store_ids.empty();
  if (!tools.empty() || attach) {
    json::Key(w, "tools");
    w.StartArray();
    for (const auto& tool : tools) schema_bytes += WriteToolSpec(w, buffer, tool, false);
    if (attach) {
      const size_t before = buffer.GetSize();
      w.StartObject();
      json::Key(w, "type");
      json::String(w, "file_search");
      json::Key(w, "vector_store_ids");
      w.StartArray();
      for (const auto& id : options_.vector_store.vector_store_ids) json::String(w, id);
      w.EndArray();
      w.EndObject();
      schema_bytes += buffer.GetSize() - before;
    }
    w.EndArray();
  }
  json::Key(w, "input");
  w.StartArray();
  const size_t input_start = buffer.GetSize();
  write_input(w);
  const size_t input_end = buffer.GetSize();
  w.EndArray();
  if (options_.stream) {
    if (options_.background) {
      json::Key(w, "background");
      w.Bool(true);
    }
    json::Key(w, "stream");
    w.Bool(true);
  }
  w.EndObject();
  step_previous_id_ = previous_response_id_;
  step_input_.assign(buffer.GetString() + input_start, input_end - input_start);
  return std::string(buffer.GetString(), buffer.GetSize());
}

Task<StepResult> ResponsesClient::RetryStep(std::span<const ToolSpec> tools) {
  previous_response_id_ = step_previous_id_;
  const std::string input = step_input_;
  size_t schema_bytes = 0;
  std::string body = BuildBody(tools, schema_bytes, [&](json::Writer& w) {
    // The items were written by this writer before; replay them verbatim, comma-separated.
    w.RawValue(input.data(), input.size(), rapidjson::kObjectType);
  });
  co_return co_await Post(std::move(body), schema_bytes);
}

Task<StepResult> ResponsesClient::StartTurn(std::string user_message,
                                            std::span<const ToolSpec> tools) {
  // Said once per process: a matrix runs thousands of turns.
  static std::once_flag attached_once, fallback_once;
  if (options_.vector_store.attach) {
    std::call_once(attached_once, [] { spdlog::info("responses: vector store attached OK"); });
  } else {
    std::call_once(fallback_once, [] {
      spdlog::warn(
          "responses: client does not support tool_resources for this agent; falling back to "
          "no vector store (file_search unavailable)");
    });
  }
  size_t schema_bytes = 0;
  std::string body = BuildBody(tools, schema_bytes, [&](json::Writer& w) {
    w.StartObject();
    json::Key(w, "type");
    json::String(w, "message");
    json::Key(w, "role");
    json::String(w, "user");
    json::Key(w, "content");
    w.StartArray();
    w.StartObject();
    json::Key(w, "type");
    json::String(w, "input_text");
    json::Key(w, "text");
    json::String(w, user_message);
    w.EndObject();
    w.EndArray();
    w.EndObject();
  });
  co_return co_await Post(std::move(body), schema_bytes);
}

Task<StepResult> ResponsesClient::SubmitToolOutputs(std::vector<ToolOutput> outputs,
                                                    std::span<const ToolSpec> tools) {
  size_t schema_bytes = 0;
  std::string body = BuildBody(tools, schema_bytes, [&](json::Writer& w) {
    for (const auto& out : outputs) {
      w.StartObject();
      json::Key(w, "type");
      json::String(w, custom_call_ids_.contains(out.call_id) ? "custom_tool_call_output"
                                                             : "function_call_output");
      json::Key(w, "call_id");
      json::String(w, out.call_id);
      json::Key(w, "output");
      json::String(w, out.output);
      w.EndObject();
    }
  });
  co_return co_await Post(std::move(body), schema_bytes);
}

Task<StepResult> ResponsesClient::Post(std::string body, size_t schema_bytes) {
  HttpRequest request =
      MakeJsonRequest(options_, "POST", "/responses", std::move(body), options_.stream);
  HttpResponse response = co_await ports_.transport.Send(std::move(request));
  if (auto err = co_await FailureOf(response)) co_return FailedStep(std::move(*err), schema_bytes);

  ResponsesStreamState state(ports_.sink, ports_.clock);
  if (!options_.stream) {
    rapidjson::Document doc;
    if (auto err = co_await ReadJsonObject(*response.body, response.status, doc)) {
      co_return FailedStep(std::move(*err), schema_bytes);
    }
    state.OnResponseObject(doc);
  } else {
    auto broke = co_await ReadSse(
        *response.body, [&](const SseEvent& ev) { state.OnEvent(ev); },
        [&] { return state.terminal(); });
    // A break after the terminal event loses nothing; before it, the step failed, with the
    // error event's reason when one came (the response.failed after it went missing), unless
    // a background response's stream can be picked up where it broke.
    if (!state.terminal() && !state.stream_error()) {
      Error error = broke ? std::move(*broke)
                          : Error{ErrorKind::kProtocol, "stream_truncated",
                                  "the stream ended before response.completed", response.status};
      if (auto failed = co_await Resume(state, std::move(error))) {
        co_return FailedStep(std::move(*failed), schema_bytes);
      }
    }
  }
  if (!state.response_id().empty()) previous_response_id_ = state.response_id();
  custom_call_ids_ = state.custom_call_ids();
  StepResult result = state.TakeResult();
  result.tool_schema_bytes = schema_bytes;
  co_return result;
}

Task<std::optional<Error>> ResponsesClient::Resume(ResponsesStreamState& state, Error broke) {
  if (!options_.background) co_return broke;
  for (int attempt = 0; attempt < options_.max_stream_resumes; ++attempt) {
    // Without the response's id and an event to resume after, there is nothing to resume.
    if (state.response_id().empty() || !state.last_sequence_number()) co_return broke;
    const int64_t after = *state.last_sequence_number();
    state.BeginResume();
    SPDLOG_DEBUG("responses: stream of {} broke ({}); resuming after event {}", state.response_id(),
                 broke.reason, after);
    AgentEvent resuming;
    resuming.type = AgentEventType::kStatus;
    resuming.at = ports_.clock.Now();
    resuming.text = "resuming";
    resuming.detail = fmt::format("{}", after);
    ports_.sink.OnEvent(resuming);
    HttpRequest request = MakeJsonRequest(
        options_, "GET",
        fmt::format("/responses/{}?stream=true&starting_after={}", state.response_id(), after), "",
        true);
    HttpResponse response = co_await ports_.transport.Send(std::move(request));
    if (auto err = co_await FailureOf(response)) {
      // The server refused (gone, not a background response): another try cannot help.
      if (err->kind == ErrorKind::kHttpStatus) co_return std::move(*err);
      broke = std::move(*err);
      continue;
    }
    auto again = co_await ReadSse(
        *response.body, [&](const SseEvent& ev) { state.OnEvent(ev); },
        [&] { return state.terminal(); });
    if (state.terminal() || state.stream_error()) co_return std::nullopt;
    broke = again ? std::move(*again)
                  : Error{ErrorKind::kProtocol, "stream_truncated",
                          "the resumed stream ended before response.completed", response.status};
  }
  co_return broke;
}

}  // namespace agentreplay
