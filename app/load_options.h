// The `load` subcommand's command line, kept beside options.cc rather than in it: the options
// are many and only `load` reads them.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>

#include "app/options.h"

namespace agentreplay::app {

// Adds `load` and its options to `app`, filling `load` when parsed.
CLI::App* AddLoadCommand(CLI::App& app, LoadOptions& load);

// After parsing: the checks CLI11 cannot express. Prints the problem and returns the exit
// code (2) when the options do not make sense together; nullopt when they do.
std::optional<int> CheckLoadOptions(LoadOptions& load);

}  // namespace agentreplay::app
