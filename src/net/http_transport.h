// HttpTransport: the Transport port over real sockets. HTTP/1.1 to one http:// or https://
// origin, driven by an EventLoop: Send() and every body read suspend the calling coroutine
// and resume it from the loop, so many requests can be in flight on one thread.
//
// - Bodies are read as they arrive: each Next() returns what one socket read brought (an SSE
//   event written on its own reaches the caller as soon as it lands), never the whole body.
// - Keep-alive: connections whose response ended cleanly go back to a pool (this transport's
//   one host:port) and are reused; with max_idle_connections 0 every request opens its own.
//   A pooled connection that turns out closed before any byte of the answer arrived is
//   replaced by a fresh one and the request sent once more.
// - Timeouts run on the Clock port: connect (TCP and TLS handshake), read (until the headers,
//   and idle time between body pieces) and total (per request, from Send to the body's end).
//   On expiry the socket is closed and the operation ends with a kTimeout error.
// - Errors are values with the reasons the simulated world reports for the same faults:
//   kTransport connection_refused, connection_closed (before any response byte),
//   connection_reset, body_truncated (closed mid-body), dns_failure, tls_handshake;
//   kProtocol malformed_http; kTimeout connect_timeout, read_timeout, total_timeout.
// - A body destroyed before its end closes its connection (it cannot be reused). A read
//   parses all the bytes it brought, so a body whose end came with its last piece has ended
//   with that piece.
//
// The loop and the clock must outlive the transport and every body it handed out. Not
// thread-safe: use it from the loop's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/expected.h"
#include "core/task.h"
#include "core/time.h"
#include "net/event_loop.h"
#include "ports/clock.h"
#include "ports/http.h"
#include "ports/transport.h"

namespace agentreplay::net {

struct HttpTransportOptions {
  // "http://host[:port][/prefix]" or "https://...". The path is put in front of every
  // request's target (usually empty: the LLM clients add their own "/v1").
  std::string base_url;
  std::string api_key;  // non-empty: "Authorization: Bearer <key>" on every request
  std::string user_agent = "agentreplay";
  HttpHeaders extra_headers;  // on every request; a request's own headers win
  // https: a PEM file of CAs to trust instead of the system store (tests use a self-signed
  // one). Empty: the system's default trust store.
  std::string ca_file;
  Duration connect_timeout = std::chrono::seconds(10);
  // Until the response headers, and the longest silence between body pieces (a streamed
  // answer may pause while the model thinks: keep this generous).
  Duration read_timeout = std::chrono::seconds(120);
  Duration total_timeout{0};  // per request; non-positive: none
  // Connections kept for reuse. 0: none, a connection per request (TCP and, for https, TLS
  // each time), announced with `Connection: close` as a client without a pool does.
  int max_idle_connections = 8;
};

struct HttpTransportStats {
  uint64_t requests = 0;
  uint64_t connections_opened = 0;
  uint64_t connections_reused = 0;  // requests sent on a pooled connection
  uint64_t stale_retries = 0;       // requests repeated because a pooled connection was dead
  uint64_t bytes_sent = 0;          // request bytes written (head and body)
  uint64_t bytes_received = 0;      // response bytes parsed (head and body)
};

class HttpTransport : public Transport {
 public:
  // Fails for a bad base URL or an unusable CA file.
  static Expected<std::unique_ptr<HttpTransport>> Create(EventLoop& loop, Clock& clock,
                                                         HttpTransportOptions options);
  ~HttpTransport() override;
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  Task<HttpResponse> Send(HttpRequest request) override;

  HttpTransportStats stats() const;
  // Closes the pooled connections (the next request opens a fresh one).
  void CloseIdle();

  struct Shared;  // the state bodies share with the transport (defined in the .cc)

 private:
  explicit HttpTransport(std::shared_ptr<Shared> shared);
  std::shared_ptr<Shared> shared_;
};

}  // namespace agentreplay::net
