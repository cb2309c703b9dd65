#include "app/shared_inputs.h"

#include <fmt/format.h>

#include <cstdlib>
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

Expected<std::unique_ptr<harness::World>> MakeLiveWorldFromEnvironment(
    const std::string& base_url) {
  harness::LiveWorldOptions live;
  live.base_url = base_url;
  const char* key = std::getenv("OPENAI_API_KEY");
  live.api_key = key != nullptr ? key : "";
  live.user_agent = fmt::format("agentreplay/{}", AGENTREPLAY_VERSION);
  return harness::MakeLiveWorld(live);
}

}  // namespace agentreplay::app
