// Helpers shared by the scenario loader tests: parse a text as "s.json" and look at the
// diagnostics as the user sees them.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/scenario/scenario_loader.h"

namespace agentreplay::harness::scenario_test {

// A load's outcome with both parts at hand, as the assertions below read it.
struct LoadResult {
  std::optional<mocks::Scenario> scenario;
  std::vector<Diagnostic> errors;
};
inline LoadResult Split(Expected<mocks::Scenario> loaded) {
  LoadResult r;
  if (loaded) {
    r.scenario = std::move(*loaded);
  } else {
    r.errors = std::move(loaded.failure().diagnostics());
  }
  return r;
}

inline LoadResult Parse(std::string_view text) { return Split(ParseScenario(text, "s.json")); }

// Every diagnostic of `text`, as text, in the order reported.
inline std::vector<std::string> AllErrors(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& e : Parse(text).errors) out.push_back(e.ToString());
  return out;
}

// The single diagnostic of a file with exactly one problem, as text.
inline std::string OnlyError(std::string_view text) {
  const LoadResult r = Parse(text);
  EXPECT_FALSE(r.scenario.has_value());
  const std::vector<Diagnostic>& errors = r.errors;
  if (errors.size() != 1) {
    std::string all;
    for (const auto& e : errors) all += e.ToString() + "\n";
    ADD_FAILURE() << "expected exactly one diagnostic, got " << errors.size() << ":\n" << all;
    return errors.empty() ? "" : errors.front().ToString();
  }
  return errors.front().ToString();
}

// A valid scenario with one turn whose steps are `steps` (a JSON array), for step-level tests.
// The array starts on line 2, column 35.
inline std::string WithSteps(std::string_view steps) {
  return std::string(R"({"schema": "agentreplay.scenario/v1", "name": "t", "description": "d",
"turns": [{"user": "hi", "steps": )") +
         std::string(steps) + "}]}";
}

// Like WithSteps, with `expect` (a JSON object) as the turn's expectations.
inline std::string WithStepsAndExpect(std::string_view steps, std::string_view expect) {
  return std::string(R"({"schema": "agentreplay.scenario/v1", "name": "t", "description": "d",
"turns": [{"user": "hi", "steps": )") +
         std::string(steps) + ", \"expect\": " + std::string(expect) + "}]}";
}

// Like WithSteps, with `documents` (a JSON object) as the scenario's documents, after the
// turns so that the steps keep their positions.
inline std::string WithStepsAndDocuments(std::string_view steps, std::string_view documents) {
  std::string text = WithSteps(steps);
  text.pop_back();  // the root's closing brace
  return text + ", \"documents\": " + std::string(documents) + "}";
}

}  // namespace agentreplay::harness::scenario_test
