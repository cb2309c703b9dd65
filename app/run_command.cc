// The `run` subcommand: scenarios × runtimes × variants × repetitions in one world. Every
// finished cell is appended to the journal at once (nothing finished is lost); results.json is
// written once at the end, then the reports.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include "app/build_info.h"
#include "app/commands.h"
#include "app/run_progress.h"
#include "app/shared_inputs.h"
#include "app/terminal.h"
#include "core/random.h"
#include "harness/packages/setting_sweep.h"
#include "harness/packages/shipped_files.h"
#include "harness/recording/replay_sources.h"
#include "harness/run/matrix_runner.h"
#include "harness/scenario/fault_decoder.h"
#include "results/results_journal.h"
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

// What decides the cells and their samples, hashed: shards of one run share it, and `merge`
// refuses documents whose plans differ. File contents, not names: an edited scenario is
// another plan.
std::string PlanFingerprint(const RunOptions& options, const std::vector<std::string>& files,
                            const results::Context& context) {
  std::string text =
      fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", context.version, context.git_revision,
                  options.world, options.base_url, options.seed, options.repetitions,
                  options.warmup, options.lift, options.time_scale, options.variants,
                  fmt::join(options.settings, ";"), fmt::join(options.runtimes, ","));
  std::vector<std::string> inputs = files;
  for (const auto& shipped : {harness::shipped::PackagesFile(), harness::shipped::PricesFile(),
                              harness::shipped::ToolPacksFile()}) {
    inputs.push_back(shipped.string());
  }
  if (!options.faults_file.empty()) inputs.push_back(options.faults_file);
  for (const auto& file : inputs) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    text += fmt::format("|{:016x}", DeriveSeed(0, bytes.str()));
  }
  return fmt::format("{:016x}", DeriveSeed(0, text));
}

// CPU time of the whole process (every worker, and the served mock's thread in the real world).
double ProcessCpuSeconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

Expected<std::unique_ptr<harness::World>> MakeWorld(const RunOptions& options) {
  if (options.world == "real") {
    harness::RealWorldOptions real;
    real.time_scale = options.time_scale;
    return harness::MakeRealWorld(real);
  }
  if (options.world == "live") {
    return MakeLiveWorldFromEnvironment(options.base_url);
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

  matrix.jobs = options.jobs > 0 ? options.jobs
                : options.world == "sim"
                    ? static_cast<int>(std::max(1U, std::thread::hardware_concurrency()))
                    : 1;
  matrix.shard_index = options.shard_index;
  matrix.shard_count = options.shard_count;

  results::Results results;
  FillBuildAndMachine(results.context);
  results.context.world = options.world;
  results.context.seed = options.seed;
  results.context.repetitions = options.repetitions;
  results.context.warmup = options.warmup;
  results.context.command_line = command_line;
  results.context.plan = PlanFingerprint(options, files, results.context);
  // Planned once here (planning warns about recordings left out); RunMatrix plans again.
  const std::vector<harness::PlannedCell> plan = harness::PlanCells(scenarios, matrix);
  results.context.planned_cells = static_cast<int>(plan.size());
  results.context.shard_index = options.shard_index;
  results.context.shard_count = options.shard_count;

  auto first_world = MakeWorld(options);  // a bad endpoint fails before any file is written
  if (!first_world) {
    fmt::print(stderr, "error: --world {}: {}\n", options.world, first_world.error());
    return kExitBadInput;
  }
  // The first worker takes this world; any other makes its own.
  std::unique_ptr<harness::World> first = std::move(*first_world);
  auto make_world = [&options, &first]() -> Expected<std::unique_ptr<harness::World>> {
    if (first) return std::move(first);
    return MakeWorld(options);
  };
  const fs::path out_file = fs::path(options.out_dir) / "results.json";
  const fs::path journal_file = fs::path(options.out_dir) / results::kJournalFileName;
  // A results.json left by an earlier run in this directory must not pass for this run's.
  std::error_code removed;
  fs::remove(out_file, removed);
  auto journal =
      results::JournalWriter::Create(journal_file, results.context, std::chrono::seconds(1));
  if (!journal) {
    fmt::print(stderr, "error: {}\n", journal.error());
    return kExitBadInput;
  }
  bool write_failed = false;
  const StopOnSignals signals;
  matrix.stop_requested = [&signals] { return signals.signal() != 0; };
  const size_t planned = harness::ShardOf(plan, matrix).size();
  RunProgress progress(planned, IsTerminal(stderr));
  const auto wall_start = std::chrono::steady_clock::now();
  const double cpu_start = ProcessCpuSeconds();
  auto ran =
      harness::RunMatrix(make_world, scenarios, matrix, results, [&](const results::Cell& cell) {
        progress.CellDone(cell.samples.size());
        spdlog::info("{} / {} / {}: {} samples, {} errors", cell.scenario, cell.runtime,
                     cell.variant, cell.samples.size(), cell.error_samples);
        if (auto appended = journal->Append(cell); !appended && !write_failed) {
          fmt::print(stderr, "error: {}\n", appended.error());
          write_failed = true;
        }
      });
  progress.Finish();
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  const double cpu_s = ProcessCpuSeconds() - cpu_start;
  if (!ran) {
    fmt::print(stderr, "error: --world {}: {}\n", options.world, ran.error());
    return kExitBadInput;
  }
  if (auto closed = journal->Close(); !closed && !write_failed) {
    fmt::print(stderr, "error: {}\n", closed.error());
    write_failed = true;
  }
  // The document, once: the journal's cells with the changes against their baselines.
  if (auto written = results::WriteResultsFileAtomically(results, out_file); !written) {
    fmt::print(stderr, "error: {}\n", written.error());
    write_failed = true;
  }

  // results.json is written; the other formats are rendered now.
  const bool reported =
      WriteReportOutputs(results, options.formats, options.out_dir, {"json"}, options.push_url,
                         "agentreplay", ConsoleWidth(options.wide));
  std::cout << "\nresults: " << out_file.string() << "\n";
  size_t turns = 0;
  for (const auto& cell : results.cells) turns += cell.samples.size();
  // What the run cost this machine: the figure the speed goals are stated in.
  fmt::print(
      "ran {} turns in {:.2f} s wall, {:.2f} s CPU ({:.0f} turns per CPU-second, {} "
      "worker{})\n",
      turns, wall_s, cpu_s, cpu_s > 0 ? static_cast<double>(turns) / cpu_s : 0.0, matrix.jobs,
      matrix.jobs == 1 ? "" : "s");
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
