// The proxy_router hop over real sockets (package p2 off), shared by the real and the live
// world: a proxy_router on loopback runs the session's tool implementations on its own thread,
// and the agent reaches it with an HTTP round trip on its event loop, as a deployment that
// calls tools through an HTTP proxy does.
#pragma once

#include <memory>

#include "core/time.h"
#include "net/event_loop.h"
#include "ports/clock.h"
#include "ports/tool_dispatch.h"
#include "tools/tool_catalog.h"

namespace agentreplay::harness {

// Starts the router with `catalog` and `context` (the same implementations and workspace as
// in-process dispatch) and `extra_delay` added to every call. Null when it cannot start.
std::unique_ptr<ToolDispatcher> StartLoopbackProxyHop(net::EventLoop& loop, Clock& clock,
                                                      const ToolCatalog& catalog,
                                                      ToolContext context, Duration extra_delay);

}  // namespace agentreplay::harness
