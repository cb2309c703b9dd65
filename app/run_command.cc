// The `run` subcommand: scenarios × runtimes × variants × repetitions in one world, results
// written after every cell, then the reports.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include "app/build_info.h"
#include "app/commands.h"
#include "app/run_progress.h"
#include "app/shared_inputs.h"
#include "app/terminal.h"
#include "harness/packages/setting_sweep.h"
#include "harness/packages/shipped_files.h"
#include "harness/recording/replay_sources.h"
#include "harness/run/matrix_runner.h"
#include "harness/scenario/fault_decoder.h"
#include "results/results_json.h"

namespace agentreplay::app {
namespace {

namespace fs = std::filesystem;

// Loads every file (a scenario, or a cassette's conversations); prints all diagnostics of all
// files. Returns false if any failed.
bool LoadAll(const std::vector<std::string>& files, harness::ReplayMode mode,
             std::vector<mocks::Scenario>& out) {
  bool ok = true;
  for (const auto& file : files) {
    auto loaded = harness::LoadReplaySources(file, mode);
    if (loaded) {
      for (auto& scenario : *loaded) out.push_back(std::move(scenario));
    } else {
      fmt::print(stderr, "{}\n", loaded.error());
      ok = false;
    }
  }
  return ok;
}

Expected<std::unique_ptr<harness::World>> MakeWorld(const RunOptions& options) {
  if (options.world == "real") {
    harness::RealWorldOptions real;
    real.time_scale = options.time_scale;
    return harness::MakeRealWorld(real);
  }
  if (options.world == "live") {
    harness::LiveWorldOptions live;
    live.base_url = options.base_url;
    const char* key = std::getenv("OPENAI_API_KEY");
    live.api_key = key != nullptr ? key : "";
    live.user_agent = fmt::format("agentreplay/{}", AGENTREPLAY_VERSION);
    return harness::MakeLiveWorld(live);
  }
  return harness::MakeSimWorld();
}

}  // namespace

int RunCommand(const RunOptions& options, const std::string& command_line) {
  if (!CheckReportFormats(options.formats)) return kExitBadInput;  // before minutes of running
  const auto files =
      options.scenario_files.empty() ? harness::shipped::ScenarioFiles() : options.scenario_files;
  if (files.empty()) {
    fmt::print(stderr, "error: no scenario files found in {}\n", harness::shipped::Dir().string());
    return kExitBadInput;
  }
  std::vector<mocks::Scenario> scenarios;
  const auto mode = options.lift ? harness::ReplayMode::kLifted : harness::ReplayMode::kVerbatim;
  if (!LoadAll(files, mode, scenarios)) return kExitBadInput;

  auto inputs = LoadSharedInputs();
  if (!inputs) {
    fmt::print(stderr, "error: {}\n", inputs.error());
    return kExitBadInput;
  }
  auto listed = inputs->registry.ResolveList(options.variants);
  if (!listed) {
    fmt::print(stderr, "error: --variants: {}\n", listed.error());
    return kExitBadInput;
  }
  std::vector<harness::SettingSweep> sweeps;
  for (const auto& spec : options.settings) {
    auto sweep = harness::ParseSettingSweep(spec);
    if (!sweep) {
      fmt::print(stderr, "error: {}\n", sweep.error());
      return kExitBadInput;
    }
    sweeps.push_back(std::move(*sweep));
  }
  auto variants = harness::ApplySweeps(*listed, sweeps);
  if (!variants) {
    fmt::print(stderr, "error: {}\n", variants.error());
    return kExitBadInput;
  }

  harness::MatrixOptions matrix;
  matrix.variants = std::move(*variants);
  if (options.variants.empty()) {
    // A scenario that names the variants showing its point runs those instead of the ladder.
    for (const auto& scenario : scenarios) {
      if (scenario.variants.empty()) continue;
      auto own = inputs->registry.ResolveList(fmt::format("{}", fmt::join(scenario.variants, ",")));
      if (!own) {
        fmt::print(stderr, "error: {}: variants: {}\n", scenario.source_path, own.error());
        return kExitBadInput;
      }
      auto swept = harness::ApplySweeps(*own, sweeps);
      if (!swept) {
        fmt::print(stderr, "error: {}: variants: {}\n", scenario.source_path, swept.error());
        return kExitBadInput;
      }
      matrix.scenario_variants[scenario.name] = std::move(*swept);
    }
  }
  matrix.tool_packs = &inputs->tool_packs;
  if (!options.workspace_dir.empty()) matrix.workspace_dir = fs::path(options.workspace_dir);
  for (const auto& name : options.runtimes) matrix.runtimes.push_back(*ParseRuntime(name));
  matrix.prices = &inputs->prices;
  matrix.repetitions = options.repetitions;
  matrix.warmup = options.warmup;
  matrix.seed = options.seed;
  if (!options.record_dir.empty()) {
    matrix.record_dir = fs::path(options.record_dir);
    matrix.record_origin = options.world == "live"
                               ? fmt::format("agentreplay run --world live {}", options.base_url)
                               : fmt::format("agentreplay run --world {}", options.world);
  }
  if (!options.faults_file.empty()) {
    // Applied to every scenario, after its own rules (docs/faults.md).
    auto faults = harness::LoadFaultsFile(options.faults_file);
    if (!faults) {
      fmt::print(stderr, "{}\n", faults.error());
      return kExitBadInput;
    }
    matrix.faults = std::move(*faults);
  }

  results::Results results;
  FillBuildAndMachine(results.context);
  results.context.world = options.world;
  results.context.seed = options.seed;
  results.context.repetitions = options.repetitions;
  results.context.warmup = options.warmup;
  results.context.command_line = command_line;

  auto world = MakeWorld(options);
  if (!world) {
    fmt::print(stderr, "error: --world {}: {}\n", options.world, world.error());
    return kExitBadInput;
  }
  const fs::path out_file = fs::path(options.out_dir) / "results.json";
  bool write_failed = false;
  const StopOnSignals signals;
  matrix.stop_requested = [&signals] { return signals.signal() != 0; };
  const size_t planned = harness::PlanCells(scenarios, matrix).size();
  RunProgress progress(planned, IsTerminal(stderr));
  harness::RunMatrix(**world, scenarios, matrix, results, [&](const results::Results& so_far) {
    const auto& cell = so_far.cells.back();
    progress.CellDone(cell.samples.size());
    spdlog::info("{} / {} / {}: {} samples, {} errors", cell.scenario, cell.runtime, cell.variant,
                 cell.samples.size(), cell.error_samples);
    if (auto written = results::WriteResultsFileAtomically(so_far, out_file);
        !written && !write_failed) {
      fmt::print(stderr, "error: {}\n", written.error());
      write_failed = true;
    }
  });

  progress.Finish();
  if (results.cells.empty() && !write_failed) {
    // Stopped (or nothing planned) before any cell ended: the file still says what ran.
    if (auto written = results::WriteResultsFileAtomically(results, out_file); !written) {
      fmt::print(stderr, "error: {}\n", written.error());
      write_failed = true;
    }
  }

  // results.json is already written (after every cell); the other formats are rendered now.
  const bool reported =
      WriteReportOutputs(results, options.formats, options.out_dir, {"json"}, options.push_url,
                         "agentreplay", ConsoleWidth(options.wide));
  std::cout << "\nresults: " << out_file.string() << "\n";
  if (signals.signal() != 0) {
    // Stopped early: say what was kept and what was not, and exit as the signal asks.
    fmt::print(stderr, "interrupted ({}): kept {} of {} cells in {}; {} not run\n",
               signals.signal() == SIGINT ? "SIGINT" : "SIGTERM", results.cells.size(), planned,
               out_file.string(), planned - results.cells.size());
    return signals.ExitCode();
  }
  if (write_failed || !reported) return kExitBadInput;
  if (!options.fail_on_checks) return kExitOk;
  for (const auto& cell : results.cells) {
    for (const auto& check : cell.checks) {
      if (!check.ok) return kExitChecksFailed;
    }
  }
  return kExitOk;
}

}  // namespace agentreplay::app
