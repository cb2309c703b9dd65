// The shipped data every agent-running command needs: the package registry (variants), the
// price table (cost_usd) and package p4's tool packs. Loaded in one place so `run` and `chat`
// (and whatever runs agents next) read the same files the same way.
#pragma once

#include "agent/tool_selection.h"
#include "core/expected.h"
#include "harness/packages/registry.h"
#include "harness/run/prices.h"

namespace agentreplay::app {

struct SharedInputs {
  harness::Registry registry;
  harness::PriceTable prices;
  ToolPacks tool_packs;
};

// Fails with the first file's problems.
Expected<SharedInputs> LoadSharedInputs();

}  // namespace agentreplay::app
