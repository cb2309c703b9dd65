// The rules a results document obeys beyond its JSON shape: the schema's enumerations and ranges
// (scenarios/schemas/results.schema.json) and what always holds between the fields of a document
// the program writes (a cell's counts agree with its samples, a summary's count with the values it
// summarises, percentiles are ordered). The reader (results_json_read.cc) checks them after
// reading each part, so a hand-edited or hostile file cannot put impossible values, or control
// characters, in front of the reporters, the comparison and the gate.
//
// Each check returns the first rule broken as a Violation: the JSON pointer of the bad value,
// relative to the part checked ("/samples/3/turn" for a cell), and the rule in words.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "results/result_model.h"

namespace agentreplay::results {

struct Violation {
  std::string pointer;  // RFC 6901, relative to the part checked; "" for the part itself
  std::string rule;
};

// Names, identifiers and labels (scenario, variant, metric and endpoint names, error reasons,
// ...): no control character at all, at most this many bytes.
inline constexpr std::size_t kMaxNameBytes = 4096;
// Free text (error messages, check names and details, the command line, paths): lines and tabs
// allowed, NUL never, at most this many bytes.
inline constexpr std::size_t kMaxTextBytes = std::size_t{1} << 20;

// The worlds and runtimes a document may name. The runtimes are the agent core's
// (src/llm/llm_client.cc, RuntimeNames()); this library does not depend on it.
bool IsKnownWorld(std::string_view world);
bool IsKnownRuntime(std::string_view runtime);

// `parent` + "/" + `token`, with `~` and `/` escaped as RFC 6901 says.
std::string AppendPointer(std::string parent, std::string_view token);

// The context on its own.
std::optional<Violation> ValidateContext(const Context& context);
// One cell on its own: its fields, its samples, summaries and checks, and the counts that must
// agree with its samples.
std::optional<Violation> ValidateCell(const Cell& cell);
// The cell `cell` (at /cells/<index>) against its document's context: the same world, sample
// repetitions within the run's repetitions, warm-up flags on exactly the warm-up repetitions.
// Pointers are absolute.
std::optional<Violation> ValidateCellInContext(const Cell& cell, std::size_t index,
                                               const Context& context);
// The document's number of cells against the plan's (context.planned_cells). Pointers are
// absolute.
std::optional<Violation> ValidateCellCount(const Context& context, std::size_t cells);
// Everything above over a whole document. Pointers are
// absolute. The reader calls the parts as it goes; this is for documents read some other way
// (a journal).
std::optional<Violation> ValidateResults(const Results& results);

}  // namespace agentreplay::results
