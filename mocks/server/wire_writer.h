// How a MockResponse becomes bytes on a socket, without the socket: the HTTP/1.1 head, the
// body's framing (Content-Length for JSON, chunked transfer for SSE streams), and the wire
// faults. The HTTP server pulls a WireStream one segment at a time as each falls due (a lazy
// body is rendered only then, and no chunk is copied to be framed); PlanWire is the same
// stream drained into strings, for tests and benchmarks.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
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

// One timed write, framed without copying its payload: prefix + payload + suffix. The prefix is
// a chunk-size line, the payload the head or a body chunk's bytes (moved out of the response),
// the suffix static bytes (the chunk's CRLF, the chunked terminator).
struct WireSegment {
  Duration at{0};  // as WireStep::at
  WireAction action = WireAction::kWrite;
  std::array<char, 20> prefix{};
  uint8_t prefix_size = 0;
  std::string payload;
  std::string_view suffix;
  bool carries_body = false;  // as WireStep
  uint64_t body_end = 0;

  std::string_view prefix_view() const { return {prefix.data(), prefix_size}; }
  size_t size() const { return prefix_size + payload.size() + suffix.size(); }
};

// A response's timed writes, produced one at a time as they are pulled (a lazy body's chunks
// are rendered only then). Looks one body chunk ahead, since the last carries the terminator.
class WireStream {
 public:
  WireStream() = default;
  // As PlanWire.
  WireStream(MockResponse response, double time_scale, bool client_keep_alive,
             int http_version = 11);
  WireStream(WireStream&&) = default;
  WireStream& operator=(WireStream&&) = default;

  // Moves the next segment into `segment`; false after the last.
  bool Next(WireSegment& segment);

  const std::string& request_id() const { return request_id_; }
  bool keep_alive() const { return keep_alive_; }
  // Whether pulling may still render a lazy body (the caller then holds the back end's lock).
  bool renders() const { return response_.lazy != nullptr; }
  // When the next segment is due, if it has been produced already (it usually has: the stream
  // looks one ahead); pulling it then renders no more than pulling would anyway.
  std::optional<Duration> next_at() const {
    if (queue_.empty()) return std::nullopt;
    return queue_.front().at;
  }

 private:
  void Push(WireSegment segment);
  void Advance();  // produces the next segment, or the ending
  bool PullChunk(TimedChunk& chunk);
  bool Sent(Duration at) const { return !cuts_ || at <= fault_at_; }
  void End();

  MockResponse response_;
  double time_scale_ = 1.0;
  std::string request_id_;
  bool keep_alive_ = true;
  bool chunked_ = false;
  bool close_delimited_ = false;  // an HTTP/1.0 client's stream: the close ends the body
  bool slow_close_ = false;
  bool cuts_ = false;
  Duration fault_at_{0};
  Duration last_{0};
  uint64_t body_ = 0;
  size_t next_chunk_ = 0;
  bool in_body_ = false;
  bool ended_ = true;
  std::vector<WireSegment> queue_;  // produced, not yet pulled
};

// Turns a response into timed socket writes. `time_scale` multiplies every offset;
// `client_keep_alive` is false when the request asked to close the connection (the answer
// then says `connection: close` and the plan ends with a FIN).
//
// Framing: a content type of text/event-stream is sent chunked (one HTTP chunk per
// TimedChunk, the zero-length terminator after the last); everything else with Content-Length,
// its chunks written at their own instants. A response whose fault is kMalformedChunk is sent
// chunked whatever its content type, so that there is chunked framing to break.
//
// `http_version` 10 (an HTTP/1.0 client, which cannot decode chunked framing): what would be
// chunked is sent unframed with `connection: close` and the FIN ends the body (kMalformedChunk
// then writes its broken bytes into that body); a kept-alive answer says
// `connection: keep-alive`, as HTTP/1.0 requires.
WirePlan PlanWire(MockResponse response, double time_scale, bool client_keep_alive,
                  int http_version = 11);

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
