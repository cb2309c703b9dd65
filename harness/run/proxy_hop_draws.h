// The proxy_router hop's cost per tool call, shared by the simulated and the real world so
// both see the same hop times call for call.
//
// Draws come from one stream, DeriveSeed(seed, "proxy-hop"), consumed in the order the agent
// dispatches its calls (the same in every world and variant: the agent's calls, not the
// router's arrival order, which concurrent calls can reorder). A tool's own proxy_hop_ms
// replaces the scenario's for its calls.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "core/random.h"
#include "core/time.h"
#include "mocks/model/scenario.h"

namespace agentreplay::harness {

// A scenario's hop costs, copied out of it (a world session outlives no scenario reference).
struct ProxyHopCosts {
  explicit ProxyHopCosts(const mocks::Scenario& scenario);
  mocks::Dist scenario_hop;
  std::map<std::string, mocks::Dist, std::less<>> tool_hops;
};

class ProxyHopDraws {
 public:
  ProxyHopDraws(ProxyHopCosts costs, uint64_t seed);

  // The next call's hop (both ways together), for a call of `tool`. Never negative.
  Duration Next(std::string_view tool);

 private:
  ProxyHopCosts costs_;
  Rng rng_;
};

}  // namespace agentreplay::harness
