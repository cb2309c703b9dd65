// Package p4: offer the model the tool pack the user's intent needs instead of every schema.
// Packs and intent rules are data (the harness loads them from scenarios/registry/); this file
// only applies them.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tools/tool_spec.h"

namespace agentreplay {

struct IntentRule {
  std::string pack;
  // Lower-case words or phrases; the rule matches when any occurs in the message as whole
  // words (so "file" matches "the file?" but not "profile").
  std::vector<std::string> phrases;
};

struct ToolPacks {
  std::map<std::string, std::vector<std::string>> packs;  // pack name → tool names
  std::vector<std::string> always;                        // packs offered whatever the message says
  std::vector<IntentRule> rules;            // in order; every matching rule adds its pack
  std::vector<std::string> when_unmatched;  // packs offered when no rule matches
};

// The packs the message's intent selects.
std::vector<std::string> SelectPacks(const ToolPacks& packs, std::string_view user_message);

// The tools of those packs, in catalogue order (so requests stay stable across turns).
std::vector<ToolSpec> ToolsForPacks(const ToolPacks& packs, const std::vector<std::string>& names,
                                    const std::vector<ToolSpec>& catalogue);

}  // namespace agentreplay
