#include "harness/run/proxy_hop_draws.h"

#include <algorithm>
#include <utility>

namespace agentreplay::harness {

ProxyHopCosts::ProxyHopCosts(const mocks::Scenario& scenario)
    : scenario_hop(scenario.proxy_hop_ms) {
  for (const auto& [name, tool] : scenario.tools) {
    if (tool.proxy_hop_ms) tool_hops.emplace(name, *tool.proxy_hop_ms);
  }
}

ProxyHopDraws::ProxyHopDraws(ProxyHopCosts costs, uint64_t seed)
    : costs_(std::move(costs)), rng_(DeriveSeed(seed, "proxy-hop")) {}

Duration ProxyHopDraws::Next(std::string_view tool) {
  const auto it = costs_.tool_hops.find(tool);
  const mocks::Dist& hop = it != costs_.tool_hops.end() ? it->second : costs_.scenario_hop;
  return FromMillis(std::max(0.0, hop.Sample(rng_)));
}

}  // namespace agentreplay::harness
