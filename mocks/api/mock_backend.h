// The mock OpenAI back end, sans I/O: a request goes in with the time it was sent, a timed
// sequence of body chunks comes out. The simulated world calls it directly; the real world's
// HTTP server calls the same logic and writes each chunk at its due time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/time.h"
#include "mocks/api/mock_response.h"
#include "mocks/model/scenario.h"
#include "ports/http.h"

namespace agentreplay::mocks {

class MockBackend {
 public:
  // `seed` fixes every draw of the scenario's distributions. Draws are keyed by turn and
  // step, not by request order, so variants that send different requests still see the
  // same model behaviour (common random numbers make variant comparisons sharper).
  MockBackend(const Scenario& scenario, uint64_t seed);
  ~MockBackend();
  MockBackend(const MockBackend&) = delete;
  MockBackend& operator=(const MockBackend&) = delete;

  MockResponse Handle(const HttpRequest& request, TimePoint sent_at);

  const std::vector<RequestLogEntry>& request_log() const;
  const std::vector<StateTransition>& state_log() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace agentreplay::mocks
