#include "harness/real/proxy_hop.h"

#include <spdlog/spdlog.h>

#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "mocks/server/proxy_router.h"
#include "net/http_transport.h"
#include "tools/http_tool_dispatcher.h"

namespace agentreplay::harness {
namespace {

// The costs the agent drew for its calls, handed to the router's thread by call id.
class CostPlan {
 public:
  void Put(const std::string& call_id, Duration cost) {
    std::lock_guard lock(mutex_);
    costs_[call_id].push_back(cost);
  }
  Duration Take(const std::string& call_id) {
    std::lock_guard lock(mutex_);
    auto it = costs_.find(call_id);
    if (it == costs_.end()) return Duration::zero();
    const Duration cost = it->second.front();
    it->second.pop_front();
    if (it->second.empty()) costs_.erase(it);
    return cost;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::deque<Duration>> costs_;
};

class LoopbackHopDispatcher : public ToolDispatcher {
 public:
  LoopbackHopDispatcher(std::shared_ptr<CostPlan> plan, LoopbackHopOptions options,
                        std::unique_ptr<mocks::ProxyRouter> router,
                        std::unique_ptr<net::HttpTransport> transport, Clock& clock)
      : plan_(std::move(plan)),
        options_(std::move(options)),
        router_(std::move(router)),
        transport_(std::move(transport)),
        dispatcher_(*transport_, clock, "/v1") {}
  Task<ToolOutput> Dispatch(const ToolCall& call) override {
    if (options_.cost) plan_->Put(call.call_id, options_.cost(call));
    ToolOutput out = co_await dispatcher_.Dispatch(call);
    if (options_.connections_opened) {
      *options_.connections_opened = transport_->stats().connections_opened;
    }
    co_return out;
  }

 private:
  std::shared_ptr<CostPlan> plan_;
  LoopbackHopOptions options_;
  std::unique_ptr<mocks::ProxyRouter> router_;
  std::unique_ptr<net::HttpTransport> transport_;
  HttpToolDispatcher dispatcher_;
};

}  // namespace

std::unique_ptr<ToolDispatcher> StartLoopbackProxyHop(net::EventLoop& loop, Clock& clock,
                                                      const ToolCatalog& catalog,
                                                      ToolContext context,
                                                      LoopbackHopOptions options) {
  // The router tells time on its own clock from the same calendar origin, and a request/
  // response hop cannot carry progress notes.
  context.clock = nullptr;
  context.progress = nullptr;
  auto plan = std::make_shared<CostPlan>();
  mocks::ProxyRouter::HopDelay delay;
  if (options.cost) delay = [plan](const ToolCall& call) { return plan->Take(call.call_id); };
  auto router = mocks::ProxyRouter::Start(catalog, context, "127.0.0.1", 0, std::move(delay));
  if (!router) return nullptr;
  net::HttpTransportOptions transport_options;
  transport_options.base_url = router->base_url();
  transport_options.max_idle_connections = options.max_idle_connections;
  auto transport = net::HttpTransport::Create(loop, clock, transport_options);
  if (!transport) {
    spdlog::error("cannot reach the proxy_router: {}", transport.error());
    return nullptr;
  }
  return std::make_unique<LoopbackHopDispatcher>(std::move(plan), std::move(options),
                                                 std::move(router), std::move(*transport), clock);
}

}  // namespace agentreplay::harness
