// Decodes the steps of a turn: what one model response contains (text, tool calls, a file
// search), the faults the back end answers before it plays, the alternatives that replace it
// depending on the agent's request, and the rules that tie the steps of a turn together.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "harness/scenario/field_reader.h"
#include "mocks/model/scenario.h"

namespace agentreplay::harness {

// What the scenario's "documents" member says about the documents a file_search can find.
struct KnownDocuments {
  enum class State {
    kAbsent,     // no "documents": a file_search must script its results
    kListed,     // scripted results must be among `names`
    kMalformed,  // already reported; the rules that depend on it are skipped
  };
  State state = State::kAbsent;
  std::vector<std::string> names;  // kListed: sorted, unique
};

// The member "steps" of the turn object `turn` at `pointer`. Absent or malformed: no steps
// (reported, except absence, which the turn's required fields cover).
std::vector<mocks::StepScript> DecodeSteps(FieldReader& reader, const rapidjson::Value& turn,
                                           const std::string& pointer,
                                           const KnownDocuments& documents);

// Whether the model searches the vector store during a turn, whichever alternatives the
// agent's requests select.
enum class SearchUse { kNever, kSometimes, kAlways };

// Judged from where "file_search" is present (not whether it is valid, so that a malformed one
// is reported once); where the answer depends on a malformed part, kSometimes, which no
// expectation contradicts. `steps` is the turn's "steps" member, of whatever type.
SearchUse FileSearchUse(const rapidjson::Value& steps);

}  // namespace agentreplay::harness
