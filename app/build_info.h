// Facts about this build and this machine, for the results' context.
#pragma once

#include <string>

#include "results/result_model.h"

namespace agentreplay::app {

// Fills version, git revision, build type, start time and machine fields.
void FillBuildAndMachine(results::Context& context);

}  // namespace agentreplay::app
