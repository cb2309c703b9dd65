#include "mocks/api/step_resolver.h"

#include <fmt/format.h>

#include <algorithm>

#include "mocks/api/openai_error.h"

namespace agentreplay::mocks {
namespace {

bool Holds(const StepCondition& when, const RequestFacts& facts) {
  if (!when.tool_not_offered.empty() && facts.Offers(when.tool_not_offered)) return false;
  if (when.tools_offered_at_least > 0 &&
      static_cast<int>(facts.offered_tools.size()) < when.tools_offered_at_least) {
    return false;
  }
  return true;
}

}  // namespace

bool RequestFacts::Offers(std::string_view tool) const {
  return std::find(offered_tools.begin(), offered_tools.end(), tool) != offered_tools.end();
}

StepDecision StepResolver::Decide(size_t turn, size_t step, const RequestFacts& facts) {
  const StepScript& scripted = scenario_.turns[turn].steps[step];
  StepDecision decision;
  size_t& attempt = attempts_[{turn, step}];
  if (attempt < scripted.faults.size()) {
    decision.fault = scripted.faults[attempt++];
    return decision;
  }
  ++attempt;
  decision.step = &scripted;
  for (const auto& [when, alternative] : scripted.alternatives) {
    if (Holds(when, facts)) {
      decision.step = &alternative;
      decision.used_alternative = true;
      break;
    }
  }
  return decision;
}

OpenAiError ScenarioExhausted(const Scenario& scenario, size_t turn, size_t step) {
  const size_t steps = turn < scenario.turns.size() ? scenario.turns[turn].steps.size() : 0;
  return OpenAiError{
      500,
      fmt::format("Scenario '{}' is exhausted: the request asks for turn {} step {} (0-based), "
                  "but the scenario has {} turn(s) and that turn {} step(s).",
                  scenario.name, turn, step, scenario.turns.size(), steps),
      "server_error", std::nullopt, std::nullopt};
}

MockResponse RenderFault(const FaultScript& fault, const RequestContext& context) {
  OpenAiError error;
  error.status = fault.status;
  error.message = fault.message;
  error.type = fault.type;
  if (!fault.code.empty()) error.code = fault.code;
  MockResponse response =
      MakeErrorResponse(error, context.request_id, context.quick.at, context.quick.processing);
  if (fault.retry_after_s >= 0) {
    // The API sends whole seconds; fractional values are kept for finer scenarios.
    response.headers.push_back({"retry-after", fmt::format("{:g}", fault.retry_after_s)});
  }
  return response;
}

}  // namespace agentreplay::mocks
