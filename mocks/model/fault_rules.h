// Fault rules: which requests the mock answers badly, and how. Plain data, loaded from a
// scenario's top-level "faults" array or from a faults file given to `run --faults` (format:
// docs/faults.md, schema: scenarios/schemas/faults.schema.json); applied by FaultInjector inside
// the sans-I/O mock, so the simulated world and the HTTP server play the same faults.
//
// Three families:
//  - WireMock's faults replace the whole answer with a broken one (MockResponse.fault).
//  - Toxiproxy's toxics transform the answer's timing and chunks on its way to the client
//    (downstream only; the request reaches the mock unharmed).
//  - API faults are answers the API itself gives: an HTTP error instead of the request being
//    processed, or an in-band failure inside a 200 answer (error event, response.failed, a
//    run that fails or expires).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace agentreplay::mocks {

inline constexpr const char* kFaultsSchemaV1 = "agentreplay.faults/v1";

enum class FaultKind {
  // WireMock (Fault.EMPTY_RESPONSE, MALFORMED_RESPONSE_CHUNK, RANDOM_DATA_THEN_CLOSE,
  // CONNECTION_RESET_BY_PEER).
  kEmptyResponse,
  kMalformedChunk,
  kRandomDataThenClose,
  kConnectionReset,
  // Toxiproxy toxics.
  kLatency,
  kBandwidth,
  kSlowClose,
  kTimeout,
  kResetPeer,
  kSlicer,
  kLimitData,
  // OpenAI API failures.
  kHttpError,
  kStreamErrorEvent,
  kResponseFailed,
  kRunFailed,
  kRunExpired,
};

// The name used in files ("empty_response", "latency", "http_error", ...).
std::string_view FaultKindName(FaultKind kind);
std::optional<FaultKind> ParseFaultKind(std::string_view name);
// Every kind's name, in enum order (for "expected one of" messages and the schema test).
std::span<const std::string_view> FaultKindNames();

// Endpoint classes a rule may name (ClassifyEndpoint's names), "*" excluded.
std::span<const std::string_view> FaultEndpoints();
// Whether a rule of `kind` can ever do something to requests of `endpoint` (a specific class,
// not "*"): in-band faults only exist where the API has that failure.
bool FaultApplies(FaultKind kind, std::string_view endpoint);

struct FaultRule {
  FaultKind kind = FaultKind::kHttpError;

  // --- Selection ---
  std::string endpoint = "*";    // an endpoint class, or "*" for every request
  std::vector<size_t> requests;  // 0-based indexes among the requests `endpoint` matches, per
                                 // session (repetition); empty: every such request
  // Chance that a selected request is hit, drawn per request from the repetition seed, the
  // rule's index and the request's index (reproducible; like Toxiproxy's toxicity).
  double probability = 1.0;

  // --- Parameters (those of `kind`; the others keep their defaults) ---
  double latency_ms = 0;       // latency
  double jitter_ms = 0;        // latency: each piece delayed by latency ± jitter
  int64_t rate_kbps = 0;       // bandwidth: KB/s (1 KB = 1000 bytes), >= 1
  double delay_ms = 0;         // slow_close: the close waits this long after the body
  double timeout_ms = 0;       // timeout: close after this long without data (0: never, a stall);
                               // reset_peer: the RST after this long
  double after_ms = 0;         // timeout: data stops this long after the request (0: at once)
  int64_t average_size = 0;    // slicer: average piece size in bytes, >= 1
  int64_t size_variation = 0;  // slicer: ± bytes around the average, < average_size
  double delay_us = 0;         // slicer: pause after each piece, microseconds
  int64_t bytes = 0;           // limit_data: body bytes let through before the close

  // http_error, and the error object of the in-band faults. Absent: what the API sends for
  // that status or failure (see docs/faults.md), e.g. 429 → "requests" / "rate_limit_exceeded".
  int status = 500;
  double retry_after_s = -1;  // < 0: no Retry-After header
  std::optional<std::string> type;
  std::optional<std::string> code;  // "" renders a null code
  std::optional<std::string> message;

  // stream_error_event, response_failed: how many events of the stream go out before it
  // (absent: stream_error_event 0, response_failed 2, i.e. after response.created and
  // response.in_progress). Clamped so the stream's last event is always replaced.
  std::optional<size_t> after_events;
};

}  // namespace agentreplay::mocks
