// CaptureTransport: records every exchange that passes through a Transport as a cassette
// exchange, without changing what the caller sees or when. It is how cassettes are made from
// live traffic: the recording proxy (`agentreplay record`) puts it between its clients and the
// upstream, and a live run can put it between the agent and the endpoint.
//
// What it records, on the given clock:
// - the request as sent (method, target, headers, body), redacted with the rules, and its
//   `sent_at` from the recording's start;
// - the status and headers of the response, and `headers_at`, from the request's send;
// - each body piece with the offset at which it arrived, and `end_at`;
// - `error`: the client's error reason (core/error.h, e.g. "connection_reset",
//   "read_timeout") when the response or its body broke, or "abandoned" when the body was
//   dropped before its end. A request that got no response at all is recorded with status 504
//   (a timeout) or 502 (anything else), no headers, and the reason: what a gateway answers.
// Hop-by-hop headers (Connection, Transfer-Encoding, ...) are left out: they describe the
// connection, not the exchange.
//
// Each body piece is handed on as soon as it arrives (the capture keeps a copy, never the
// caller's bytes back), and the finished exchange goes to the sink as soon as its body ends,
// so a recording can be appended exchange by exchange. Response redaction runs then, on the
// whole recorded body (an SSE data line split over pieces is redacted as one).
//
// Not thread-safe: use it from the thread that drives the inner transport. The clock must
// outlive the transport and every body it handed out; the sink must not throw.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "core/task.h"
#include "core/time.h"
#include "harness/recording/redaction.h"
#include "mocks/model/cassette.h"
#include "ports/clock.h"
#include "ports/transport.h"

namespace agentreplay::harness {

inline constexpr std::string_view kAbandonedReason = "abandoned";

class CaptureTransport : public Transport {
 public:
  using Sink = std::function<void(mocks::CassetteExchange)>;
  // Names the conversation of an exchange from its (already redacted) request, when it is
  // sent. Empty result: no conversation.
  using ConversationLabel = std::function<std::string(const mocks::CassetteRequest&)>;

  CaptureTransport(Transport& inner, Clock& clock, TimePoint recording_start, RedactionRules rules,
                   Sink sink);
  ~CaptureTransport() override;
  CaptureTransport(const CaptureTransport&) = delete;
  CaptureTransport& operator=(const CaptureTransport&) = delete;

  void SetConversationLabel(ConversationLabel label);

  Task<HttpResponse> Send(HttpRequest request) override;

  // Hands every exchange whose response has begun but whose body has not ended to the sink
  // now, as it stands, with `reason` as its error; their bodies still pass pieces on but
  // record nothing more. For a recording that must end while streams are open. Exchanges
  // still waiting for their response are not recorded.
  void FlushInFlight(std::string_view reason = kAbandonedReason);

  // Exchanges sent and not yet handed to the sink.
  std::size_t in_flight() const;
  // Exchanges handed to the sink.
  std::uint64_t captured() const;
  // The names whose values were redacted so far (header names in lower case, JSON members
  // and query parameters as spelled).
  const std::set<std::string>& redacted() const;

  struct Shared;  // what bodies share with the transport (defined in the .cc)

 private:
  std::shared_ptr<Shared> shared_;
};

}  // namespace agentreplay::harness
