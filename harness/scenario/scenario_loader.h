// Loads scenario files (format v1, docs/scenario-format.md) into mocks::Scenario.
//
// Scenario files are written by hand, so the loader is strict (unknown fields are errors) and
// reports every problem it finds, each with the file, the JSON pointer and line:column of the
// offending value, and what was expected.
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/expected.h"
#include "mocks/model/scenario.h"

namespace agentreplay::harness {

// What one scenario may hold (docs/scenario-format.md, "Limits"); more is refused where it
// stands. A turn's requests carry the conversation so far (Chat Completions resends it whole), so
// the work of a turn grows with the turns before it: 1,000 turns cost a Chat repetition about 5 s
// of CPU, 5,000 would cost two minutes. One text at most 10,485,760 bytes, the API's own limit on
// a string; the file itself is bounded at 64 MiB (core/input_file.h).
inline constexpr std::size_t kMaxTurns = 1000;
inline constexpr std::size_t kMaxToolCallsPerStep = 10000;
inline constexpr std::size_t kMaxTextBytes = std::size_t{10} << 20;

// The scenario, or every error found, in document order. An unreadable file is one error.
Expected<mocks::Scenario> ParseScenario(std::string_view json_text, std::string_view file_name);
Expected<mocks::Scenario> LoadScenarioFile(const std::filesystem::path& path);

// Splits answer text into streaming chunks: each chunk is a run of leading whitespace plus one
// word (a maximal run of non-whitespace), like model tokens " is". Whitespace after the last word
// joins the last chunk, so the chunks always concatenate back to `text`.
std::vector<std::string> SplitTextIntoChunks(std::string_view text);

// The members format v1 allows in each kind of object, so tests can hold the JSON Schema
// (scenarios/schemas/scenario.schema.json) to the loader. `object` is "scenario" for the root,
// otherwise the schema's $defs name ("latency", "tool", "turn", "step", "alternative_step",
// "tool_call", "file_search", "fault", "alternative", "condition", "expect", "workspace",
// "data_entry", "data_expectation", and "dist_fixed", "dist_lognormal", "dist_uniform" for the
// distribution objects). "documents", "tools" and "workspace.blobs" are maps, not objects with
// fields.
struct ObjectFields {
  std::string_view object;
  std::span<const std::string_view> known;
  std::span<const std::string_view> required;
};
std::span<const ObjectFields> FormatV1Fields();

}  // namespace agentreplay::harness
