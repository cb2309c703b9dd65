// A blocking HTTP/1.1 client Transport over one loopback keep-alive connection, for tests and
// benchmarks that drive the proxy_router (and other local servers) from a plain thread.
//
// Send() does all its work before returning: the Task completes synchronously, and the
// response body is one chunk followed by the end. That is fine for small JSON answers and
// wrong for streams, and it blocks the calling thread, so the real world's asynchronous socket
// client will supersede it; until then it is the simplest honest socket path.
//
// One connection, opened on first use and reused while the server keeps it alive; if a reused
// connection turns out to be closed before any answer arrived, the request is sent once more
// on a fresh connection (what HTTP clients do with stale keep-alive connections). Not
// thread-safe: use one per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "ports/transport.h"

namespace agentreplay::harness {

class BlockingHttpTransport : public Transport {
 public:
  // `host` is an IP address or name, resolved when a connection is opened.
  BlockingHttpTransport(std::string host, uint16_t port);
  ~BlockingHttpTransport() override;
  BlockingHttpTransport(const BlockingHttpTransport&) = delete;
  BlockingHttpTransport& operator=(const BlockingHttpTransport&) = delete;

  Task<HttpResponse> Send(HttpRequest request) override;

  // Connections opened so far (tests check that keep-alive reuses one).
  uint64_t connections_opened() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace agentreplay::harness
