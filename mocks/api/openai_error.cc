#include "mocks/api/openai_error.h"

#include <fmt/format.h>

#include <cmath>

#include "mocks/api/wire_json.h"

namespace agentreplay::mocks {
namespace {

template <typename Writer>
void WriteOptional(Writer& w, const std::optional<std::string>& value) {
  if (value.has_value()) {
    WriteString(w, *value);
  } else {
    w.Null();
  }
}

}  // namespace

std::string OpenAiErrorBody(const OpenAiError& error) {
  rapidjson::StringBuffer buffer;
  PrettyJsonWriter w(buffer);
  ConfigurePretty(w);
  w.StartObject();
  WriteKey(w, "error");
  w.StartObject();
  WriteKey(w, "message");
  WriteString(w, error.message);
  WriteKey(w, "type");
  WriteString(w, error.type);
  WriteKey(w, "param");
  WriteOptional(w, error.param);
  WriteKey(w, "code");
  WriteOptional(w, error.code);
  w.EndObject();
  w.EndObject();
  return TakePretty(buffer);
}

HttpHeaders StandardHeaders(std::string_view content_type, std::string_view request_id,
                            Duration processing) {
  // openai-processing-ms is whole milliseconds in the recordings.
  const long long processing_ms = std::llround(ToMillis(processing));
  return {
      {"content-type", std::string(content_type)},
      {"openai-processing-ms", std::to_string(processing_ms)},
      {"openai-version", "2020-10-01"},
      {"x-request-id", std::string(request_id)},
  };
}

MockResponse MakeErrorResponse(const OpenAiError& error, std::string_view request_id, Duration at,
                               Duration processing) {
  MockResponse response;
  response.status = error.status;
  response.headers = StandardHeaders("application/json", request_id, processing);
  response.headers_at = at;
  response.chunks.push_back(TimedChunk{at, OpenAiErrorBody(error)});
  return response;
}

OpenAiError InvalidUrl(std::string_view method, std::string_view target) {
  if (const auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
  return OpenAiError{404, fmt::format("Invalid URL ({} {})", method, target),
                     "invalid_request_error", std::nullopt, std::nullopt};
}

OpenAiError MalformedJsonBody() {
  // The API's own wording for a body that is not a JSON object.
  return OpenAiError{
      400,
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
      "using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was "
      "sent was not valid JSON. If you have trouble figuring out how to fix this, please contact "
      "us through our help center at help.openai.com.)",
      "invalid_request_error", std::nullopt, std::nullopt};
}

OpenAiError MissingParameter(std::string_view name) {
  return OpenAiError{400, fmt::format("Missing required parameter: '{}'.", name),
                     "invalid_request_error", std::string(name), "missing_required_parameter"};
}

}  // namespace agentreplay::mocks
