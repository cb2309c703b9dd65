// The `validate` subcommand: every error of every given file (scenario, cassette, gate or
// faults file: the content says which), located, and exit 2 if any.
#include <fmt/format.h>
#include <rapidjson/document.h>

#include <string>

#include "app/commands.h"
#include "core/input_file.h"
#include "harness/recording/cassette_reader.h"
#include "harness/recording/replay_sources.h"
#include "harness/recording/verbatim.h"
#include "harness/scenario/fault_decoder.h"
#include "harness/scenario/scenario_loader.h"
#include "json/json_text.h"
#include "reports/compare/gate.h"

namespace agentreplay::app {
namespace {

// What a JSON file declares itself to be by its "schema" member ("" when it does not say).
std::string DeclaredSchema(const std::string& file) {
  auto text = ReadInputFile(file);
  if (!text) return "";
  rapidjson::Document doc;
  if (json::ParseDocument(*text, doc) || !doc.IsObject()) return "";
  const auto it = doc.FindMember("schema");
  return it != doc.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

// One line for a good file, every diagnostic of a bad one; true when good.
bool Validate(const std::string& file) {
  if (harness::IsCassetteFile(file)) {
    auto cassette = harness::LoadCassetteFile(file);
    if (!cassette) {
      fmt::print(stderr, "{}\n", cassette.error());
      return false;
    }
    const size_t users = harness::RecordedUserMessages(*cassette).size();
    fmt::print("{}: ok (cassette: {} exchanges, {} user turns, recorded on {})\n", file,
               cassette->exchanges.size(), users,
               cassette->runtime.empty() ? "an unknown runtime" : cassette->runtime);
    return true;
  }
  const std::string schema = DeclaredSchema(file);
  if (schema.starts_with("agentreplay.faults/")) {
    auto faults = harness::LoadFaultsFile(file);
    if (!faults) {
      fmt::print(stderr, "{}\n", faults.error());
      return false;
    }
    fmt::print("{}: ok (faults: {} rules)\n", file, faults->size());
    return true;
  }
  if (schema.starts_with("agentreplay.gate/")) {
    auto gate = reports::LoadGateFile(file);
    if (!gate) {
      fmt::print(stderr, "{}\n", gate.error());
      return false;
    }
    fmt::print("{}: ok (gate: {} metrics)\n", file, gate->metrics.size());
    return true;
  }
  auto loaded = harness::LoadScenarioFile(file);
  if (!loaded) {
    fmt::print(stderr, "{}\n", loaded.error());
    return false;
  }
  fmt::print("{}: ok ({} turns)\n", file, loaded->turns.size());
  return true;
}

}  // namespace

int ValidateCommand(const ValidateOptions& options) {
  size_t bad = 0;
  for (const auto& file : options.files) {
    if (!Validate(file)) ++bad;
  }
  if (bad > 0) {
    fmt::print(stderr, "{} of {} files have errors\n", bad, options.files.size());
    return kExitBadInput;
  }
  return kExitOk;
}

}  // namespace agentreplay::app
