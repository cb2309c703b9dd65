// The mock back end's value types: what a request gets back (a timed response, perhaps with a
// wire fault), and what the back end logs about requests and the states it reached. Shared by
// every runtime's API, the fault injector, the server's wire writer and the worlds; kept out of
// the back end's front door (mock_backend.h) so they can include these without it.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/time.h"
#include "ports/http.h"

namespace agentreplay::mocks {

// A piece of the response body and when it reaches the client, as an offset from the
// instant the client sent the request (the mock models the network in both directions).
struct TimedChunk {
  Duration at{0};
  std::string bytes;
};

// A response that does not end the way HTTP says it should (fault injection). The mock
// decides it; each world realises it: the HTTP server on the socket, the simulated transport
// as the error a real client sees then. Client error reasons (core/error.h kinds):
//   kEmptyResponse       close before any byte          → kTransport "connection_closed"
//   kMalformedChunk      headers, then bytes that break chunked framing, then close
//                                                       → kProtocol "malformed_http"
//   kRandomDataThenClose bytes that are not HTTP, close → kProtocol "malformed_http"
//   kConnectionReset     RST at fault_at                → kTransport "connection_reset"
//   kClose               FIN at fault_at, body unfinished
//                                                       → kTransport "body_truncated"
//                                                         ("connection_closed" before headers)
//   kStall               stop writing at fault_at, keep the connection open
//                                                       → kTimeout "read_timeout" from the
//                                                         client's read timeout
// Chunks due after fault_at are not sent.
// The rest of a body, produced chunk by chunk as it is pulled. A server streaming a long body
// holds its plan instead of its rendered bytes; the chunks are exactly those an eager render
// gives, in order, `at` never decreasing.
class ChunkSource {
 public:
  virtual ~ChunkSource() = default;
  // Moves the next chunk into `chunk`; false when the body has ended.
  virtual bool Next(TimedChunk& chunk) = 0;
};

enum class WireFault {
  kNone,
  kEmptyResponse,
  kMalformedChunk,
  kRandomDataThenClose,
  kConnectionReset,
  kClose,
  kStall,
};

struct MockResponse {
  int status = 200;
  HttpHeaders headers;
  Duration headers_at{0};          // when the status line and headers reach the client
  std::vector<TimedChunk> chunks;  // in order; `at` never decreases; all >= headers_at
  WireFault fault = WireFault::kNone;
  Duration fault_at{0};  // when the fault happens (offset like `at`)
  // > 0: the server says `connection: close` and closes this long after the body's last byte
  // (Toxiproxy slow_close). The body itself is complete; only the close is late.
  Duration close_delay{0};
  // Set: the body goes on after `chunks` with what this source yields. Only a back end asked
  // for lazy bodies returns one (the HTTP server's); everything else sees whole bodies. A copy
  // of the response shares the source, so only one copy may read it.
  std::shared_ptr<ChunkSource> lazy;
};

// Pulls the rest of a lazy body into `chunks` (for code that needs the whole body).
inline void Materialize(MockResponse& response) {
  if (response.lazy == nullptr) return;
  TimedChunk chunk;
  while (response.lazy->Next(chunk)) response.chunks.push_back(std::move(chunk));
  response.lazy.reset();
}

// One request as the mock saw it; the source of exact request counts.
struct RequestLogEntry {
  TimePoint sent_at{};
  std::string method;
  std::string target;
  std::string endpoint;  // ClassifyEndpoint(method, target)
  size_t request_bytes = 0;
  size_t response_bytes = 0;
  int status = 0;
  // The injected faults that hit this request, by kind name, joined with '+' ("" for none).
  std::string fault;
};

// A state the back end reached (a run's status, a response's completion), with the instant a
// client streaming it would have seen it. Detection lag is how much later the agent saw it.
struct StateTransition {
  std::string object_id;  // run or response id
  std::string status;     // "requires_action", "completed", ...
  TimePoint visible_at{};
};

}  // namespace agentreplay::mocks
