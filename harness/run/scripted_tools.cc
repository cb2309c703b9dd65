#include "run/scripted_tools.h"

#include <memory>

#include "core/random.h"

namespace agentreplay::harness {
namespace {

class LatencyTool : public Tool {
 public:
  LatencyTool(std::unique_ptr<Tool> inner, mocks::Dist latency, uint64_t seed)
      : inner_(std::move(inner)), latency_(latency), rng_(seed) {}
  const ToolSpec& spec() const override { return inner_->spec(); }
  Task<ToolResult> Run(std::string arguments, ToolContext& context) override {
    const double ms = latency_.Sample(rng_);
    if (ms > 0) co_await context.clock->Sleep(FromMillis(ms));
    co_return co_await inner_->Run(std::move(arguments), context);
  }

 private:
  std::unique_ptr<Tool> inner_;
  mocks::Dist latency_;
  Rng rng_;
};

}  // namespace

void ApplyScenarioToolLatencies(const mocks::Scenario& scenario, uint64_t seed,
                                ToolCatalog& catalog) {
  for (const auto& [name, behaviour] : scenario.tools) {
    const mocks::Dist latency = behaviour.latency_ms;
    const uint64_t tool_seed = DeriveSeed(seed, "tool:" + name);
    catalog.Wrap(name, [&](std::unique_ptr<Tool> inner) -> std::unique_ptr<Tool> {
      return std::make_unique<LatencyTool>(std::move(inner), latency, tool_seed);
    });
  }
}

}  // namespace agentreplay::harness
