// The mock OpenAI back end over real HTTP/1.1: what `agentreplay serve` runs and what the real
// world talks to. Each request is answered by the same sans-I/O MockBackend the simulated
// world calls; the server writes the status line and headers at receipt + headers_at × scale,
// every body chunk at receipt + at × scale (SSE streams chunked, JSON with Content-Length),
// keeps connections alive, and realises the response's WireFault on the socket (see
// wire_writer.h and the table in mock_backend.h).
//
// One io_context on one background thread runs every connection and every timed write, on
// timers: a thousand open streams cost a thousand timers, not a thousand threads. With
// `threads` > 1 there are that many, each serving its share of the connections.
//
// Sessions: a request may name its session in the `x-agentreplay-session` header; each
// session is its own MockBackend (fresh state, own seed). Without the header a request
// belongs to session "default". Sessions created that way expire when unused and are capped;
// those opened with OpenSession are the caller's to close (session_table.h).
//
// Hostile or broken clients cannot hold it: a request's head and body must arrive within their
// timeouts, heads and bodies have size limits (431, 413), a Transfer-Encoding other than
// chunked gets 501 (with Content-Length: 400), idle and unread connections are dropped, and
// connections are capped. HTTP/1.0 clients never get chunked framing. docs/serve.md, "Limits".
//
// Time base: the server measures with std::chrono::steady_clock from zero(). Instants it
// reports (write log, and the request and state logs) are TimePoint(steady - zero()), so a
// client clock with the same zero compares with them directly. The mock itself plays the
// scenario in scenario time, (steady - zero()) / time_scale; the logs' accessors scale its
// instants back, so with any time scale they are on the server's base.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "mocks/api/mock_backend.h"
#include "mocks/model/scenario.h"
#include "ports/http.h"

namespace agentreplay::mocks {

inline constexpr std::string_view kSessionHeader = "x-agentreplay-session";
inline constexpr std::string_view kDefaultSession = "default";

// Answers one request instead of the session's MockBackend (tests craft responses with it).
// `sent_at` is in scenario time, like MockBackend::Handle's. Runs on the server's thread.
using MockHandler = std::function<MockResponse(std::string_view session, const HttpRequest& request,
                                               TimePoint sent_at)>;

struct MockServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;        // 0: an ephemeral port
  double time_scale = 1.0;  // > 0; multiplies every offset of every response
  // What sessions that were not opened explicitly play.
  Scenario scenario;
  uint64_t seed = 1;
  // Set: every request goes here and no MockBackend is created.
  MockHandler handler;
  // Timers wake on a grid of this width, aligned on zero() (0: each chunk wakes at its own
  // due instant). Chunks due within one cell leave together, late by less than the width,
  // never early: thousands of streams on one thread then cost far fewer wake-ups.
  Duration write_grid{0};
  // Server threads, each with its own event loop; connections are dealt out in turn. More than
  // one helps only when one core cannot keep up with the writes (many thousands of streams).
  // The handler, if any, is then called from several threads.
  int threads = 1;
  // Record one write-log entry per body chunk (the load benchmark and the real world's
  // fidelity figures need it; a long-running `serve` does not).
  bool record_writes = true;

  // Limits against clients that would hold the server's memory or connections. A limit or
  // timeout of 0 turns it off. The defaults leave every benchmark alone: the load benchmark's
  // 10,000 streams, explicitly opened sessions, scripted pauses of minutes between requests.
  size_t max_header_bytes = size_t{64} << 10;    // request line and headers; more: 431
  uint64_t max_body_bytes = uint64_t{64} << 20;  // more: 413, without reading the rest
  // From a request's first byte to the end of its head, and for its whole body: a client that
  // is slower gets a 408 and the connection closes.
  Duration header_timeout = std::chrono::seconds(10);
  Duration body_timeout = std::chrono::seconds(60);
  // A kept-alive connection waiting for its next request (a new one for its first byte).
  Duration idle_timeout = std::chrono::seconds(120);
  // One write of a response; a client that stops reading is dropped after this.
  Duration write_timeout = std::chrono::seconds(60);
  size_t max_connections = 16384;  // open at once; beyond: accepted and closed at once
  // Sessions created by requests (not OpenSession): one unused this long is freed, and beyond
  // `max_sessions` live ones a request naming a new one gets a 503.
  Duration session_idle_timeout = std::chrono::minutes(10);
  size_t max_sessions = 10000;
};

// What the server refused or dropped since it started.
struct MockServerStats {
  uint64_t connections_accepted = 0;
  uint64_t connections_refused = 0;  // over max_connections
  uint64_t rejected = 0;             // requests answered by the server itself: 400, 408, 413, ...
  uint64_t timeouts = 0;             // connections dropped by a header, body, idle or write timeout
  uint64_t sessions_expired = 0;
  uint64_t sessions_refused = 0;  // over max_sessions
};

// One body chunk on the wire: the instant it was due and the instant its write completed
// (the kernel has the bytes), on the server's base.
struct WriteLogEntry {
  std::string request_id;
  std::string session;
  uint64_t body_end = 0;  // body bytes sent in this response up to the end of this chunk
  TimePoint due{};
  TimePoint written{};
};

class MockServer {
 public:
  // Binds and starts serving; nullptr if the options are invalid or the address cannot be
  // bound (the reason is logged).
  static std::unique_ptr<MockServer> Start(MockServerOptions options);

  MockServer(const MockServer&) = delete;
  MockServer& operator=(const MockServer&) = delete;
  ~MockServer();  // stops

  const std::string& host() const;
  uint16_t port() const;
  std::string base_url() const;  // "http://HOST:PORT/v1"
  double time_scale() const;
  std::chrono::steady_clock::time_point zero() const;
  // TimePoint(steady_clock::now() - zero()).
  TimePoint Now() const;

  // Creates (or replaces) a session with fresh state. Any thread.
  void OpenSession(const std::string& id, const Scenario& scenario, uint64_t seed);
  // The same, sharing `scenario` with other sessions instead of copying it: thousands of
  // sessions of one long scenario then hold it once.
  void OpenSession(const std::string& id, std::shared_ptr<const Scenario> scenario, uint64_t seed);
  // Forgets a session; false if there was none. Requests already being answered finish.
  bool CloseSession(const std::string& id);
  bool HasSession(const std::string& id) const;
  // Live sessions, opened and created by requests alike.
  size_t session_count() const;

  // Copies of a session's logs, instants on the server's base; nullopt for an unknown id.
  std::optional<std::vector<RequestLogEntry>> request_log(const std::string& id) const;
  std::optional<std::vector<StateTransition>> state_log(const std::string& id) const;

  // Returns the write log recorded since the last call and clears it. Any thread.
  std::vector<WriteLogEntry> TakeWriteLog();

  uint64_t connections_accepted() const;
  uint64_t connections_open() const;
  MockServerStats stats() const;

  // Closes the listener and every connection (stalled ones too), cancels every timer, and
  // joins the thread. Idempotent. Not for the server's own thread.
  void Stop();

  struct Impl;  // opaque: Asio stays in the .cc files

 private:
  explicit MockServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace agentreplay::mocks
