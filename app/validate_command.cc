// The `validate` subcommand: every error of every given file, located, and exit 2 if any.
#include <fmt/format.h>

#include "app/commands.h"
#include "harness/scenario/scenario_loader.h"

namespace agentreplay::app {

int ValidateCommand(const ValidateOptions& options) {
  size_t bad = 0;
  for (const auto& file : options.files) {
    auto loaded = harness::LoadScenarioFile(file);
    if (loaded) {
      fmt::print("{}: ok ({} turns)\n", file, loaded->turns.size());
    } else {
      fmt::print(stderr, "{}\n", loaded.error());
      ++bad;
    }
  }
  if (bad > 0) {
    fmt::print(stderr, "{} of {} files have errors\n", bad, options.files.size());
    return kExitBadInput;
  }
  return kExitOk;
}

}  // namespace agentreplay::app
