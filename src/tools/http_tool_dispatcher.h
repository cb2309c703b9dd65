// Tool dispatch through the proxy_router's HTTP hop (package p2 off). It only uses the
// Transport port, so the core stays free of sockets: the real world hands it a socket
// transport, tests a blocking loopback client.
//
// Wire format (documented in full in mocks/proxy_router.h):
//   POST {path_prefix}/tool_calls  {"call_id","name","arguments"}  (arguments: a JSON string)
//   200  {"call_id","output","is_error","exec_us"}
//
// The hop never fails the turn: a transport failure, a non-200 answer or a malformed answer
// becomes a ToolOutput with is_error set and the structured error
// {"error":{"type":"dispatch_failed","message":...}} that the model can read.
#pragma once

#include <string>

#include "ports/clock.h"
#include "ports/tool_dispatch.h"
#include "ports/transport.h"

namespace agentreplay {

class HttpToolDispatcher : public ToolDispatcher {
 public:
  // `transport` reaches the router (its base address is the transport's business);
  // `path_prefix` is prepended to "/tool_calls". Both referenced objects must outlive this.
  HttpToolDispatcher(Transport& transport, Clock& clock, std::string path_prefix = "/v1");

  Task<ToolOutput> Dispatch(const ToolCall& call) override;

  // The JSON body of the hop's request for `call` (exposed for tests and tools).
  static std::string RequestBody(const ToolCall& call);

 private:
  Transport& transport_;
  Clock& clock_;
  std::string target_;
};

}  // namespace agentreplay
