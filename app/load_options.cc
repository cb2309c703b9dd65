#include "app/load_options.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "llm/llm_client.h"

namespace agentreplay::app {

CLI::App* AddLoadCommand(CLI::App& app, LoadOptions& load) {
  auto* cmd = app.add_subcommand(
      "load",
      "Open-loop load: sessions arrive at a fixed or Poisson rate, many at once on one event "
      "loop, against the served mock (real world) or --base-url; a cell per rate, the knee");
  cmd->add_option("--scenario", load.scenario_file,
                  "Scenario file or cassette (default: the shipped two_tool_rounds)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--variants", load.variants,
                  "Comma-separated variants and ladder names (default: the top of the default "
                  "ladder, p0+p2+p1+p3+p4+p5)");
  cmd->add_option("--runtimes", load.runtimes,
                  "Run every variant on each of these runtimes (default: the variant's own)")
      ->delimiter(',')
      ->check(CLI::IsMember(RuntimeNames()));
  cmd->add_option("--rate", load.rates,
                  "Sessions per second; a comma-separated list sweeps them, a cell per rate")
      ->delimiter(',')
      ->check(CLI::PositiveNumber);
  cmd->add_option("--arrival", load.arrival,
                  "fixed (every 1/rate s) or poisson (exponential gaps drawn from --seed)")
      ->check(CLI::IsMember({"fixed", "poisson"}));
  cmd->add_option("--duration", load.duration_s,
                  "Seconds of arrivals per rate (default 10 when --sessions is not given)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--sessions", load.sessions,
                  "Sessions per rate at most (with --duration: whichever ends first)")
      ->check(CLI::Range(int64_t{0}, int64_t{10'000'000}));
  cmd->add_option("--concurrency-cap", load.concurrency_cap,
                  "Sessions running at once at most; later arrivals wait and their wait counts "
                  "in their latencies")
      ->check(CLI::Range(1, 1'000'000));
  cmd->add_option("--seed", load.seed, "Seed of the arrivals and of every session's draws");
  cmd->add_option("--time-scale", load.time_scale,
                  "Factor on every scripted time of the served mock and the tools")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--base-url", load.base_url,
                  "Drive this OpenAI-compatible endpoint (OPENAI_API_KEY) with the scenario's "
                  "request pattern instead of the served mock");
  cmd->add_option("--out", load.out_dir, "Directory for results.json and the report files");
  cmd->add_option("--format", load.formats, "Report formats (comma-separated)")->delimiter(',');
  cmd->add_flag("--wide", load.wide, "Console table with every column");
  return cmd;
}

std::optional<int> CheckLoadOptions(LoadOptions& load) {
  if (load.rates.empty()) {
    std::fputs("agentreplay load: --rate needs at least one rate\n", stderr);
    return 2;
  }
  for (double rate : load.rates) {
    if (!std::isfinite(rate) || rate <= 0) {
      std::fputs("agentreplay load: every --rate must be a positive number\n", stderr);
      return 2;
    }
  }
  std::vector<double> sorted = load.rates;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    std::fputs("agentreplay load: --rate lists a rate twice (a cell per rate)\n", stderr);
    return 2;
  }
  if (load.duration_s <= 0 && load.sessions <= 0) load.duration_s = 10;
  return std::nullopt;
}

}  // namespace agentreplay::app
