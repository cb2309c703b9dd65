// Decodes fault rules (docs/faults.md): a scenario's top-level "faults" array, and faults files
// ({"schema": "agentreplay.faults/v1", "faults": [...]}) for `run --faults`. Like the scenario
// loader it is strict and reports every problem with file:line:col, the JSON pointer and what
// was expected: an unknown kind, a parameter the kind does not take, a bad value, an endpoint
// the mock does not know or where the fault cannot happen.
#pragma once

#include <rapidjson/document.h>

#include <filesystem>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/expected.h"
#include "harness/scenario/field_reader.h"
#include "harness/scenario/scenario_loader.h"
#include "mocks/model/fault_rules.h"

namespace agentreplay::harness {

// Reads the member "faults" of `obj` (at pointer `at`), when present: a non-empty array of rules.
std::vector<mocks::FaultRule> DecodeFaultRules(FieldReader& reader, const rapidjson::Value& obj,
                                               std::string_view at);

// The rules of a faults file, or every error found. An unreadable file is one error.
Expected<std::vector<mocks::FaultRule>> ParseFaultsFile(std::string_view json_text,
                                                        std::string_view file_name);
Expected<std::vector<mocks::FaultRule>> LoadFaultsFile(const std::filesystem::path& path);

// The members a rule of each kind allows and requires (object: the kind's name), so tests can
// hold scenarios/schemas/faults.schema.json to the decoder.
std::span<const ObjectFields> FaultRuleFields();

}  // namespace agentreplay::harness
