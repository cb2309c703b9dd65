#include "harness/run/scripted_tools.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "core/random.h"

namespace agentreplay::harness {
namespace {

class LatencyTool : public Tool {
 public:
  LatencyTool(std::unique_ptr<Tool> inner, const mocks::ToolBehaviour& behaviour, uint64_t seed,
              double time_scale, std::shared_ptr<ToolCallCounts> counts)
      : inner_(std::move(inner)),
        latency_(behaviour.latency_ms),
        call_latency_(behaviour.call_latency_ms),
        counts_(std::move(counts)),
        progress_(behaviour.progress),
        time_scale_(time_scale),
        rng_(seed) {}
  const ToolSpec& spec() const override { return inner_->spec(); }
  // The latency is cut into equal parts with a progress note between each, as a long-running
  // tool reports how far it got; the implementation runs at the end.
  Task<ToolResult> Run(std::string arguments, ToolContext& context) override {
    const size_t call = counts_->Next(inner_->spec().name);
    const mocks::Dist& latency = call < call_latency_.size() ? call_latency_[call] : latency_;
    const double ms = std::max(0.0, latency.Sample(rng_)) * time_scale_;
    const double part = ms / static_cast<double>(progress_.size() + 1);
    for (const auto& note : progress_) {
      if (part > 0) co_await context.clock->Sleep(FromMillis(part));
      context.ReportProgress(note);
    }
    if (part > 0) co_await context.clock->Sleep(FromMillis(part));
    co_return co_await inner_->Run(std::move(arguments), context);
  }

 private:
  std::unique_ptr<Tool> inner_;
  mocks::Dist latency_;
  std::vector<mocks::Dist> call_latency_;
  std::shared_ptr<ToolCallCounts> counts_;
  std::vector<std::string> progress_;
  double time_scale_;
  Rng rng_;
};

}  // namespace

std::shared_ptr<ToolCallCounts> ApplyScenarioToolLatencies(const mocks::Scenario& scenario,
                                                           uint64_t seed, ToolCatalog& catalog,
                                                           double time_scale) {
  auto counts = std::make_shared<ToolCallCounts>();
  // Named members, not a structured binding: clang 14 cannot capture bindings in a lambda.
  for (const auto& entry : scenario.tools) {
    const std::string& name = entry.first;
    const mocks::ToolBehaviour& behaviour = entry.second;
    const uint64_t tool_seed = DeriveSeed(seed, "tool:" + name);
    catalog.Wrap(name, [&](std::unique_ptr<Tool> inner) -> std::unique_ptr<Tool> {
      return std::make_unique<LatencyTool>(std::move(inner), behaviour, tool_seed, time_scale,
                                           counts);
    });
  }
  return counts;
}

}  // namespace agentreplay::harness
