// What the mock back end knows about a request besides its bytes, handed to each API handler.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/time.h"
#include "mocks/api/mock_response.h"
#include "mocks/model/fault_rules.h"
#include "mocks/model/step_planner.h"

namespace agentreplay::mocks {

struct RequestContext {
  TimePoint sent_at{};
  size_t index = 0;        // position of the request in the back end's request log
  std::string request_id;  // the x-request-id header value
  // Timing for a reply without model work (errors, retrieves), drawn from
  // Rng(DeriveSeed(seed, "request:<index>")) so it depends only on the request's position.
  QuickReplyTiming quick;
  // Where handlers record the states they make objects reach (absolute client-side times:
  // sent_at + the offset at which a streaming client would see the state).
  std::vector<StateTransition>* states = nullptr;
  // An in-band fault (run_failed, run_expired) the handler must play itself, because it changes
  // the state later requests see; null for none. Set by the fault injector.
  const FaultRule* in_band = nullptr;
};

}  // namespace agentreplay::mocks
