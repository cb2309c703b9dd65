// The `list` subcommand: what is shipped and built in, read from the same tables the code runs
// on (scenario files, the package registry, the runtime table, the tool catalogue, the metric
// catalogue), so the listing can never disagree with what a run does.
#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <filesystem>
#include <string>

#include "app/commands.h"
#include "harness/packages/registry.h"
#include "harness/packages/shipped_files.h"
#include "harness/scenario/scenario_loader.h"
#include "json/json_text.h"
#include "llm/llm_client.h"
#include "results/result_model.h"
#include "tools/tool_catalog.h"

namespace agentreplay::app {
namespace {

// The first sentence of a description: `list` shows one line per scenario.
std::string FirstSentence(const std::string& text) {
  const size_t end = text.find(". ");
  return end == std::string::npos ? text : text.substr(0, end + 1);
}

// A tool's argument schema, indented under its name.
std::string IndentedSchema(const std::string& compact) {
  rapidjson::Document doc;
  if (json::ParseDocument(compact, doc)) return "      " + compact;
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  writer.SetFormatOptions(rapidjson::kFormatSingleLineArray);
  doc.Accept(writer);
  std::string out = "      ";
  for (const char* p = buffer.GetString(); *p != '\0'; ++p) {
    out += *p;
    if (*p == '\n') out += "      ";
  }
  return out;
}

void ListScenarios() {
  fmt::print("scenarios ({}):\n", harness::shipped::Dir().string());
  for (const auto& file : harness::shipped::ScenarioFiles()) {
    auto loaded = harness::LoadScenarioFile(file);
    if (loaded) {
      fmt::print("  {:<24} {}\n", loaded->name, FirstSentence(loaded->description));
    } else {
      fmt::print("  {:<24} (invalid: run `agentreplay validate {}`)\n",
                 std::filesystem::path(file).stem().string(), file);
    }
  }
}

void ListRuntimes() {
  fmt::print("runtimes:\n");
  for (const auto& r : Runtimes()) fmt::print("  {:<24} {}\n", r.name, r.description);
}

void ListTools() {
  const auto specs = MakeDefaultCatalog().Specs();
  fmt::print("tools ({}; arguments as JSON Schema):\n", specs.size());
  for (const auto& spec : specs) {
    fmt::print("  {}\n    {}\n{}\n", spec.name, spec.description, IndentedSchema(spec.parameters));
  }
}

std::string Spell(const harness::SettingValue& value) {
  if (const auto* b = std::get_if<bool>(&value)) return *b ? "true" : "false";
  if (const auto* d = std::get_if<double>(&value)) return fmt::format("{}", *d);
  return std::get<std::string>(value);
}

// Each setting `run --set` takes, with the baseline's value and the packages that set it.
void ListSettings(const harness::Registry& registry) {
  fmt::print("settings (run --set NAME=VALUE[,VALUE...]; baseline value, then packages):\n");
  for (std::string_view name : harness::SettingNames()) {
    std::string line;
    const auto legacy = registry.legacy().find(std::string(name));
    line += legacy == registry.legacy().end() ? "-" : Spell(legacy->second);
    for (const auto& p : registry.packages()) {
      const auto it = p.sets.find(std::string(name));
      if (it != p.sets.end()) line += fmt::format(", {} {}", p.id, Spell(it->second));
    }
    fmt::print("  {:<32} {}\n", name, line);
  }
}

void ListMetrics() {
  fmt::print("metrics:\n");
  for (const auto& m : results::MetricCatalog()) {
    fmt::print("  {:<20} {:<7} {}\n", m.name, m.unit, m.description);
  }
  fmt::print("  critical-path segments:");
  for (const auto& s : results::SegmentNames()) fmt::print(" {}", s);
  fmt::print("\n");
}

}  // namespace

int ListCommand(const ListOptions& options) {
  const bool all = options.what == "all";
  bool first = true;
  auto section = [&](std::string_view name) {
    if (!all && options.what != name) return false;
    if (!first) fmt::print("\n");
    first = false;
    return true;
  };
  if (section("scenarios")) ListScenarios();
  if (section("runtimes")) ListRuntimes();
  if (all || options.what == "packages" || options.what == "ladders" ||
      options.what == "settings") {
    auto registry = harness::Registry::Load(harness::shipped::PackagesFile());
    if (!registry) {
      fmt::print(stderr, "error: {}\n", registry.error());
      return kExitBadInput;
    }
    if (section("packages")) {
      fmt::print("packages (a variant joins ids with '+'; 'baseline' has none):\n");
      for (const auto& p : registry->packages()) {
        std::string moves;
        for (const auto& m : p.moves) moves += (moves.empty() ? "" : ", ") + m;
        fmt::print("  {:<4} {:<22} moves {}\n", p.id, p.name, moves);
      }
    }
    if (section("settings")) ListSettings(*registry);
    if (section("ladders")) {
      fmt::print("ladders:\n");
      for (const auto& [name, rungs] : registry->ladders()) {
        std::string list;
        for (const auto& r : rungs) list += (list.empty() ? "" : ", ") + r;
        fmt::print("  {:<8} {}\n", name, list);
      }
    }
  }
  if (section("tools")) ListTools();
  if (section("metrics")) ListMetrics();
  return kExitOk;
}

}  // namespace agentreplay::app
