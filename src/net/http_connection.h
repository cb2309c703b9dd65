// Private to the net library: one client connection (plain TCP or TLS over TCP), how it is
// opened under the connect and total deadlines, and how socket and parser errors map onto the
// core's error reasons. Includes Asio, Beast and OpenSSL: never include from a public header.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/expected.h"
#include "core/task.h"
#include "net/deadline.h"
#include "net/url.h"
#include "ports/clock.h"

namespace agentreplay::net {

struct Connection {
  explicit Connection(boost::asio::io_context& io) : plain(std::in_place, io) {}

  // Exactly one is set: `plain` until a TLS handshake moves the socket into `tls`.
  std::optional<boost::asio::ip::tcp::socket> plain;
  std::optional<boost::asio::ssl::stream<boost::asio::ip::tcp::socket>> tls;
  // Bytes read from the socket and not yet parsed. Empty between responses on a healthy
  // keep-alive connection.
  boost::beast::flat_buffer buffer;

  boost::asio::ip::tcp::socket& socket() { return tls ? tls->next_layer() : *plain; }
  // Calls `f` with the stream to read and write (the TLS stream, or the socket).
  template <typename F>
  void With(F&& f) {
    if (tls) {
      f(*tls);
    } else {
      f(*plain);
    }
  }
  // Closes the socket; pending operations complete with operation_aborted.
  void Close();
};

// The TLS client settings of one transport: peer verification on, TLS 1.2 or later, trust in
// `ca_file` (PEM) or the system store. Fails when the CA file (or store) is unusable.
Expected<std::unique_ptr<boost::asio::ssl::context>> MakeTlsContext(const std::string& ca_file);

struct OpenResult {
  std::unique_ptr<Connection> connection;
  std::optional<Error> error;
};

// Resolves, connects (and for TLS shakes hands, with SNI and host name verification) within
// `connect_timeout`; `total` is the request's deadline, which also ends the attempt.
Task<OpenResult> OpenConnection(boost::asio::io_context& io, Clock& clock, const BaseUrl& url,
                                boost::asio::ssl::context* tls, Duration connect_timeout,
                                Deadline& total);

// Which part of an exchange an error happened in: the same socket error means different
// things before and after the response headers.
enum class Phase { kRequest, kHeaders, kBody };

// Maps a failed read or write onto the core's error reasons (the timeouts are decided by the
// caller, who knows which deadline fired).
Error ExchangeError(Phase phase, const boost::system::error_code& ec);

// A socket error that, on a reused keep-alive connection with nothing of the answer received
// yet, means the server had already closed it: the request may be sent again.
bool IsStaleConnectionError(const boost::system::error_code& ec);

Error TimeoutError(std::string_view reason, std::string message);

}  // namespace agentreplay::net
