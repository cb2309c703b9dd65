// The `serve` subcommand.
#include <cstdio>

#include "cli/commands.h"

namespace agentreplay::cli {

int ServeCommand(const ServeOptions& /*options*/) {
  std::fputs("agentreplay serve: not built yet\n", stderr);
  return kExitBadInput;
}

}  // namespace agentreplay::cli
