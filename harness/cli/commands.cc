#include "cli/commands.h"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "cli/build_info.h"
#include "packages/registry.h"
#include "packages/tool_packs_file.h"
#include "results/results_json.h"
#include "run/matrix_runner.h"
#include "run/prices.h"
#include "scenario/fault_decoder.h"
#include "scenario/scenario_loader.h"

namespace agentreplay::cli {
namespace fs = std::filesystem;

fs::path ScenariosDir() {
  const char* env = std::getenv("AGENTREPLAY_SCENARIOS_DIR");
  return env != nullptr && *env != '\0' ? fs::path(env) : fs::path(AGENTREPLAY_SCENARIOS_DIR);
}

namespace {

// Loads every file; prints all diagnostics of all files. Returns false if any failed.
bool LoadAll(const std::vector<std::string>& files, std::vector<mocks::Scenario>& out) {
  bool ok = true;
  for (const auto& file : files) {
    harness::LoadResult loaded = harness::LoadScenarioFile(file);
    for (const auto& d : loaded.errors) fmt::print(stderr, "{}\n", d.ToString());
    if (loaded.scenario) {
      out.push_back(std::move(*loaded.scenario));
    } else {
      ok = false;
    }
  }
  return ok;
}

std::optional<harness::Registry> LoadRegistry() {
  auto loaded = harness::Registry::Load(ScenariosDir() / "registry" / "packages.json");
  if (auto* err = std::get_if<std::string>(&loaded)) {
    fmt::print(stderr, "error: {}\n", *err);
    return std::nullopt;
  }
  return std::move(std::get<harness::Registry>(loaded));
}

}  // namespace

std::vector<std::string> ShippedScenarioFiles() {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(ScenariosDir(), ec)) {
    const auto name = entry.path().filename().string();
    if (entry.is_regular_file() && entry.path().extension() == ".json" &&
        name.find(".schema.") == std::string::npos) {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

int RunCommand(const RunOptions& options, const std::string& command_line) {
  if (!CheckReportFormats(options.formats)) return kExitBadInput;  // before minutes of running
  const auto files =
      options.scenario_files.empty() ? ShippedScenarioFiles() : options.scenario_files;
  if (files.empty()) {
    fmt::print(stderr, "error: no scenario files found in {}\n", ScenariosDir().string());
    return kExitBadInput;
  }
  std::vector<mocks::Scenario> scenarios;
  if (!LoadAll(files, scenarios)) return kExitBadInput;

  auto registry = LoadRegistry();
  if (!registry) return kExitBadInput;
  auto prices = harness::PriceTable::Load(ScenariosDir() / "registry" / "prices.json");
  if (auto* err = std::get_if<std::string>(&prices)) {
    fmt::print(stderr, "error: {}\n", *err);
    return kExitBadInput;
  }
  auto variants = registry->ResolveList(options.variants);
  if (auto* err = std::get_if<std::string>(&variants)) {
    fmt::print(stderr, "error: --variants: {}\n", *err);
    return kExitBadInput;
  }

  auto tool_packs = harness::LoadToolPacks(ScenariosDir() / "registry" / "tool_packs.json");
  if (auto* err = std::get_if<std::string>(&tool_packs)) {
    fmt::print(stderr, "error: {}\n", *err);
    return kExitBadInput;
  }

  harness::MatrixOptions matrix;
  matrix.variants = std::move(std::get<std::vector<harness::Variant>>(variants));
  matrix.tool_packs = &std::get<ToolPacks>(tool_packs);
  if (!options.workspace_dir.empty()) matrix.workspace_dir = fs::path(options.workspace_dir);
  for (const auto& name : options.runtimes) matrix.runtimes.push_back(*ParseRuntime(name));
  matrix.prices = &std::get<harness::PriceTable>(prices);
  matrix.repetitions = options.repetitions;
  matrix.warmup = options.warmup;
  matrix.seed = options.seed;
  if (!options.faults_file.empty()) {
    // Applied to every scenario, after its own rules (docs/faults.md).
    harness::FaultsLoadResult faults = harness::LoadFaultsFile(options.faults_file);
    for (const auto& d : faults.errors) fmt::print(stderr, "{}\n", d.ToString());
    if (!faults.errors.empty()) return kExitBadInput;
    matrix.faults = std::move(faults.rules);
  }

  results::Results results;
  FillBuildAndMachine(results.context);
  results.context.world = options.world;
  results.context.seed = options.seed;
  results.context.repetitions = options.repetitions;
  results.context.warmup = options.warmup;
  results.context.command_line = command_line;

  const fs::path out_file = fs::path(options.out_dir) / "results.json";
  bool write_failed = false;
  std::unique_ptr<harness::World> world;
  if (options.world == "real") {
    harness::RealWorldOptions real;
    real.time_scale = options.time_scale;
    std::string error;
    world = harness::MakeRealWorld(real, &error);
    if (!world) {
      fmt::print(stderr, "error: --world real: {}\n", error);
      return kExitBadInput;
    }
  } else {
    world = harness::MakeSimWorld();
  }
  harness::RunMatrix(*world, scenarios, matrix, results, [&](const results::Results& so_far) {
    const auto& cell = so_far.cells.back();
    spdlog::info("{} / {} / {}: {} samples, {} errors", cell.scenario, cell.runtime, cell.variant,
                 cell.samples.size(), cell.error_samples);
    std::string error;
    if (!results::WriteResultsFileAtomically(so_far, out_file, &error) && !write_failed) {
      fmt::print(stderr, "error: cannot write {}: {}\n", out_file.string(), error);
      write_failed = true;
    }
  });

  // results.json is already written (after every cell); the other formats are rendered now.
  const bool reported = WriteReportOutputs(results, options.formats, options.out_dir, {"json"},
                                           options.push_url, "agentreplay");
  std::cout << "\nresults: " << out_file.string() << "\n";
  if (write_failed || !reported) return kExitBadInput;
  if (!options.fail_on_checks) return kExitOk;
  for (const auto& cell : results.cells) {
    for (const auto& check : cell.checks) {
      if (!check.ok) return kExitChecksFailed;
    }
  }
  return kExitOk;
}

int ValidateCommand(const ValidateOptions& options) {
  size_t bad = 0;
  for (const auto& file : options.files) {
    harness::LoadResult loaded = harness::LoadScenarioFile(file);
    for (const auto& d : loaded.errors) fmt::print(stderr, "{}\n", d.ToString());
    if (loaded.errors.empty()) {
      fmt::print("{}: ok ({} turns)\n", file, loaded.scenario->turns.size());
    } else {
      ++bad;
    }
  }
  if (bad > 0) {
    fmt::print(stderr, "{} of {} files have errors\n", bad, options.files.size());
    return kExitBadInput;
  }
  return kExitOk;
}

// The first sentence of a description: `list` shows one line per scenario.
std::string FirstSentence(const std::string& text) {
  const size_t end = text.find(". ");
  return end == std::string::npos ? text : text.substr(0, end + 1);
}

int ListCommand(const ListOptions& options) {
  const bool all = options.what == "all";
  const char* gap = all ? "\n" : "";
  if (all || options.what == "scenarios") {
    fmt::print("scenarios ({}):\n", ScenariosDir().string());
    for (const auto& file : ShippedScenarioFiles()) {
      harness::LoadResult loaded = harness::LoadScenarioFile(file);
      if (loaded.scenario) {
        fmt::print("  {:<24} {}\n", loaded.scenario->name,
                   FirstSentence(loaded.scenario->description));
      } else {
        fmt::print("  {:<24} (invalid: run `agentreplay validate {}`)\n",
                   fs::path(file).stem().string(), file);
      }
    }
  }
  if (all || options.what == "runtimes") {
    fmt::print("{}runtimes:\n", all ? "\n" : "");
    fmt::print(
        "  assistants               Assistants API v2: threads and runs, polled or streamed\n");
    fmt::print("  responses                Responses API, streamed or not\n");
    fmt::print("  chat                     Chat Completions, streamed or not\n");
  }
  if (all || options.what == "packages" || options.what == "ladders") {
    auto registry = LoadRegistry();
    if (!registry) return kExitBadInput;
    if (all || options.what == "packages") {
      fmt::print("{}packages (a variant joins ids with '+'; 'baseline' has none):\n", gap);
      for (const auto& p : registry->packages()) {
        std::string moves;
        for (const auto& m : p.moves) moves += (moves.empty() ? "" : ", ") + m;
        fmt::print("  {:<4} {:<22} moves {}\n", p.id, p.name, moves);
      }
    }
    if (all || options.what == "ladders") {
      fmt::print("{}ladders:\n", gap);
      for (const auto& [name, rungs] : registry->ladders()) {
        std::string list;
        for (const auto& r : rungs) list += (list.empty() ? "" : ", ") + r;
        fmt::print("  {:<8} {}\n", name, list);
      }
    }
  }
  if (all || options.what == "metrics") {
    fmt::print("{}metrics:\n", gap);
    for (const auto& m : results::MetricCatalog()) {
      fmt::print("  {:<20} {:<7} {}\n", m.name, m.unit, m.description);
    }
    fmt::print("  critical-path segments:");
    for (const auto& s : results::SegmentNames()) fmt::print(" {}", s);
    fmt::print("\n");
  }
  return kExitOk;
}

}  // namespace agentreplay::cli
