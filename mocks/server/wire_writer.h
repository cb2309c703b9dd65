// How a MockResponse becomes bytes on a socket, without the socket: the HTTP/1.1 head, the
// body's framing (Content-Length for JSON, chunked transfer for SSE streams), and the wire
// faults. The HTTP server plays the resulting plan on its timers; tests and benchmarks use the
// pure functions directly.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "mocks/api/mock_response.h"

namespace agentreplay::mocks {

// What a step of the plan does to the connection once its bytes (if any) are written.
enum class WireAction {
  kWrite,  // write `bytes`, then go on
  kFin,    // write `bytes` (may be empty), then send FIN and close
  kReset,  // write `bytes` (may be empty), then close with an RST (SO_LINGER 0)
  kStall,  // write nothing more; keep the socket open until the peer or the server closes it
};

struct WireStep {
  Duration at{0};  // offset from the request's receipt, already multiplied by the time scale
  WireAction action = WireAction::kWrite;
  std::string bytes;  // framed, ready for the socket
  // Set for steps that carry a body chunk: the body bytes written up to the end of this chunk
  // (framing excluded), which is what the write log reports.
  bool carries_body = false;
  uint64_t body_end = 0;
};

struct WirePlan {
  std::vector<WireStep> steps;  // `at` never decreases
  std::string request_id;       // the response's x-request-id ("" if it has none)
  // After the last step the connection serves the next request (otherwise the last step
  // closes it, or it stalls).
  bool keep_alive = true;
};

// Turns a response into timed socket writes. `time_scale` multiplies every offset;
// `client_keep_alive` is false when the request asked to close the connection (the answer
// then says `connection: close` and the plan ends with a FIN).
//
// Framing: a content type of text/event-stream is sent chunked (one HTTP chunk per
// TimedChunk, the zero-length terminator after the last); everything else with Content-Length,
// its chunks written at their own instants. A response whose fault is kMalformedChunk is sent
// chunked whatever its content type, so that there is chunked framing to break.
WirePlan PlanWire(MockResponse response, double time_scale, bool client_keep_alive);

// "HTTP/1.1 200 OK\r\n" + headers + "\r\n". `extra` headers (framing, connection) follow the
// response's own.
std::string FormatHead(int status, const HttpHeaders& headers, const HttpHeaders& extra);

// Appends one chunk of chunked transfer coding ("<hex size>\r\n<data>\r\n"). Empty data would
// be the terminator, so it appends nothing.
void AppendChunk(std::string& out, std::string_view data);

// The end of a chunked body: the zero-length chunk and the empty trailer.
inline constexpr std::string_view kChunkedTerminator = "0\r\n\r\n";

// What kMalformedChunk writes where the next chunk should start: a size line that is not hex,
// which no chunked decoder accepts.
inline constexpr std::string_view kMalformedChunkBytes = "zz; agentreplay-malformed\r\nbroken";

// What kRandomDataThenClose writes instead of a response: fixed pseudo-random bytes (so tests
// can compare them) that cannot be taken for a status line.
std::string_view RandomDataBytes();

bool IsEventStream(const HttpHeaders& headers);

}  // namespace agentreplay::mocks
