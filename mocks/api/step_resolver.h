// Decides, for one request, what the scripted model does: answer with a scripted fault, or
// play the step (or the alternative whose condition the request meets). Shared by every
// runtime's API so that one scenario behaves the same whichever wire format carries it.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mocks/api/mock_response.h"
#include "mocks/api/openai_error.h"
#include "mocks/api/request_context.h"
#include "mocks/model/scenario.h"

namespace agentreplay::mocks {

// What the request offers the model.
struct RequestFacts {
  // Names of the function tools offered, plus "file_search" when a file_search tool (with a
  // vector store) is attached to the request, thread or run.
  std::vector<std::string> offered_tools;

  bool Offers(std::string_view tool) const;
};

struct StepDecision {
  const StepScript* step = nullptr;  // what to play; null when `fault` answers instead
  std::optional<FaultScript> fault;  // answer this attempt with this error
  bool used_alternative = false;
};

class StepResolver {
 public:
  explicit StepResolver(const Scenario& scenario) : scenario_(scenario) {}

  // Call once per request that asks the model for (turn, step), which must exist
  // (HasStep). The k-th attempt at a step gets the step's k-th fault while any remain.
  StepDecision Decide(size_t turn, size_t step, const RequestFacts& facts);

 private:
  const Scenario& scenario_;
  std::map<std::pair<size_t, size_t>, size_t> attempts_;
};

// The 500 every runtime's API answers when a request asks for a step the scenario does not
// script (a scenario bug, or an agent taking more rounds than the model was scripted for).
OpenAiError ScenarioExhausted(const Scenario& scenario, size_t turn, size_t step);

// The HTTP answer for a scripted fault: its status, a Retry-After header when the fault has
// one, OpenAI's error body, at the quick-reply time.
MockResponse RenderFault(const FaultScript& fault, const RequestContext& context);

}  // namespace agentreplay::mocks
