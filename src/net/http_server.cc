#include "net/http_server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <exception>
#include <limits>
#include <utility>

#include "net/deadline.h"
#include "net/http_server_internal.h"
#include "net/loop_internal.h"

namespace agentreplay::net {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;
using tcp = asio::ip::tcp;
using RequestParser = http::request_parser<http::string_body>;

namespace {

// How long the accept loop backs off when accepting fails for want of resources (EMFILE):
// retrying at once would spin.
constexpr Duration kAcceptRetry = std::chrono::milliseconds(50);

std::string ToString(boost::beast::string_view s) { return {s.data(), s.size()}; }

std::string PeerOf(const tcp::socket& socket) {
  error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "?";
  const auto address = endpoint.address();
  return address.is_v6() ? fmt::format("[{}]:{}", address.to_string(), endpoint.port())
                         : fmt::format("{}:{}", address.to_string(), endpoint.port());
}

// The one Transfer-Encoding the server decodes is chunked alone; anything else (gzip, a list)
// would be mis-framed, and Beast reads an unknown coding as "no body": refuse it.
bool HasUnsupportedTransferEncoding(const http::request<http::string_body>& message) {
  for (const auto& field : message) {
    if (field.name() != http::field::transfer_encoding) continue;
    const std::string_view value(field.value().data(), field.value().size());
    if (!EqualsIgnoringCase(TrimBlanks(value), "chunked")) return true;
  }
  return false;
}

IncomingRequest ToIncoming(http::request<http::string_body>&& message, std::string peer) {
  IncomingRequest out;
  out.method = ToString(message.method_string());
  out.target = ToString(message.target());
  out.version = static_cast<int>(message.version());
  for (const auto& field : message) {
    out.headers.push_back(HttpHeader{ToString(field.name_string()), ToString(field.value())});
  }
  out.body = std::move(message.body());
  out.peer = std::move(peer);
  return out;
}

// Bytes that are not HTTP, as opposed to a client that went away (closed or reset, with or
// without a partial request): only the former deserve an answer.
bool IsMalformed(const error_code& ec) {
  return ec && ec.category() == http::make_error_code(http::error::bad_target).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

// Waits until the socket has something to read (or is closed), without consuming it.
auto WaitReadable(tcp::socket& socket) {
  return IoAwaiter([&socket](auto handler) {
    socket.async_wait(tcp::socket::wait_read,
                      [h = std::move(handler)](const error_code& ec) mutable { h(ec, 0); });
  });
}

// Why reading a request stopped, when it did not give a request.
enum class ReadOutcome { kRequest, kGone, kTimeout, kRejected };

// Reads one request into `parser` under the head and body timeouts; answers the malformed and
// oversized ones itself (and then the connection closes).
Task<ReadOutcome> ReadRequest(HttpServer::State& s, Conn& conn, RequestParser& parser) {
  const HttpServerOptions& o = s.options;
  parser.header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(o.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  parser.body_limit(o.max_body_bytes);

  Deadline head_deadline(s.clock, o.header_timeout);
  head_deadline.SetOnExpire([c = &conn] { c->Close(); });
  IoAwaiter read_head([&](auto handler) {
    http::async_read_header(conn.socket, conn.buffer, parser, std::move(handler));
  });
  IoResult r = co_await read_head;
  head_deadline.Finish();
  if (head_deadline.expired()) co_return ReadOutcome::kTimeout;
  if (r.ec == http::error::header_limit) {
    co_await RejectRequest(s, conn, 431, "request header fields too large");
    co_return ReadOutcome::kRejected;
  }
  if (r.ec == http::error::body_limit) {
    co_await RejectRequest(s, conn, 413, "request body too large");
    co_return ReadOutcome::kRejected;
  }
  if (IsMalformed(r.ec)) {
    const std::string why = "malformed HTTP request: " + r.ec.message();
    co_await RejectRequest(s, conn, 400, why);
    co_return ReadOutcome::kRejected;
  }
  if (r.ec) co_return ReadOutcome::kGone;  // closed, reset, or a partial head then EOF

  if (HasUnsupportedTransferEncoding(parser.get())) {
    co_await RejectRequest(s, conn, 501, "unsupported Transfer-Encoding (only chunked)");
    co_return ReadOutcome::kRejected;
  }
  if (parser.is_done()) co_return ReadOutcome::kRequest;

  // A client that waits for permission before sending its body (curl does above 1 KiB).
  const auto expect = parser.get()[http::field::expect];
  if (parser.get().version() >= 11 &&
      EqualsIgnoringCase({expect.data(), expect.size()}, "100-continue")) {
    const Status sent = co_await WriteAll(s, conn, "HTTP/1.1 100 Continue\r\n\r\n", {}, {});
    if (!sent) co_return ReadOutcome::kGone;
  }

  Deadline body_deadline(s.clock, o.body_timeout);
  body_deadline.SetOnExpire([c = &conn] { c->Close(); });
  IoAwaiter read_body([&](auto handler) {
    http::async_read(conn.socket, conn.buffer, parser, std::move(handler));
  });
  r = co_await read_body;
  body_deadline.Finish();
  if (body_deadline.expired()) co_return ReadOutcome::kTimeout;
  if (r.ec == http::error::body_limit) {
    co_await RejectRequest(s, conn, 413, "request body too large");
    co_return ReadOutcome::kRejected;
  }
  if (IsMalformed(r.ec)) {
    const std::string why = "malformed HTTP request body: " + r.ec.message();
    co_await RejectRequest(s, conn, 400, why);
    co_return ReadOutcome::kRejected;
  }
  if (r.ec) co_return ReadOutcome::kGone;
  co_return ReadOutcome::kRequest;
}

// Hands one request to the handler and makes sure the response is complete afterwards.
// Returns whether the connection can carry another request.
Task<bool> Answer(HttpServer::State& s, Conn& conn, IncomingRequest request, bool keep_alive) {
  const bool head = request.method == "HEAD";
  ConnWriter writer(s, conn, request.version, keep_alive, head);
  ++s.stats.requests;
  std::exception_ptr failure;
  try {
    Task<void> handling = s.handler(std::move(request), writer);
    co_await handling;
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      spdlog::error("http server: the handler failed: {}", e.what());
    } catch (...) {
      spdlog::error("http server: the handler failed");
    }
  }
  if (!writer.started()) {
    // Complete with its empty body; the connection closes after it either way.
    HttpHeaders empty_body = {{"Content-Length", "0"}};
    const Status sent = co_await writer.Start(500, std::move(empty_body));
    if (!sent) spdlog::debug("http server: cannot answer 500: {}", sent.error());
    co_return false;
  }
  if (!writer.finished()) {
    const Status ended = co_await writer.Finish();
    if (!ended) co_return false;
  }
  co_return writer.keep_alive() && !conn.closed;
}

// Serves one accepted connection until it closes.
Task<void> ServeConnection(std::shared_ptr<HttpServer::State> shared, std::unique_ptr<Conn> owned) {
  HttpServer::State& s = *shared;
  Conn& conn = *owned;
  // Listed while it lives, whichever way this coroutine ends.
  struct Listed {
    HttpServer::State& s;
    Conn& conn;
    ~Listed() {
      conn.Close();
      s.connections.erase(&conn);
    }
  } listed{s, conn};
  s.connections.insert(&conn);
  const std::string peer = PeerOf(conn.socket);
  spdlog::debug("http server: connection from {}", peer);

  while (!conn.closed) {
    // Idle: nothing of the next request yet. A new connection waits here too.
    if (conn.buffer.size() == 0) {
      conn.phase = Conn::Phase::kIdle;
      Deadline idle(s.clock, s.options.idle_timeout);
      idle.SetOnExpire([c = &conn] { c->Close(); });
      auto readable = WaitReadable(conn.socket);
      co_await readable;
      idle.Finish();
      if (idle.expired()) ++s.stats.timeouts;
      if (conn.closed) break;
    }
    conn.phase = Conn::Phase::kBusy;
    struct Active {
      std::size_t& count;
      explicit Active(std::size_t& c) : count(c) { ++count; }
      ~Active() { --count; }
    } active(s.active);
    RequestParser parser;
    const ReadOutcome outcome = co_await ReadRequest(s, conn, parser);
    bool again = false;
    if (outcome == ReadOutcome::kRequest) {
      const bool keep_alive = parser.get().keep_alive() && s.accepting;
      IncomingRequest request = ToIncoming(parser.release(), peer);
      again = co_await Answer(s, conn, std::move(request), keep_alive);
    } else if (outcome == ReadOutcome::kTimeout) {
      ++s.stats.timeouts;
      spdlog::debug("http server: {} too slow sending its request; dropped", peer);
    }
    if (!again || !s.accepting) break;
  }
  spdlog::debug("http server: connection from {} closed", peer);
}

Task<void> AcceptLoop(std::shared_ptr<HttpServer::State> shared) {
  HttpServer::State& s = *shared;
  while (s.accepting) {
    tcp::socket socket(IoContext(s.loop));
    IoAwaiter accept([&](auto handler) {
      s.acceptor.async_accept(socket,
                              [h = std::move(handler)](const error_code& ec) mutable { h(ec, 0); });
    });
    const IoResult r = co_await accept;
    if (!s.accepting || r.ec == asio::error::operation_aborted) break;
    if (r.ec) {
      spdlog::warn("http server: accept failed: {}", r.ec.message());
      co_await s.clock.Sleep(kAcceptRetry);
      continue;
    }
    ++s.stats.connections_accepted;
    error_code ignored;
    if (s.connections.size() >= s.options.max_connections) {
      ++s.stats.connections_refused;
      socket.close(ignored);
      continue;
    }
    // Every write of a stream is a small piece that must leave at once.
    socket.set_option(tcp::no_delay(true), ignored);
    Spawn(ServeConnection(shared, std::make_unique<Conn>(std::move(socket))), nullptr);
  }
}

}  // namespace

Expected<std::unique_ptr<HttpServer>> HttpServer::Start(EventLoop& loop, Clock& clock,
                                                        const std::string& host, uint16_t port,
                                                        HttpHandler handler,
                                                        HttpServerOptions options) {
  auto state = std::make_shared<State>(loop, clock, std::move(handler), options);
  error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return Fail(fmt::format("cannot listen on '{}': not an IP address", host));
  const tcp::endpoint endpoint(address, port);
  state->acceptor.open(endpoint.protocol(), ec);
  // A restarted server may bind the port of one that just stopped (TIME_WAIT connections).
  if (!ec) state->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) state->acceptor.bind(endpoint, ec);
  if (!ec) state->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Fail(fmt::format("cannot listen on {}:{}: {}", host, port, ec.message()));
  state->host = host;
  state->port = state->acceptor.local_endpoint(ec).port();
  Spawn(AcceptLoop(state), nullptr);
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(state)));
}

HttpServer::HttpServer(std::shared_ptr<State> state) : state_(std::move(state)) {}

HttpServer::~HttpServer() { Stop(); }

const std::string& HttpServer::host() const { return state_->host; }
uint16_t HttpServer::port() const { return state_->port; }

std::string HttpServer::origin() const {
  const bool v6 = state_->host.find(':') != std::string::npos;
  return v6 ? fmt::format("http://[{}]:{}", state_->host, state_->port)
            : fmt::format("http://{}:{}", state_->host, state_->port);
}

void HttpServer::StopAccepting() {
  State& s = *state_;
  s.accepting = false;
  error_code ignored;
  s.acceptor.close(ignored);
  for (Conn* conn : s.connections) {
    if (conn->phase == Conn::Phase::kIdle) conn->Close();
  }
}

void HttpServer::Stop() {
  StopAccepting();
  for (Conn* conn : state_->connections) conn->Close();
}

std::size_t HttpServer::active_requests() const { return state_->active; }
std::size_t HttpServer::open_connections() const { return state_->connections.size(); }
HttpServerStats HttpServer::stats() const { return state_->stats; }

}  // namespace agentreplay::net
