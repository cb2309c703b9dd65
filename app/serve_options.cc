#include "app/serve_options.h"

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace agentreplay::app {
namespace {

double Seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

// Longer would overflow the server's clock arithmetic; a year is "never" for a benchmark.
constexpr double kMaxSeconds = 365.0 * 24 * 3600;

Duration FromSeconds(double s) {
  return std::chrono::duration_cast<Duration>(
      std::chrono::duration<double>(std::min(s, kMaxSeconds)));
}

}  // namespace

CLI::App* AddServeCommand(CLI::App& app, ServeOptions& serve) {
  const mocks::MockServerOptions defaults;
  serve.header_timeout_s = Seconds(defaults.header_timeout);
  serve.body_timeout_s = Seconds(defaults.body_timeout);
  serve.idle_timeout_s = Seconds(defaults.idle_timeout);
  serve.write_timeout_s = Seconds(defaults.write_timeout);
  serve.max_header_bytes = defaults.max_header_bytes;
  serve.max_body_bytes = defaults.max_body_bytes;
  serve.max_connections = defaults.max_connections;
  serve.session_idle_timeout_s = Seconds(defaults.session_idle_timeout);
  serve.max_sessions = defaults.max_sessions;

  auto* cmd = app.add_subcommand(
      "serve", "Serve a scenario as an OpenAI-compatible HTTP endpoint until SIGINT/SIGTERM");
  cmd->add_option("scenario", serve.scenario_file,
                  "Scenario file or cassette (default: a shipped scenario); a cassette is served "
                  "verbatim")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--lift", serve.lift, "Serve a cassette lifted into a scenario");
  cmd->add_option("--host", serve.host, "Address to bind");
  cmd->add_option("--port", serve.port, "Port (0: pick a free one)")->check(CLI::Range(0, 65535));
  cmd->add_option("--time-scale", serve.time_scale, "Factor on every scripted time")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--seed", serve.seed, "Seed of every random draw");
  cmd->add_option("--faults", serve.faults_file, "Fault rules to inject (docs/faults.md)")
      ->check(CLI::ExistingFile);

  // Limits (docs/serve.md, "Limits"); 0 turns any of them off.
  cmd->add_option(
         "--header-timeout", serve.header_timeout_s,
         "Seconds from a request's first byte to the end of its head (then 408, close; 0: off)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--body-timeout", serve.body_timeout_s,
                  "Seconds for a request's whole body (then 408, close; 0: off)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--idle-timeout", serve.idle_timeout_s,
                  "Seconds a connection may wait for its next (or first) request (0: off)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--write-timeout", serve.write_timeout_s,
                  "Seconds one write may wait for a client that stops reading (then close; 0: off)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-header-bytes", serve.max_header_bytes,
                  "Bytes of a request's line and headers (more: 431; 0: off)");
  cmd->add_option("--max-body-bytes", serve.max_body_bytes,
                  "Bytes of a request body (more: 413; 0: off)");
  cmd->add_option("--max-connections", serve.max_connections,
                  "Connections open at once (more: closed at once; 0: off)");
  cmd->add_option(
         "--session-idle-timeout", serve.session_idle_timeout_s,
         "Seconds after which a session created by requests and unused is freed (0: never)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-sessions", serve.max_sessions,
                  "Sessions created by requests live at once (a request naming a new one beyond "
                  "it: 503; 0: off)");
  return cmd;
}

mocks::MockServerOptions ServerOptionsFor(const ServeOptions& serve) {
  mocks::MockServerOptions o;
  o.host = serve.host;
  o.port = static_cast<uint16_t>(serve.port);
  o.time_scale = serve.time_scale;
  o.seed = serve.seed;
  // Nobody takes the write log of a long-running server; it would only grow.
  o.record_writes = false;
  o.header_timeout = FromSeconds(serve.header_timeout_s);
  o.body_timeout = FromSeconds(serve.body_timeout_s);
  o.idle_timeout = FromSeconds(serve.idle_timeout_s);
  o.write_timeout = FromSeconds(serve.write_timeout_s);
  o.max_header_bytes = serve.max_header_bytes;
  o.max_body_bytes = serve.max_body_bytes;
  o.max_connections = serve.max_connections;
  o.session_idle_timeout = FromSeconds(serve.session_idle_timeout_s);
  o.max_sessions = serve.max_sessions;
  return o;
}

}  // namespace agentreplay::app
