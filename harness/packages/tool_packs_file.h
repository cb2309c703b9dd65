// Loads package p4's tool packs and intent rules (scenarios/registry/tool_packs.json).
#pragma once

#include <filesystem>
#include <string>
#include <variant>

#include "agent/tool_selection.h"
#include "core/expected.h"

namespace agentreplay::harness {

inline constexpr const char* kToolPacksSchemaV1 = "agentreplay.tool_packs/v1";

// Errors name the file and the JSON pointer; every pack a rule or list names must exist.
Expected<ToolPacks> LoadToolPacks(const std::filesystem::path& path);
Expected<ToolPacks> ParseToolPacks(std::string_view json, std::string_view file);

}  // namespace agentreplay::harness
