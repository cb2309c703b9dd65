// Port: HTTP. A response's body arrives as chunks over time and is read chunk by chunk, so an
// SSE stream is decoded as it arrives and never buffered whole.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "core/error.h"
#include "core/task.h"
#include "ports/http.h"

namespace agentreplay {

struct BodyChunk {
  std::string bytes;           // may be empty only when `end` is set or `error` is present
  bool end = false;            // the body ended normally; no more chunks
  std::optional<Error> error;  // the body broke (reset, truncated, timed out)
};

class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // The next piece of the body. After `end` or an error, further calls return `end`.
  virtual Task<BodyChunk> Next() = 0;
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  std::unique_ptr<BodyStream> body;  // null only when `error` is set
  std::optional<Error> error;        // no response at all (connect failure, reset, timeout)
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Completes when the response's status line and headers have arrived (or on failure).
  virtual Task<HttpResponse> Send(HttpRequest request) = 0;
};

// 64 MiB: far above any JSON answer of the APIs (a run's or response's object, an error body),
// and a bound on what a misbehaving or hostile endpoint can make the agent hold.
inline constexpr std::size_t kMaxBodyBytes = std::size_t{64} << 20;

// Reads the rest of a body into a string (for small, non-streamed JSON responses). A body longer
// than `max_bytes` stops there with a kProtocol error "body_too_large" (what was read is kept).
Task<BodyChunk> ReadAll(BodyStream& body, std::size_t max_bytes = kMaxBodyBytes);

}  // namespace agentreplay
