// Variants built in code for harness tests that do not exercise the package registry.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "harness/packages/registry.h"
#include "harness/packages/shipped_files.h"

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

// The shipped package registry (scenarios/registry/packages.json), loaded once.
inline const Registry& ShippedPackages() {
  static const Registry registry = [] {
    auto loaded = Registry::Load(shipped::PackagesFile());
    if (!loaded) throw std::runtime_error(loaded.error());
    return std::move(*loaded);
  }();
  return registry;
}

// A variant of the shipped registry ("baseline", "p0+p2", ...); throws for an unknown one.
inline Variant ShippedVariant(std::string_view spec) {
  auto resolved = ShippedPackages().ResolveVariant(spec);
  if (!resolved) throw std::runtime_error(resolved.error());
  return std::move(*resolved);
}

}  // namespace agentreplay::harness
