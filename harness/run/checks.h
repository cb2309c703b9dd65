// Evaluates a scenario's expectations against what the agent produced in a turn.
#pragma once

#include <string>
#include <vector>

#include "agent/agent.h"
#include "mocks/model/scenario.h"
#include "results/result_model.h"

namespace agentreplay::harness {

struct CheckOutcome {
  std::string name;
  bool ok = false;
  std::string detail;  // why it failed
};

// One outcome per expectation of the turn, in the scenario's order. A turn that ended in an
// error fails every check, with the error as the detail.
std::vector<CheckOutcome> EvaluateTurn(const mocks::TurnScript& script, int turn_index,
                                       const TurnResult& result);

// Folds per-repetition outcomes into the cell's checks (same names, counted).
void AccumulateChecks(const std::vector<CheckOutcome>& outcomes,
                      std::vector<results::Check>& checks);

}  // namespace agentreplay::harness
