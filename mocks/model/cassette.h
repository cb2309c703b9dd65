// The cassette model: a recorded wire exchange with per-event timing, as plain data.
//
// A cassette is what `record` captures and `import` produces: the requests an agent (or any
// client) sent and the responses it got, each response body as pieces with the offset at which
// they arrived, so per-event timing survives. It lives with the mock because the mock is what
// plays it back verbatim; harness/recording reads and writes it (format: docs/recordings.md,
// schema: scenarios/schemas/cassette.schema.json) and lifts it into a runtime-neutral Scenario.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "ports/http.h"

namespace agentreplay::mocks {

inline constexpr const char* kCassetteSchemaV1 = "agentreplay.cassette/v1";

// A piece of a response body and when it arrived, as an offset from the instant the request was
// sent (so the back end's processing, the network and the model's pace are all in it).
struct CassetteChunk {
  Duration at{0};
  std::string bytes;
};

struct CassetteRequest {
  std::string method;   // "POST", "GET", ...
  std::string target;   // origin-form path and query as sent, e.g. "/v1/responses"
  HttpHeaders headers;  // credentials already redacted
  std::string body;     // exact bytes (JSON text for the OpenAI API)
};

struct CassetteResponse {
  int status = 200;
  HttpHeaders headers;
  Duration headers_at{0};  // status line and headers arrived (offset from the request's send)
  std::vector<CassetteChunk> chunks;  // in order; `at` never decreases and is >= headers_at
  // The body ended this long after the request was sent (>= the last chunk); for a body cut
  // short, when it broke.
  Duration end_at{0};
  // Non-empty when the exchange did not complete: "connection_reset", "body_truncated",
  // "timeout", ... (the client's error reason, core/error.h). The chunks hold what arrived.
  std::string error;
};

struct CassetteExchange {
  // Groups the exchanges of one conversation (one agent session: a thread, a chain of
  // responses, a growing chat). A cassette with several conversations lifts into one scenario
  // each. Empty: the cassette's single conversation.
  std::string conversation;
  Duration sent_at{0};  // when the request was sent, from the start of the recording
  CassetteRequest request;
  CassetteResponse response;
};

// Where a cassette came from, for the results ("source" of a cell) and for people.
struct CassetteSource {
  std::string kind;         // "record", "import:dotnet-session", "import:har", "import:sse", ...
  std::string origin;       // upstream URL, or the imported file's name
  std::string recorded_at;  // RFC 3339 UTC, when known
  // True when the offsets were not measured but derived (formats without per-event timing);
  // `pace` then says how ("default pace: 20 ms per event, ttft 400 ms", ...).
  bool timing_derived = false;
  std::string pace;
};

struct Cassette {
  std::string name;  // unique id (file stem by convention)
  std::string description;
  CassetteSource source;
  std::string runtime;  // "assistants", "responses", "chat"; the API it was recorded on
  std::string model;    // the model the requests asked for, when one did
  // Header names and JSON fields whose values were replaced by "REDACTED" before writing.
  std::vector<std::string> redacted;
  std::vector<CassetteExchange> exchanges;  // in the order they were sent
  std::string source_path;                  // where it was loaded from, for messages
};

}  // namespace agentreplay::mocks
