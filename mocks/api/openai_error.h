// OpenAI's error responses: `{"error":{"message","type","param","code"}}`, null where a field
// does not apply, laid out byte for byte like the real API's non-streamed bodies.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"
#include "mocks/api/mock_response.h"

namespace agentreplay::mocks {

struct OpenAiError {
  int status = 400;
  std::string message;
  std::string type = "invalid_request_error";
  std::optional<std::string> param;
  std::optional<std::string> code;
};

// The error body, pretty-printed as the API sends it.
std::string OpenAiErrorBody(const OpenAiError& error);

// A complete response carrying `error`: JSON headers, the standard OpenAI headers and the
// body in one chunk, all reaching the client at `at`.
MockResponse MakeErrorResponse(const OpenAiError& error, std::string_view request_id, Duration at,
                               Duration processing);

// The headers every OpenAI response carries (openai-version, openai-processing-ms,
// x-request-id) after the given content type.
HttpHeaders StandardHeaders(std::string_view content_type, std::string_view request_id,
                            Duration processing);

// Errors the mock returns from more than one place, with the API's exact wording.
OpenAiError InvalidUrl(std::string_view method, std::string_view target);  // 404
OpenAiError MalformedJsonBody();                                           // 400
OpenAiError MissingParameter(std::string_view name);                       // 400

}  // namespace agentreplay::mocks
