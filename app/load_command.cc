// The `load` subcommand: open-loop load against the agent. For each scenario × variant ×
// runtime and each rate, sessions start on a schedule fixed in advance (fixed or Poisson
// gaps), many at once on one event loop, against the mock served over loopback (the real
// world) or a live endpoint (--base-url). Each rate is a cell, written to results.json after
// it ends, so `compare`, the gates and every reporter read a load as they read a run; the
// knee of the sweep is printed under the reports.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "app/build_info.h"
#include "app/commands.h"
#include "app/run_progress.h"
#include "app/shared_inputs.h"
#include "app/terminal.h"
#include "core/random.h"
#include "harness/load/arrival_schedule.h"
#include "harness/load/fd_limit.h"
#include "harness/load/knee.h"
#include "harness/load/load_runner.h"
#include "harness/packages/shipped_files.h"
#include "harness/recording/replay_sources.h"
#include "harness/run/matrix_runner.h"
#include "results/results_json.h"
#include "results/statistics.h"

namespace agentreplay::app {
namespace {

namespace fs = std::filesystem;

// The variant a load runs when none is named: the default ladder's top, the agent as a team
// ships it.
constexpr const char* kDefaultLoadVariant = "p0+p2+p1+p3+p4+p5";
constexpr const char* kDefaultLoadScenario = "two_tool_rounds.json";

// One line on stderr, rewritten in place, at most every 100 ms (the load's tick); nothing when
// stderr is not a terminal.
class LoadProgressLine {
 public:
  LoadProgressLine(size_t cells, bool enabled) : cells_(cells), enabled_(enabled) {}
  ~LoadProgressLine() { Finish(); }
  LoadProgressLine(const LoadProgressLine&) = delete;
  LoadProgressLine& operator=(const LoadProgressLine&) = delete;

  void StartCell() { ++cell_; }
  // Short enough for a narrow terminal: a wrapped line could not be rewritten in place.
  void Show(const harness::LoadProgress& p) {
    if (!enabled_) return;
    fmt::print(stderr,
               "\r\x1b[Kcell {}/{} \u00b7 {}/s \u00b7 started {}/{} \u00b7 done {} \u00b7 "
               "running {} \u00b7 waiting {} \u00b7 failed {} \u00b7 {:.0f} s",
               cell_, cells_, p.rate, p.started, p.planned, p.finished, p.active, p.waiting,
               p.failed, p.elapsed_s);
    std::fflush(stderr);
  }
  void Finish() {
    if (!enabled_) return;
    fmt::print(stderr, "\r\x1b[K");
    enabled_ = false;
  }

 private:
  size_t cells_;
  bool enabled_;
  size_t cell_ = 0;
};

// A line of /proc/self/status in KiB (VmRSS, VmHWM); nullopt where there is none (not Linux).
std::optional<double> ProcStatusKib(std::string_view field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field, 0) == 0 && line.size() > field.size() && line[field.size()] == ':') {
      return std::strtod(line.c_str() + field.size() + 1, nullptr);
    }
  }
  return std::nullopt;
}

// What the load cost the machine: the peak of sessions at once and the memory it took, per
// session (the agent's and the served mock's, both in this process, and the samples the run
// keeps, which grow with every session that ended), so a capacity plan can start from it.
std::string Figures(size_t peak_active, const std::optional<double>& rss_before_kib,
                    uint64_t open_files) {
  std::string out =
      fmt::format("\nfigures: peak {} session{} at once", peak_active, peak_active == 1 ? "" : "s");
  const auto hwm = ProcStatusKib("VmHWM");
  if (hwm) out += fmt::format(" \u00b7 VmHWM {:.1f} MiB", *hwm / 1024.0);
  if (hwm && rss_before_kib && peak_active > 0) {
    out += fmt::format(
        " ({:.1f} MiB before the first session: about {:.0f} KiB per concurrent session, the "
        "samples kept included)",
        *rss_before_kib / 1024.0,
        std::max(0.0, *hwm - *rss_before_kib) / static_cast<double>(peak_active));
  }
  out += fmt::format(" \u00b7 open-files limit {}\n", open_files);
  return out;
}

Expected<std::unique_ptr<harness::World>> MakeLoadWorld(const LoadOptions& options) {
  if (!options.base_url.empty()) {
    return MakeLiveWorldFromEnvironment(options.base_url);
  }
  harness::RealWorldOptions real;
  real.time_scale = options.time_scale;
  return harness::MakeRealWorld(real);
}

harness::ArrivalOptions Arrivals(const LoadOptions& options, double rate,
                                 harness::ArrivalProcess process) {
  harness::ArrivalOptions a;
  a.rate = rate;
  a.process = process;
  a.duration =
      std::chrono::duration_cast<Duration>(std::chrono::duration<double>(options.duration_s));
  a.sessions = options.sessions;
  // Per rate, so a sweep's rates are independent draws, and stable for a given seed.
  a.seed = DeriveSeed(options.seed, fmt::format("arrivals@{}", rate));
  return a;
}

}  // namespace

