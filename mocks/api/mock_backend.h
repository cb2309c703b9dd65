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
  // Shares `scenario` instead of copying it (many sessions of one scenario on a server).
  MockBackend(std::shared_ptr<const Scenario> scenario, uint64_t seed);
  ~MockBackend();
  MockBackend(const MockBackend&) = delete;
  MockBackend& operator=(const MockBackend&) = delete;

  MockResponse Handle(const HttpRequest& request, TimePoint sent_at);

  // Streamed Responses and Chat Completions bodies are then returned lazily (MockResponse::lazy),
  // rendered as they are pulled; whole bodies otherwise (the default, what the simulated world
  // uses). The bytes are the same either way. A lazy body is read under the same lock as Handle (it
  // counts its bytes into the request log) and must not outlive the back end.
  void set_lazy_bodies(bool lazy);

  const std::vector<RequestLogEntry>& request_log() const;
  const std::vector<StateTransition>& state_log() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace agentreplay::mocks
