// Private to the HTTP server's .cc files (http_server.cc reads requests and runs connections,
// http_response_writer.cc frames and writes answers): the server's state, one connection, and
// the writer a handler answers through. Includes Asio and Beast: never include from a public
// header.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "core/task.h"
#include "net/http_server.h"
#include "net/loop_internal.h"

namespace agentreplay::net {

struct Conn {
  explicit Conn(boost::asio::ip::tcp::socket s) : socket(std::move(s)) {}

  // Closes the socket; pending operations complete with operation_aborted.
  void Close() {
    if (closed) return;
    closed = true;
    boost::system::error_code ignored;
    socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

  // kIdle: waiting for the first byte of a request, which a graceful stop may cut short.
  enum class Phase { kIdle, kBusy };

  boost::asio::ip::tcp::socket socket;
  boost::beast::flat_buffer buffer;  // bytes read and not yet parsed (a pipelined request)
  Phase phase = Phase::kIdle;
  bool closed = false;
};

struct HttpServer::State {
  State(EventLoop& l, Clock& c, HttpHandler h, HttpServerOptions o)
      : loop(l), clock(c), handler(std::move(h)), options(o), acceptor(IoContext(l)) {}

  EventLoop& loop;
  Clock& clock;
  HttpHandler handler;
  HttpServerOptions options;
  boost::asio::ip::tcp::acceptor acceptor;
  std::string host;
  uint16_t port = 0;
  bool accepting = true;
  std::unordered_set<Conn*> connections;  // open; each is owned by its coroutine
  std::size_t active = 0;                 // requests being read or answered
  HttpServerStats stats;
};

bool EqualsIgnoringCase(std::string_view a, std::string_view b);
// Without leading and trailing spaces and tabs (header values, list items).
std::string_view TrimBlanks(std::string_view s);

// Writes `a`, `b` and `c` (any may be empty) with one gathered write under the write timeout.
// Fails when the connection is closed, broke, or the client did not read in time (the
// connection is then closed).
Task<Status> WriteAll(HttpServer::State& s, Conn& conn, std::string_view a, std::string_view b,
                      std::string_view c);

// The server's own answer to a request it cannot hand to the handler (400, 413, 431, 501): a
// short text body, then the connection closes.
Task<void> RejectRequest(HttpServer::State& s, Conn& conn, int status, std::string_view message);

class ConnWriter : public ResponseWriter {
 public:
  ConnWriter(HttpServer::State& s, Conn& conn, int version, bool keep_alive, bool head_request)
      : s_(s), conn_(conn), version_(version), keep_alive_(keep_alive), head_(head_request) {}

  Task<Status> Start(int status, HttpHeaders headers) override;
  Task<Status> Write(std::string_view data) override;
  Task<Status> Finish() override;
  void Abort() override;
  bool started() const override { return started_; }
  bool finished() const override { return finished_; }
  // Whether the connection may carry another request once this answer is finished.
  bool keep_alive() const { return keep_alive_; }

 private:
  enum class Framing { kNone, kLength, kChunked, kClose };

  HttpServer::State& s_;
  Conn& conn_;
  int version_;
  bool keep_alive_;
  bool head_;
  bool started_ = false;
  bool finished_ = false;
  Framing framing_ = Framing::kNone;
  std::uint64_t length_ = 0;   // kLength: the promised body length
  std::uint64_t written_ = 0;  // body bytes written
};

}  // namespace agentreplay::net
