// Applies fault rules (fault_rules.h) to the mock's requests, sans I/O: it picks the rules that
// hit a request, and turns the answer the API produced into the faulty one (a WireMock fault,
// Toxiproxy toxics on its timing and chunks, an in-band error inside the stream or body). The
// simulated world and the HTTP server then realise the result the same way as any answer.
//
// Selection is deterministic: a rule counts the requests its endpoint matches within the
// session (index 0, 1, ...), and a probability is drawn from the session seed, the rule's
// index and that count, so the same requests are hit run after run, whatever else changes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mocks/api/mock_response.h"
#include "mocks/api/openai_error.h"
#include "mocks/api/step_resolver.h"
#include "mocks/model/fault_rules.h"

namespace agentreplay::mocks {

// The rules that hit one request, in rule order.
struct FaultHits {
  struct Hit {
    const FaultRule* rule = nullptr;
    uint64_t draw_seed = 0;  // for the rule's own random draws (jitter, slice sizes)
  };
  std::vector<Hit> hits;

  bool empty() const { return hits.empty(); }
  // The first hit of `kind` (nullptr when none).
  const FaultRule* Find(FaultKind kind) const;
  // The first run_failed / run_expired hit, which the Assistants API plays itself.
  const FaultRule* RunFault() const;
  // The kind names joined with '+', for the request log.
  std::string Names() const;
};

class FaultInjector {
 public:
  FaultInjector(std::vector<FaultRule> rules, uint64_t seed);

  bool enabled() const { return !rules_.empty(); }

  // Call once per request, in arrival order.
  FaultHits Select(std::string_view endpoint);

  // Turns `response` (what the API answered to a request of `endpoint`) into what the hits
  // make of it, rule after rule. http_error, run_failed and run_expired are not applied here:
  // the back end answers the first instead of the API, and the API plays the other two.
  static void Apply(const FaultHits& hits, std::string_view endpoint, MockResponse& response);

 private:
  std::vector<FaultRule> rules_;
  uint64_t seed_;
  std::vector<size_t> matched_;  // per rule: requests its endpoint matched so far
};

// The scripted answer of an http_error rule (status, Retry-After, OpenAI's error body; the
// defaults of the status where the rule leaves type, code or message out).
FaultScript HttpErrorScript(const FaultRule& rule);

}  // namespace agentreplay::mocks
