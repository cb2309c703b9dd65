// A large results document for the reports' size and layout tests: 20 scenarios of 10 cells (two
// runtimes, five variants with long names), 200 cells in all, compared within the run. Scenarios
// differ in time scale by up to ten times, every third variant has a failed turn and a failed
// check, and the first scenario's name is long, so layouts meet what a full ladder produces.
#pragma once

#include <fmt/format.h>

#include <string>
#include <vector>

#include "results/result_model.h"
#include "results/statistics.h"
#include "tests/results/sample_results.h"

namespace agentreplay::reports::fixtures {

inline constexpr int kLargeScenarios = 20;
inline constexpr int kLargeCellsPerScenario = 10;

inline results::Results LargeResults() {
  const results::Results sample = SampleResults();
  const results::Cell& fast = sample.cells[0];  // clean
  const results::Cell& slow = sample.cells[1];  // a failed turn and a failed check
  const std::vector<std::string> variants = {"baseline", "p0", "p0+p2", "p0+p2+p1+p3+p4+p5",
                                             "p0+p2+p1+p3+p4+p5+pr"};
  results::Results results = sample;
  results.cells.clear();
  for (int s = 0; s < kLargeScenarios; ++s) {
    const std::string scenario = s == 0 ? "planning_document_with_a_long_descriptive_scenario_name"
                                        : fmt::format("scenario_{:02d}", s);
    const double scale = (s % 4 == 0 ? 10.0 : 1.0) * (1 + 0.05 * s);
    for (const char* runtime : {"assistants", "responses"}) {
      for (size_t v = 0; v < variants.size(); ++v) {
        results::Cell cell = (v % 3 == 2) ? slow : fast;
        cell.scenario = scenario;
        cell.runtime = runtime;
        cell.variant = variants[v];
        cell.baseline = v == 0 ? "" : std::string(runtime) + "/baseline";
        cell.change_vs_baseline.clear();
        // Each variant a little faster than the last, so the comparison has verdicts to show.
        const double factor = scale * (1 - 0.04 * static_cast<double>(v));
        for (results::Sample& sample_turn : cell.samples) {
          for (auto& [name, value] : sample_turn.metrics) {
            if (name.ends_with("_ms")) value *= factor;
          }
          for (auto& [name, value] : sample_turn.segments) value *= factor;
          for (double& gap : sample_turn.itl_ms) gap *= factor;
        }
        results::ComputeCellStats(cell, 42);
        results.cells.push_back(std::move(cell));
      }
    }
  }
  return results;
}

}  // namespace agentreplay::reports::fixtures
