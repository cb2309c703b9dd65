// The `serve` subcommand's command line, kept beside options.cc rather than in it: most of its
// options are the served mock's limits against hostile clients, and only `serve` reads them.
#pragma once

#include <CLI/CLI.hpp>

#include "app/options.h"
#include "mocks/server/http_server.h"

namespace agentreplay::app {

// Adds `serve` and its options to `app`, filling `serve` when parsed. The limits' defaults
// are MockServerOptions' own, so the help and the embedding API cannot disagree.
CLI::App* AddServeCommand(CLI::App& app, ServeOptions& serve);

// The server options `serve` starts with (the scenario aside).
mocks::MockServerOptions ServerOptionsFor(const ServeOptions& serve);

}  // namespace agentreplay::app
