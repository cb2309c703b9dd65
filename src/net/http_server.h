// HttpServer: a small HTTP/1.1 server on an EventLoop, for the commands that put something of
// ours in front of a client (the recording proxy, later the streaming gateway). Each request is
// handed whole to a coroutine handler, which answers through a ResponseWriter that puts every
// piece of the body on the wire as it is written: nothing is coalesced or held back, so a
// relayed stream keeps its timing.
//
// - Bodies go out chunked when the handler gives no Content-Length and the client speaks
//   HTTP/1.1; to an HTTP/1.0 client they are close-delimited (the connection ends the body).
// - Keep-alive, with an idle timeout between requests.
// - Hostile or broken clients cannot hold the server: the request head and body must arrive
//   within their timeouts (a slowloris client is dropped), heads and bodies have size limits
//   (431 and 413), a Transfer-Encoding other than chunked gets 501, a client that stops reading
//   its answer is dropped after the write timeout, and connections are capped.
//
// Plain TCP only: it serves loopback and trusted networks. Timeouts run on the Clock port.
// Not thread-safe: use it (and its writers) from the loop's thread. Asio stays in the .cc.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/expected.h"
#include "core/task.h"
#include "core/time.h"
#include "net/event_loop.h"
#include "ports/clock.h"
#include "ports/http.h"

namespace agentreplay::net {

struct IncomingRequest {
  std::string method;
  std::string target;   // as received: origin-form path and query
  int version = 11;     // 10 or 11
  HttpHeaders headers;  // as received, in order (Transfer-Encoding framing already undone)
  std::string body;     // whole: the server reads it before calling the handler
  std::string peer;     // "address:port" of the client
};

// How the handler answers one request. Every call completes when the kernel has the bytes (or
// failed); a failure means the client is gone or too slow, and the handler should stop.
class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;
  // Writes the status line and `headers`. A Content-Length header fixes the body's length;
  // without one the body is chunked (HTTP/1.1 clients) or ends with the connection (HTTP/1.0).
  // Hop-by-hop headers given here are dropped; the server sets its own framing and Connection.
  virtual Task<Status> Start(int status, HttpHeaders headers) = 0;
  // One write per call, framed as one chunk when chunked. Empty data writes nothing.
  virtual Task<Status> Write(std::string_view data) = 0;
  // Ends the body (the last chunk when chunked). The connection then serves the next request
  // or closes.
  virtual Task<Status> Finish() = 0;
  // Ends the response as broken: the connection closes without ending the body, so the client
  // sees a truncated answer (how a proxy passes on an upstream that broke mid-body).
  virtual void Abort() = 0;
  virtual bool started() const = 0;
  virtual bool finished() const = 0;
};

// Called once per request. When it returns without Start(), the client gets a 500; after Start()
// without Finish() or Abort(), the server finishes the body. An exception is logged and treated
// the same way.
using HttpHandler = std::function<Task<void>(IncomingRequest request, ResponseWriter& writer)>;

struct HttpServerOptions {
  std::size_t max_header_bytes = std::size_t{64} << 10;  // request line and headers; more: 431
  std::uint64_t max_body_bytes = 64ull << 20;            // more: 413
  // From the first byte of a request to the end of its head; and for the whole body.
  Duration header_timeout = std::chrono::seconds(10);
  Duration body_timeout = std::chrono::seconds(60);
  // A kept-alive connection waiting for its next request (and a new one for its first byte).
  Duration idle_timeout = std::chrono::seconds(60);
  // One write of the answer; a client that stops reading is dropped after this.
  Duration write_timeout = std::chrono::seconds(60);
  std::size_t max_connections = 1024;  // beyond: accepted and closed at once
};

struct HttpServerStats {
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_refused = 0;  // over max_connections
  std::uint64_t requests = 0;             // handed to the handler
  std::uint64_t rejected = 0;             // answered by the server itself (400, 413, 431, 501)
  std::uint64_t timeouts = 0;             // connections dropped by a timeout
};

class HttpServer {
 public:
  // Binds host:port (port 0: a free one) and starts accepting. Fails when the address is not
  // an IP address or cannot be bound.
  static Expected<std::unique_ptr<HttpServer>> Start(EventLoop& loop, Clock& clock,
                                                     const std::string& host, uint16_t port,
                                                     HttpHandler handler,
                                                     HttpServerOptions options = {});
  ~HttpServer();  // Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  const std::string& host() const;
  uint16_t port() const;
  // "http://host:port" (IPv6 addresses in brackets).
  std::string origin() const;

  // Closes the listener and the connections that wait for a request; requests being answered
  // finish, then their connections close. For a graceful stop: wait for active_requests() to
  // reach 0, then Stop().
  void StopAccepting();
  // Closes the listener and every connection. Handlers still running see their writes fail.
  // The loop must keep running until they return (their frames share the server's state).
  void Stop();

  std::size_t active_requests() const;
  std::size_t open_connections() const;
  HttpServerStats stats() const;

  struct State;  // defined in the .cc

 private:
  explicit HttpServer(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

// Connection-level headers that a proxy must not pass on (RFC 9110 7.6.1): Connection,
// Keep-Alive, Transfer-Encoding, TE, Trailer, Upgrade and Proxy-*. Case-insensitive.
bool IsHopByHopHeader(std::string_view name);

// The headers without hop-by-hop ones and without those the Connection header names.
HttpHeaders WithoutHopByHopHeaders(const HttpHeaders& headers);

}  // namespace agentreplay::net
