// One function per subcommand. Each returns the process exit code.
#pragma once

#include <string>

#include "cli/options.h"

namespace agentreplay::cli {

// Exit codes: 0 the run completed; 1 a check failed (including turns that ended in an error)
// and --fail-on-checks was given; 2 bad input or usage.
inline constexpr int kExitOk = 0;
inline constexpr int kExitChecksFailed = 1;
inline constexpr int kExitBadInput = 2;

int RunCommand(const RunOptions& options, const std::string& command_line);
int ValidateCommand(const ValidateOptions& options);
int ListCommand(const ListOptions& options);

// The shipped scenario files ($AGENTREPLAY_SCENARIOS_DIR or the source tree's scenarios/),
// sorted by name; schema files excluded.
std::vector<std::string> ShippedScenarioFiles();

}  // namespace agentreplay::cli
