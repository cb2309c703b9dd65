// The `serve` subcommand: the mock back end as an OpenAI-compatible HTTP endpoint until
// SIGINT or SIGTERM.
#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>

#include "app/commands.h"
#include "app/serve_options.h"
#include "harness/packages/shipped_files.h"
#include "harness/recording/replay_sources.h"
#include "harness/scenario/fault_decoder.h"
#include "mocks/server/http_server.h"

namespace agentreplay::app {
namespace {

// Text and tool calls in one turn: every kind of streamed event an agent meets.
constexpr std::string_view kDefaultScenario = "two_tool_rounds.json";

std::string DefaultScenarioFile() {
  const auto files = harness::shipped::ScenarioFiles();
  const auto it = std::find_if(files.begin(), files.end(), [](const std::string& f) {
    return std::filesystem::path(f).filename() == kDefaultScenario;
  });
  return it == files.end() ? std::string() : *it;
}

}  // namespace

int ServeCommand(const ServeOptions& options) {
  const std::string file =
      options.scenario_file.empty() ? DefaultScenarioFile() : options.scenario_file;
  if (file.empty()) {
    fmt::print(stderr, "error: the default scenario {} is not installed\n", kDefaultScenario);
    return kExitBadInput;
  }
  // A cassette is served verbatim (or lifted with --lift); it must hold one conversation,
  // because the server plays one scenario.
  auto sources = harness::LoadReplaySources(
      file, options.lift ? harness::ReplayMode::kLifted : harness::ReplayMode::kVerbatim);
  if (!sources) {
    fmt::print(stderr, "{}\n", sources.error());
    return kExitBadInput;
  }
  if (sources->size() != 1) {
    std::string names;
    for (const auto& s : *sources) names += (names.empty() ? "" : ", ") + s.name;
    fmt::print(stderr,
               "error: {} holds {} conversations ({}); serve one: `agentreplay import {} "
               "--out DIR` writes one cassette per conversation\n",
               file, sources->size(), names, file);
    return kExitBadInput;
  }
  auto scenario = sources->begin();
  if (!options.faults_file.empty()) {
    // After the scenario's own rules, as `run --faults` applies them (docs/faults.md).
    auto faults = harness::LoadFaultsFile(options.faults_file);
    if (!faults) {
      fmt::print(stderr, "{}\n", faults.error());
      return kExitBadInput;
    }
    scenario->faults.insert(scenario->faults.end(), faults->begin(), faults->end());
  }

  // Block the stop signals before the server thread starts, so that thread inherits the mask
  // and the signals wait for sigwait below instead of killing the process mid-write.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  mocks::MockServerOptions server_options = ServerOptionsFor(options);
  server_options.scenario = std::move(*scenario);
  auto server = mocks::MockServer::Start(std::move(server_options));
  if (server == nullptr) {
    fmt::print(stderr, "error: cannot serve on {}:{} (see the log above)\n", options.host,
               options.port);
    pthread_sigmask(SIG_UNBLOCK, &stop_signals, nullptr);
    return kExitBadInput;
  }
  // Exactly one line on stdout: scripts read the URL from it.
  fmt::print("agentreplay serve: listening on {}\n", server->base_url());
  std::fflush(stdout);

  int signal_number = 0;
  while (sigwait(&stop_signals, &signal_number) != 0) {
  }
  server->Stop();
  return kExitOk;
}

}  // namespace agentreplay::app
