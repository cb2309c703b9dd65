// The `chat` subcommand.
#include <cstdio>

#include "cli/commands.h"

namespace agentreplay::cli {

int ChatCommand(const ChatOptions& /*options*/) {
  std::fputs("agentreplay chat: not built yet\n", stderr);
  return kExitBadInput;
}

}  // namespace agentreplay::cli
