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
      json::String(w, "function_call_output");
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
  auto fail = [schema_bytes](Error error) {
    StepResult r;
    r.outcome = StepResult::Outcome::kFailed;
    r.error = std::move(error);
    r.tool_schema_bytes = schema_bytes;
    return r;
  };

  HttpResponse response = co_await ports_.transport.Send(
      MakeJsonRequest(options_, "POST", "/responses", std::move(body), options_.stream));
  if (response.error) co_return fail(std::move(*response.error));
  if (response.status < 200 || response.status >= 300) {
    BodyChunk all = co_await ReadAll(*response.body);
    co_return fail(ErrorFromHttpStatus(response.status, all.bytes));
  }

  ResponsesStreamState state(ports_.sink, ports_.clock);
  if (!options_.stream) {
    BodyChunk all = co_await ReadAll(*response.body);
    if (all.error) co_return fail(std::move(*all.error));
    rapidjson::Document doc;
    if (auto err = json::Parse(all.bytes, doc); err || !doc.IsObject()) {
      co_return fail(Error{ErrorKind::kProtocol, "bad_response_json",
                           "response body is not a JSON object: " + err.value_or("not an object"),
                           response.status});
    }
    state.OnResponseObject(doc);
  } else {
    SseDecoder decoder;
    std::vector<SseEvent> events;
    for (;;) {
      BodyChunk chunk = co_await response.body->Next();
      if (!chunk.bytes.empty()) {
        decoder.Feed(chunk.bytes, events);
        for (const auto& ev : events) state.OnEvent(ev);
        events.clear();
      }
      if (chunk.error) {
        // A break after the terminal event loses nothing; before it, the step failed.
        if (!state.terminal()) co_return fail(std::move(*chunk.error));
        break;
      }
      if (chunk.end) {
        decoder.Finish();
        break;
      }
    }
    if (!state.terminal()) {
      co_return fail(Error{ErrorKind::kProtocol, "stream_truncated",
                           "the stream ended before response.completed", response.status});
    }
  }
  if (!state.response_id().empty()) previous_response_id_ = state.response_id();
  StepResult result = state.TakeResult();
  result.tool_schema_bytes = schema_bytes;
  co_return result;
}

}  // namespace agentreplay
