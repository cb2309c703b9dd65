// What format v1 allows in each kind of object, and its one compound value (the distribution),
// shared by the decoders in scenario_loader.cc and step_decoder.cc.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
  kReasoning,
  kHostedTool,
  kSource,
};

const ObjectFields& Fields(Object object);

// A distribution: a non-negative number (fixed) or {"dist": kind, parameters...}. Absent:
// nullopt silently; bad: reported, nullopt.
std::optional<mocks::Dist> ReadDist(FieldReader& reader, const rapidjson::Value& obj,
                                    std::string_view at, std::string_view name);
// The same for a value already found at `pointer` (an array's element); `name` is the field
// the messages name.
std::optional<mocks::Dist> ReadDistValue(FieldReader& reader, const rapidjson::Value& given,
                                         const std::string& pointer, std::string_view name);
// A non-empty array of distributions. Absent: nullopt silently; bad (or any element bad):
// reported, nullopt.
std::optional<std::vector<mocks::Dist>> ReadDistList(FieldReader& reader,
                                                     const rapidjson::Value& obj,
                                                     std::string_view at, std::string_view name);

}  // namespace agentreplay::harness::format_v1