int LoadCommand(const LoadOptions& options, const std::string& command_line) {
  if (!CheckReportFormats(options.formats)) return kExitBadInput;
  const std::string file = !options.scenario_file.empty()
                               ? options.scenario_file
                               : (harness::shipped::Dir() / kDefaultLoadScenario).string();
  auto scenarios = harness::LoadReplaySources(file, harness::ReplayMode::kVerbatim);
  if (!scenarios) {
    fmt::print(stderr, "{}\n", scenarios.error());
    return kExitBadInput;
  }
  auto inputs = LoadSharedInputs();
  if (!inputs) {
    fmt::print(stderr, "error: {}\n", inputs.error());
    return kExitBadInput;
  }
  auto variants = inputs->registry.ResolveList(options.variants.empty() ? kDefaultLoadVariant
                                                                        : options.variants);
  if (!variants) {
    fmt::print(stderr, "error: --variants: {}\n", variants.error());
    return kExitBadInput;
  }
  auto process = harness::ParseArrivalProcess(options.arrival);
  if (!process) {
    fmt::print(stderr, "error: --arrival: {}\n", process.error());
    return kExitBadInput;
  }
  harness::MatrixOptions plan_options;
  plan_options.variants = std::move(*variants);
  for (const auto& name : options.runtimes) plan_options.runtimes.push_back(*ParseRuntime(name));
  const std::vector<harness::PlannedCell> planned = harness::PlanCells(*scenarios, plan_options);

  // Every schedule first: a bad one fails before any session runs, and the largest tells how
  // many sessions can be open at once.
  size_t most_sessions = 0;
  for (double rate : options.rates) {
    auto schedule = harness::ArrivalSchedule(Arrivals(options, rate, *process));
    if (!schedule) {
      fmt::print(stderr, "error: --rate {}: {}\n", rate, schedule.error());
      return kExitBadInput;
    }
    most_sessions = std::max(most_sessions, schedule->size());
  }
  auto limit = harness::RaiseFdLimit();
  if (!limit) {
    fmt::print(stderr, "error: {}\n", limit.error());
    return kExitBadInput;
  }
  bool proxy_hop = false;
  for (const auto& cell : planned) proxy_hop = proxy_hop || cell.variant->settings.proxy_dispatch;
  const uint64_t concurrent =
      std::min<uint64_t>(static_cast<uint64_t>(options.concurrency_cap), most_sessions);
  if (auto fits = harness::CheckFdBudget(
          concurrent, harness::FdsPerSession(options.base_url.empty(), proxy_hop), *limit);
      !fits) {
    fmt::print(stderr, "error: {}\n", fits.error());
    return kExitBadInput;
  }

  auto world = MakeLoadWorld(options);
  if (!world) {
    fmt::print(stderr, "error: {}\n", world.error());
    return kExitBadInput;
  }

  results::Results results;
  FillBuildAndMachine(results.context);
  results.context.world = std::string((*world)->name());
  results.context.seed = options.seed;
  results.context.repetitions = static_cast<int>(most_sessions);
  results.context.command_line = command_line;

  harness::LoadOptions load;
  load.concurrency_cap = options.concurrency_cap;
  load.seed = options.seed;
  load.prices = &inputs->prices;
  load.tool_packs = &inputs->tool_packs;
  const StopOnSignals signals;
  load.stop_requested = [&signals] { return signals.signal() != 0; };
  const size_t total_cells = planned.size() * options.rates.size();
  LoadProgressLine progress(total_cells, IsTerminal(stderr));
  size_t peak_active = 0;
  load.on_progress = [&progress, &peak_active](const harness::LoadProgress& p) {
    peak_active = std::max(peak_active, p.peak_active);
    progress.Show(p);
  };
  const std::optional<double> rss_before = ProcStatusKib("VmRSS");

  const fs::path out_file = fs::path(options.out_dir) / "results.json";
  bool write_failed = false;
  for (const auto& cell_plan : planned) {
    for (double rate : options.rates) {
      if (signals.signal() != 0) break;
      load.arrivals = Arrivals(options, rate, *process);
      progress.StartCell();
      auto cell = harness::RunLoadCell(**world, *cell_plan.scenario, *cell_plan.variant,
                                       cell_plan.runtime, load);
      if (!cell) {
        progress.Finish();
        fmt::print(stderr, "error: {}\n", cell.error());
        return kExitBadInput;
      }
      spdlog::info("{} / {} / {}: {} samples, {} errors", cell->scenario, cell->runtime,
                   cell->variant, cell->samples.size(), cell->error_samples);
      results.cells.push_back(std::move(*cell));
      results::CompareWithBaseline(results);
      if (auto written = results::WriteResultsFileAtomically(results, out_file);
          !written && !write_failed) {
        fmt::print(stderr, "error: {}\n", written.error());
        write_failed = true;
      }
    }
  }
  progress.Finish();
  if (results.cells.empty() && !write_failed) {
    if (auto written = results::WriteResultsFileAtomically(results, out_file); !written) {
      fmt::print(stderr, "error: {}\n", written.error());
      write_failed = true;
    }
  }

  const bool reported = WriteReportOutputs(results, options.formats, options.out_dir, {"json"}, "",
                                           "agentreplay", ConsoleWidth(options.wide));
  std::cout << harness::FormatKnees(harness::FindKnees(results));
  std::cout << Figures(peak_active, rss_before, limit->soft);
  std::cout << "\nresults: " << out_file.string() << "\n";
  if (signals.signal() != 0) {
    fmt::print(stderr,
               "interrupted ({}): kept {} of {} cells in {} (the last one with the sessions that "
               "had started)\n",
               signals.signal() == SIGINT ? "SIGINT" : "SIGTERM", results.cells.size(), total_cells,
               out_file.string());
    return signals.ExitCode();
  }
  if (write_failed || !reported) return kExitBadInput;
  return kExitOk;
}

}  // namespace agentreplay::app
