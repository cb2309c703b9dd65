// The proxy_router: the HTTP hop that package p2 removes. A real HTTP/1.1 server on loopback
// that runs tool calls with the same Tool implementations the agent runs in-process, so the
// only difference between the two dispatch paths is the hop itself.
//
// Wire format (one endpoint, JSON both ways, keep-alive supported):
//
//   POST /v1/tool_calls
//   Content-Type: application/json
//   {"call_id":"call_1","name":"get_current_time","arguments":"{\"timezone\":\"UTC\"}"}
//
//   `arguments` is the model's JSON text as a string, passed to the tool untouched (the tool
//   validates it, exactly as in-process).
//
//   200 OK
//   {"call_id":"call_1","output":"...","is_error":false,"exec_us":12}
//
//   `output` is the tool's output byte for byte; a tool that fails or is unknown still answers
//   200 with is_error true and the structured error the in-process dispatcher would produce.
//   `exec_us` is the time inside the implementation, measured by the router at the
//   implementation boundary (on its tool context's clock), in whole microseconds.
//
//   A body that is not a valid request (bad JSON, missing or mistyped fields) answers
//   400 {"error":{"type":"invalid_request","message":"..."}}; another path answers 404 and
//   another method on /v1/tool_calls answers 405, with the same error shape.
//
// The server owns one io_context and one background thread; every connection and every tool
// coroutine runs on that thread. Tools that await their context's clock sleep on the router's
// timers, never by blocking the thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/time.h"
#include "ports/tool_dispatch.h"
#include "tools/tool_catalog.h"

namespace agentreplay::mocks {

class ProxyRouter {
 public:
  // Binds host:port (0 picks an ephemeral port) and starts serving; nullptr if the address
  // cannot be bound (the reason is logged). `catalog` must outlive the router.
  //
  // `context` is what the tools see. Its clock, if set, only tells the time (a test freezes
  // it so outputs are deterministic); waits always run on the router's own timers because the
  // router is a real server. Without a clock the router uses a monotonic clock, and a
  // wall_origin left at the epoch becomes the system time at Start, so tools tell real time.
  //
  // `extra_delay` is the scenario's configured hop cost, added to every tool call: half
  // before the tool runs, half before the answer goes out (on a timer, not by blocking the
  // thread), as the simulated hop spends it.
  static std::unique_ptr<ProxyRouter> Start(const ToolCatalog& catalog, ToolContext context,
                                            std::string host = "127.0.0.1", uint16_t port = 0,
                                            Duration extra_delay = Duration::zero());
  // The same with a cost per call: `delay` is asked once per tool call as it arrives, on the
  // router's thread (a hop whose cost is drawn per call).
  using HopDelay = std::function<Duration(const ToolCall& call)>;
  static std::unique_ptr<ProxyRouter> Start(const ToolCatalog& catalog, ToolContext context,
                                            std::string host, uint16_t port, HopDelay delay);

  ProxyRouter(const ProxyRouter&) = delete;
  ProxyRouter& operator=(const ProxyRouter&) = delete;
  ~ProxyRouter();  // stops

  uint16_t port() const;
  std::string base_url() const;  // "http://127.0.0.1:PORT"
  // Connections accepted so far (lets tests see that keep-alive reuses one connection).
  uint64_t connections_accepted() const;

  // Closes the listening socket and every connection, cancels pending timers, lets in-flight
  // tool coroutines finish, and joins the thread. The port is free when it returns.
  // Idempotent. Not for the router's own thread (a tool), which it would join.
  void Stop();

  struct Impl;  // opaque (Asio and Beast stay in the .cc); public so its helpers can name it

 private:
  explicit ProxyRouter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace agentreplay::mocks
