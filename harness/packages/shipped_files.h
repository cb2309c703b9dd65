// Where the data shipped with agentreplay lives: the scenarios, the package registry, the tool
// packs, the price table, the example gates and faults, and the JSON Schemas. Every path to a
// shipped file is built here, once, so a rename touches one line and a packaged install can
// point all of them elsewhere with one variable ($AGENTREPLAY_SCENARIOS_DIR).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace agentreplay::harness::shipped {

// $AGENTREPLAY_SCENARIOS_DIR when set, else the source tree's scenarios/ folder.
std::filesystem::path Dir();

std::filesystem::path PackagesFile();     // registry/packages.json
std::filesystem::path ToolPacksFile();    // registry/tool_packs.json
std::filesystem::path PricesFile();       // registry/prices.json
std::filesystem::path DefaultGateFile();  // gates/default.json
// schemas/NAME.schema.json, e.g. Schema("results").
std::filesystem::path Schema(const std::string& name);

// The shipped scenario files (*.json directly in Dir()), sorted by name.
std::vector<std::string> ScenarioFiles();

}  // namespace agentreplay::harness::shipped
