#include "app/shared_inputs.h"

#include <utility>

#include "harness/packages/shipped_files.h"
#include "harness/packages/tool_packs_file.h"

namespace agentreplay::app {

Expected<SharedInputs> LoadSharedInputs() {
  auto registry = harness::Registry::Load(harness::shipped::PackagesFile());
  if (!registry) return registry.failure();
  auto prices = harness::PriceTable::Load(harness::shipped::PricesFile());
  if (!prices) return prices.failure();
  auto tool_packs = harness::LoadToolPacks(harness::shipped::ToolPacksFile());
  if (!tool_packs) return tool_packs.failure();
  return SharedInputs{std::move(*registry), std::move(*prices), std::move(*tool_packs)};
}

}  // namespace agentreplay::app
