// Pieces every runtime's client needs around one API call: building the request and turning
// an unsuccessful HTTP answer into an Error with OpenAI's message.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"
#include "json/json_text.h"
#include "llm/llm_client.h"

namespace agentreplay {

HttpRequest MakeJsonRequest(const LlmClientOptions& options, std::string_view method,
                            std::string_view path, std::string body, bool accept_stream);

// An Error for an HTTP status >= 400, with OpenAI's error message and code when the body is
// the API's error shape: reason "http_<status>" or "http_<status>:<code>".
Error ErrorFromHttpStatus(int status, std::string_view body);

// Writes one function tool definition in the given runtime's shape; returns bytes written.
// Responses: {"type":"function","name",...}; chat and assistants nest under "function".
size_t WriteToolSpec(json::Writer& w, rapidjson::StringBuffer& buffer, const ToolSpec& tool,
                     bool nested);

}  // namespace agentreplay
