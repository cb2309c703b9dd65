// What format v1 allows in each kind of object, and its one compound value (the distribution),
// shared by the decoders in scenario_loader.cc and step_decoder.cc.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <optional>
#include <string_view>

#include "harness/scenario/field_reader.h"
#include "harness/scenario/scenario_loader.h"
#include "mocks/model/distribution.h"

namespace agentreplay::harness::format_v1 {

// The objects of the format, in the order of FormatV1Fields().
enum Object : std::size_t {
  kScenario,
  kLatency,
  kTool,
  kTurn,
  kStep,
  kAlternativeStep,
  kToolCall,
  kFileSearch,
  kFault,
  kAlternative,
  kCondition,
  kExpect,
  kWorkspace,
  kDataEntry,
  kDataExpectation,
  kDistFixed,
  kDistLognormal,
  kDistUniform,
  kSource,
};

const ObjectFields& Fields(Object object);

// A distribution: a non-negative number (fixed) or {"dist": kind, parameters...}. Absent:
// nullopt silently; bad: reported, nullopt.
std::optional<mocks::Dist> ReadDist(FieldReader& reader, const rapidjson::Value& obj,
                                    std::string_view at, std::string_view name);

}  // namespace agentreplay::harness::format_v1
