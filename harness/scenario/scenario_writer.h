// Writes a scenario as a format v1 file (docs/scenario-format.md): the inverse of the loader.
//
// Scenarios are mostly written by hand, but lifting a recording (harness/recording/lift.h)
// produces them in code, and `import` saves those as files that people read, diff, edit and
// run. So the writer must give back exactly what it was handed once loaded, and print it the
// way a person would: two-space indentation, small objects and lists on one line (as the
// shipped files write distributions), long lists of numbers filled up to 100 columns.
//
// The contract: for a scenario the loader accepts, ParseScenario(ScenarioToJson(s)) equals s,
// and writing that again gives the same bytes. Fields at their defaults are left out. Two
// values that have no effect are not written: a chunk_gap_ms that gaps_ms replaces, and an
// argument_chunks that argument_pieces replaces. Numbers are printed in their shortest form
// that reads back as the same double. source_path and the verbatim-replay members are not part
// of the format.
#pragma once

#include <filesystem>
#include <string>

#include "core/expected.h"
#include "mocks/model/scenario.h"

namespace agentreplay::harness {

// The scenario as format v1 JSON text, ending with a newline.
std::string ScenarioToJson(const mocks::Scenario& scenario);

// Writes ScenarioToJson(scenario) to `path` atomically (core/output_file.h).
Status WriteScenarioFile(const std::filesystem::path& path, const mocks::Scenario& scenario);

}  // namespace agentreplay::harness
