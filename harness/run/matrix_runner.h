// Runs the matrix scenario × runtime × variant, each cell for N repetitions of every turn,
// in one world, and hands the growing results to a callback after every cell so they can be
// written to disk at once (a crash loses nothing already measured).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "llm/llm_client.h"
#include "mocks/scenario.h"
#include "results/result_model.h"
#include "run/world.h"

namespace agentreplay::harness {

struct MatrixOptions {
  std::vector<Runtime> runtimes = {Runtime::kResponses};
  std::vector<std::string> variants = {"baseline"};
  int repetitions = 5;
  uint64_t seed = 1;
};

// The seed of one repetition: independent of runtime and variant, so every cell of a
// scenario replays the same model behaviour and differences come from the agent alone.
uint64_t RepetitionSeed(uint64_t run_seed, const std::string& scenario, int repetition);

// Runs one cell. Never throws for a broken turn: that becomes an error sample.
results::Cell RunCell(World& world, const mocks::Scenario& scenario, Runtime runtime,
                      const std::string& variant, const MatrixOptions& options);

// Runs every cell in order, appending to `results.cells` and calling `after_cell` after each.
void RunMatrix(World& world, const std::vector<mocks::Scenario>& scenarios,
               const MatrixOptions& options, results::Results& results,
               const std::function<void(const results::Results&)>& after_cell);

}  // namespace agentreplay::harness
