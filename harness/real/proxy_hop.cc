#include "harness/real/proxy_hop.h"

#include <spdlog/spdlog.h>

#include <string>
#include <utility>

#include "mocks/server/proxy_router.h"
#include "net/http_transport.h"
#include "tools/http_tool_dispatcher.h"

namespace agentreplay::harness {
namespace {

class LoopbackHopDispatcher : public ToolDispatcher {
 public:
  LoopbackHopDispatcher(std::unique_ptr<mocks::ProxyRouter> router,
                        std::unique_ptr<net::HttpTransport> transport, Clock& clock)
      : router_(std::move(router)),
        transport_(std::move(transport)),
        dispatcher_(*transport_, clock, "/v1") {}
  Task<ToolOutput> Dispatch(const ToolCall& call) override { return dispatcher_.Dispatch(call); }

 private:
  std::unique_ptr<mocks::ProxyRouter> router_;
  std::unique_ptr<net::HttpTransport> transport_;
  HttpToolDispatcher dispatcher_;
};

}  // namespace

std::unique_ptr<ToolDispatcher> StartLoopbackProxyHop(net::EventLoop& loop, Clock& clock,
                                                      const ToolCatalog& catalog,
                                                      ToolContext context, Duration extra_delay) {
  // The router tells time on its own clock from the same calendar origin, and a request/
  // response hop cannot carry progress notes.
  context.clock = nullptr;
  context.progress = nullptr;
  auto router = mocks::ProxyRouter::Start(catalog, context, "127.0.0.1", 0, extra_delay);
  if (!router) return nullptr;
  net::HttpTransportOptions options;
  options.base_url = router->base_url();
  auto transport = net::HttpTransport::Create(loop, clock, options);
  if (!transport) {
    spdlog::error("cannot reach the proxy_router: {}", transport.error());
    return nullptr;
  }
  return std::make_unique<LoopbackHopDispatcher>(std::move(router), std::move(*transport), clock);
}

}  // namespace agentreplay::harness
