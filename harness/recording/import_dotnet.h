// Imports the session records of the OpenAI .NET SDK's test recorder: a JSON object whose
// `Entries` hold one request/response pair each (RequestUri, RequestMethod, RequestHeaders,
// RequestBody, StatusCode, ResponseHeaders, ResponseBody; a streamed body is an array of its raw
// SSE lines). The format has no timing, so every offset is derived from the pace (import_common.h)
// and the cassette says so.
#pragma once

#include <string_view>

#include "core/expected.h"
#include "harness/recording/import_common.h"

namespace agentreplay::harness {

Expected<ImportResult> ImportDotnetSession(std::string_view text, std::string_view file,
                                           const ImportOptions& options);

}  // namespace agentreplay::harness
