// The one error value the core hands around. Failures are data (an error sample with a
// reason), not exceptions: a broken stream must end a turn cleanly, never the process.
#pragma once

#include <string>
#include <string_view>

namespace agentreplay {

enum class ErrorKind {
  kTransport,   // connection refused, reset, closed early
  kTimeout,     // a bounded wait ran out
  kHttpStatus,  // the server answered with a non-2xx status
  kProtocol,    // bytes that do not follow the wire format (bad SSE, bad JSON, bad event)
  kApi,         // the API reported a failure in-band (error event, response.failed, ...)
  kTool,        // a tool could not be run at all
  kLimit,       // a safety limit of the agent was reached (e.g. too many tool rounds)
  kInternal,    // a bug in agentreplay
};

std::string_view ErrorKindName(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::kInternal;
  // A short stable code that results and gates can key on, e.g. "http_400",
  // "stream_truncated", "response_failed:server_error".
  std::string reason;
  // Human-readable detail for logs and reports.
  std::string message;
  int http_status = 0;
};

}  // namespace agentreplay
