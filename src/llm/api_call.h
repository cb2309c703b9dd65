// Pieces every runtime's client needs around one API call: building the request and turning
// an unsuccessful HTTP answer into an Error with OpenAI's message.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "json/json_text.h"
#include "llm/llm_client.h"
#include "sse/sse_decoder.h"

namespace agentreplay {

HttpRequest MakeJsonRequest(const LlmClientOptions& options, std::string_view method,
                            std::string_view path, std::string body, bool accept_stream);

// An Error for an HTTP status >= 400, with OpenAI's error message and code when the body is
// the API's error shape: reason "http_<status>" or "http_<status>:<code>".
Error ErrorFromHttpStatus(int status, std::string_view body);

// A failed step carrying `error`.
StepResult FailedStep(Error error, size_t tool_schema_bytes = 0);

// The error of an answer that is not a 2xx response (transport failure or HTTP status, with
// OpenAI's message read from the body); nullopt for a usable answer.
Task<std::optional<Error>> FailureOf(HttpResponse& response);

// Reads a whole body that must be a JSON object into `doc`.
Task<std::optional<Error>> ReadJsonObject(BodyStream& body, int status, rapidjson::Document& doc);

// The error of a stream whose event outgrew the decoder's bound (kProtocol "sse_event_too_large").
Error SseOverflow(const SseDecoder& decoder);

// Decodes an SSE body as it arrives, handing each event to `on_event`, until the body ends or
// `finished` says the stream has said all it will (its terminal event arrived). Returns the
// error that broke the body, or nullopt; what the events meant is the caller's to judge.
// The step ends at the terminal event, not at the body's end: a server that holds the body
// open after it must not hold the turn. The rest is left unread, so the caller's dropping the
// body closes its connection instead of pooling it (the Transport contract).
Task<std::optional<Error>> ReadSse(BodyStream& body,
                                   const std::function<void(const SseEvent&)>& on_event,
                                   const std::function<bool()>& finished);

// Delivers a stream event the decoder does not know as an unrecognised_event (text: its type,
// detail: the runtime), so that nothing a stream announces is dropped unseen, and logs it at
// warn level once per runtime and type for the process (a matrix decodes thousands of
// streams; one line per new type is what a reader needs to notice a new API feature).
void ReportUnrecognisedEvent(EventSink& sink, const Clock& clock, std::string_view runtime,
                             std::string_view type);

// Writes one function tool definition in the given runtime's shape; returns bytes written.
// Responses: {"type":"function","name",...}; chat and assistants nest under "function".
size_t WriteToolSpec(json::Writer& w, rapidjson::StringBuffer& buffer, const ToolSpec& tool,
                     bool nested);

}  // namespace agentreplay
