// The `report` subcommand.
#include <cstdio>

#include "cli/commands.h"

namespace agentreplay::cli {

int ReportCommand(const ReportOptions& /*options*/) {
  std::fputs("agentreplay report: not built yet\n", stderr);
  return kExitBadInput;
}

}  // namespace agentreplay::cli
