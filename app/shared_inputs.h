// The shipped data every agent-running command needs: the package registry (variants), the
// price table (cost_usd) and package p4's tool packs. Loaded in one place so `run` and `chat`
// (and whatever runs agents next) read the same files the same way.
#pragma once

#include <memory>
#include <string>

#include "agent/tool_selection.h"
#include "core/expected.h"
#include "harness/packages/registry.h"
#include "harness/run/prices.h"
#include "harness/run/world.h"

namespace agentreplay::app {

struct SharedInputs {
  harness::Registry registry;
  harness::PriceTable prices;
  ToolPacks tool_packs;
};

// Fails with the first file's problems.
Expected<SharedInputs> LoadSharedInputs();

// The live world at `base_url` with the key in OPENAI_API_KEY and agentreplay's user agent, as
// `run --world live` and `load --base-url` both reach an endpoint.
Expected<std::unique_ptr<harness::World>> MakeLiveWorldFromEnvironment(const std::string& base_url);

}  // namespace agentreplay::app
