// The proxy_router hop over real sockets (package p2 off), shared by the real and the live
// world: a proxy_router on loopback runs the session's tool implementations on its own thread,
// and the agent reaches it with an HTTP round trip on its event loop, as a deployment that
// calls tools through an HTTP proxy does.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "core/time.h"
#include "net/event_loop.h"
#include "ports/clock.h"
#include "ports/tool_dispatch.h"
#include "tools/tool_catalog.h"

namespace agentreplay::harness {

struct LoopbackHopOptions {
  // The hop's configured cost of each call, asked on the agent's thread as the agent
  // dispatches it (so draws follow the agent's order, not the router's arrival order), and
  // spent by the router. Null: none.
  std::function<Duration(const ToolCall&)> cost;
  // The hop client's keep-alive pool (0: a connection per call).
  int max_idle_connections = 8;
  // Set: kept equal to the connections the hop's client has opened, after every call (the
  // world reads it while the dispatcher may already be gone).
  std::shared_ptr<uint64_t> connections_opened;
};

// Starts the router with `catalog` and `context` (the same implementations and workspace as
// in-process dispatch). Null when it cannot start.
std::unique_ptr<ToolDispatcher> StartLoopbackProxyHop(net::EventLoop& loop, Clock& clock,
                                                      const ToolCatalog& catalog,
                                                      ToolContext context,
                                                      LoopbackHopOptions options);

}  // namespace agentreplay::harness
