// The `compare` subcommand.
#include <cstdio>

#include "cli/commands.h"

namespace agentreplay::cli {

int CompareCommand(const CompareOptions& /*options*/) {
  std::fputs("agentreplay compare: not built yet\n", stderr);
  return kExitBadInput;
}

}  // namespace agentreplay::cli
