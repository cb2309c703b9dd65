// Variant settings: the typed agent and world options a variant runs with, and the one table
// that maps the registry's setting names onto them.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <variant>

#include "agent/agent.h"
#include "core/expected.h"
#include "llm/llm_client.h"

namespace agentreplay::harness {

using SettingValue = std::variant<bool, double, std::string>;
using SettingMap = std::map<std::string, SettingValue>;

struct VariantSettings {
  Runtime runtime = Runtime::kAssistants;
  bool stream = false;
  bool background = false;  // Responses: background responses, resumed when a stream breaks
  AssistantsOptions assistants;
  bool vector_store = false;
  bool proxy_dispatch = true;          // p2 off: tools go through the proxy_router hop
  bool intent_tool_selection = false;  // p4
  bool parallel_tools = false;         // px
  int max_parallel_tools = 4;          // px's worker pool
  RetryPolicy retry;                   // pr (its seed is set per repetition)
  DeltaBatching batching;              // pb
  // pc: idle keep-alive connections the agent's HTTP clients keep; 0 (legacy): none, so every
  // request pays a new connection (TCP, and TLS for https).
  int max_idle_connections = 0;
};

// Applies one setting; fails for an unknown name or a wrong value.
Status ApplySetting(VariantSettings& settings, std::string_view name, const SettingValue& value);

// Every setting name the table knows, for validation messages and `agentreplay list`.
std::vector<std::string_view> SettingNames();

// Builds the agent options for a variant (the world adds the ports).
AgentOptions MakeAgentOptions(const VariantSettings& settings, uint64_t seed);

}  // namespace agentreplay::harness
