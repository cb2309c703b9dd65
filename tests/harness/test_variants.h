// Variants built in code for harness tests that do not exercise the package registry.
#pragma once

#include <string>

#include "harness/packages/registry.h"

namespace agentreplay::harness {

// The agent of the first milestone: streamed Responses with in-process tools, no packages'
// legacy habits in the way.
inline Variant StreamingResponses(std::string name = "baseline") {
  Variant v;
  v.name = std::move(name);
  v.settings.runtime = Runtime::kResponses;
  v.settings.stream = true;
  v.settings.proxy_dispatch = false;
  return v;
}

}  // namespace agentreplay::harness
