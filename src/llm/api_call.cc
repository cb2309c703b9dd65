#include "llm/api_call.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <mutex>
#include <set>

namespace agentreplay {

HttpRequest MakeJsonRequest(const LlmClientOptions& options, std::string_view method,
                            std::string_view path, std::string body, bool accept_stream) {
  HttpRequest req;
  req.method = std::string(method);
  req.target = options.api_prefix + std::string(path);
  req.headers.push_back({"Content-Type", "application/json"});
  req.headers.push_back({"Accept", accept_stream ? "text/event-stream" : "application/json"});
  for (const auto& h : options.extra_headers) req.headers.push_back(h);
  req.body = std::move(body);
  return req;
}

Error ErrorFromHttpStatus(int status, std::string_view body) {
  Error err;
  err.kind = ErrorKind::kHttpStatus;
  err.http_status = status;
  err.reason = fmt::format("http_{}", status);
  err.message = fmt::format("HTTP {}", status);
  rapidjson::Document doc;
  if (json::Parse(body, doc) && doc.IsObject()) {
    if (const auto* e = json::GetObject(doc, "error")) {
      const auto message = json::GetString(*e, "message");
      const auto code = json::GetString(*e, "code");
      if (!message.empty()) err.message = fmt::format("HTTP {}: {}", status, message);
      if (!code.empty()) err.reason += fmt::format(":{}", code);
    }
  }
  return err;
}

StepResult FailedStep(Error error, size_t tool_schema_bytes) {
  StepResult r;
  r.outcome = StepResult::Outcome::kFailed;
  r.error = std::move(error);
  r.tool_schema_bytes = tool_schema_bytes;
  return r;
}

Task<std::optional<Error>> FailureOf(HttpResponse& response) {
  if (response.error) co_return std::move(*response.error);
  if (response.status >= 200 && response.status < 300) co_return std::nullopt;
  BodyChunk all = co_await ReadAll(*response.body);
  co_return ErrorFromHttpStatus(response.status, all.bytes);
}

Task<std::optional<Error>> ReadJsonObject(BodyStream& body, int status, rapidjson::Document& doc) {
  BodyChunk all = co_await ReadAll(body);
  if (all.error) co_return std::move(*all.error);
  if (auto parsed = json::Parse(all.bytes, doc); !parsed || !doc.IsObject()) {
    co_return Error{ErrorKind::kProtocol, "bad_response_json",
                    "response body is not a JSON object: " +
                        (parsed ? std::string("not an object") : parsed.error()),
                    status};
  }
  co_return std::nullopt;
}

Error SseOverflow(const SseDecoder& decoder) {
  return Error{ErrorKind::kProtocol, "sse_event_too_large",
               fmt::format("an SSE event is longer than {} bytes", decoder.max_event_bytes()), 0};
}

Task<std::optional<Error>> ReadSse(BodyStream& body,
                                   const std::function<void(const SseEvent&)>& on_event,
                                   const std::function<bool()>& finished) {
  SseDecoder decoder;
  std::vector<SseEvent> events;
  for (;;) {
    BodyChunk chunk = co_await body.Next();
    if (!chunk.bytes.empty()) {
      decoder.Feed(chunk.bytes, events);
      for (const auto& ev : events) on_event(ev);
      events.clear();
    }
    if (decoder.overflowed()) co_return SseOverflow(decoder);
    if (chunk.error) co_return std::move(*chunk.error);
    if (!chunk.end && finished()) co_return std::nullopt;
    if (chunk.end) {
      decoder.Finish();
      co_return std::nullopt;
    }
  }
}

void ReportUnrecognisedEvent(EventSink& sink, const Clock& clock, std::string_view runtime,
                             std::string_view type) {
  static std::mutex mutex;
  static std::set<std::string, std::less<>> warned;
  const std::string key = fmt::format("{}:{}", runtime, type);
  bool first = false;
  {
    std::lock_guard lock(mutex);
    first = warned.insert(key).second;
  }
  if (first) {
    spdlog::warn("{}: the stream carries an event type this client does not know: '{}'", runtime,
                 type);
  }
  AgentEvent event;
  event.type = AgentEventType::kUnrecognisedEvent;
  event.at = clock.Now();
  event.text = std::string(type);
  event.detail = std::string(runtime);
  sink.OnEvent(event);
}

size_t WriteToolSpec(json::Writer& w, rapidjson::StringBuffer& buffer, const ToolSpec& tool,
                     bool nested) {
  const size_t before = buffer.GetSize();
  w.StartObject();
  json::Key(w, "type");
  json::String(w, "function");
  if (nested) {
    json::Key(w, "function");
    w.StartObject();
  }
  json::Key(w, "name");
  json::String(w, tool.name);
  json::Key(w, "description");
  json::String(w, tool.description);
  json::Key(w, "parameters");
  w.RawValue(tool.parameters.data(), tool.parameters.size(), rapidjson::kObjectType);
  if (!nested) {
    json::Key(w, "strict");
    w.Bool(false);
  }
  if (nested) w.EndObject();
  w.EndObject();
  return buffer.GetSize() - before;
}

}  // namespace agentreplay
