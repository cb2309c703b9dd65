#include "net/http_connection.h"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/http/error.hpp>
#include <utility>

#include "net/loop_internal.h"

namespace agentreplay::net {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

Error TransportError(std::string_view reason, std::string message) {
  return Error{ErrorKind::kTransport, std::string(reason), std::move(message), 0};
}

bool IsEndOfStream(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == ssl::error::stream_truncated;
}

bool IsReset(const error_code& ec) {
  return ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
}

// The abort action of a phase: what the connect and total deadlines do when they expire.
void ArmBoth(Deadline& a, Deadline& b, const std::function<void()>& abort) {
  a.SetOnExpire(abort);
  b.SetOnExpire(abort);
}

std::optional<Error> TimedOut(const Deadline& connect, const Deadline& total) {
  if (connect.expired()) return TimeoutError("connect_timeout", "connect timed out");
  if (total.expired()) return TimeoutError("total_timeout", "request timed out while connecting");
  return std::nullopt;
}

// Why a TLS handshake failed, in words: the certificate check's verdict when there is one.
std::string HandshakeMessage(ssl::stream<tcp::socket>& stream, const error_code& ec) {
  const long verify = SSL_get_verify_result(stream.native_handle());
  if (verify != X509_V_OK) {
    return fmt::format("TLS handshake failed: certificate verification: {}",
                       X509_verify_cert_error_string(verify));
  }
  return fmt::format("TLS handshake failed: {}", ec.message());
}

}  // namespace

void Connection::Close() {
  error_code ignored;
  socket().close(ignored);
}

Error TimeoutError(std::string_view reason, std::string message) {
  return Error{ErrorKind::kTimeout, std::string(reason), std::move(message), 0};
}

Expected<std::unique_ptr<ssl::context>> MakeTlsContext(const std::string& ca_file) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  ctx->set_verify_mode(ssl::verify_peer);
  error_code ec;
  if (ca_file.empty()) {
    ctx->set_default_verify_paths(ec);
  } else {
    ctx->load_verify_file(ca_file, ec);
  }
  if (ec) {
    return Fail(ca_file.empty() ? fmt::format("cannot load the system CA store: {}", ec.message())
                                : fmt::format("cannot load CA file {}: {}", ca_file, ec.message()));
  }
  return ctx;
}

Task<OpenResult> OpenConnection(asio::io_context& io, Clock& clock, const BaseUrl& url,
                                ssl::context* tls, Duration connect_timeout, Deadline& total) {
  OpenResult out;
  auto conn = std::make_unique<Connection>(io);
  Deadline connect(clock, connect_timeout);

  // An IP address needs no resolver (and no resolver thread).
  tcp::resolver::results_type endpoints;
  error_code ec;
  const auto address = asio::ip::make_address(url.host, ec);
  if (!ec) {
    endpoints = tcp::resolver::results_type::create(tcp::endpoint(address, url.port), url.host,
                                                    std::to_string(url.port));
  } else {
    tcp::resolver resolver(io);
    ArmBoth(connect, total, [&resolver] { resolver.cancel(); });
    IoAwaiter resolve([&](auto handler) {
      resolver.async_resolve(url.host, std::to_string(url.port),
                             [&endpoints, h = std::move(handler)](
                                 const error_code& e, tcp::resolver::results_type results) mutable {
                               endpoints = std::move(results);
                               h(e, 0);
                             });
    });
    const IoResult r = co_await resolve;
    if (auto timeout = TimedOut(connect, total)) {
      out.error = std::move(timeout);
      co_return out;
    }
    if (r.ec) {
      out.error = TransportError("dns_failure",
                                 fmt::format("cannot resolve {}: {}", url.host, r.ec.message()));
      co_return out;
    }
  }

  Connection* c = conn.get();
  ArmBoth(connect, total, [c] { c->Close(); });
  IoAwaiter connecting([&](auto handler) {
    asio::async_connect(
        *c->plain, endpoints,
        [h = std::move(handler)](const error_code& e, const tcp::endpoint&) mutable { h(e, 0); });
  });
  IoResult r = co_await connecting;
  if (auto timeout = TimedOut(connect, total)) {
    out.error = std::move(timeout);
    co_return out;
  }
  if (r.ec) {
    const bool refused = r.ec == asio::error::connection_refused;
    out.error =
        TransportError(refused ? "connection_refused" : "connect_failed",
                       fmt::format("cannot connect to {}: {}", url.Authority(), r.ec.message()));
    co_return out;
  }
  // Small requests and streamed answers: no Nagle delay on either.
  c->plain->set_option(tcp::no_delay(true), ec);

  if (tls != nullptr) {
    c->tls.emplace(std::move(*c->plain), *tls);
    c->plain.reset();
    SSL* native = c->tls->native_handle();
    X509_VERIFY_PARAM* param = SSL_get0_param(native);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    error_code not_ip;
    asio::ip::make_address(url.host, not_ip);
    if (!not_ip) {
      X509_VERIFY_PARAM_set1_ip_asc(param, url.host.c_str());
    } else {
      // SNI is for names only; certificates of names are checked against the name.
      // SSL_set_tlsext_host_name without its C cast (a macro over this call).
      SSL_ctrl(native, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(url.host.c_str()));
      X509_VERIFY_PARAM_set1_host(param, url.host.c_str(), url.host.size());
    }
    IoAwaiter handshake([&](auto handler) {
      c->tls->async_handshake(ssl::stream_base::client,
                              [h = std::move(handler)](const error_code& e) mutable { h(e, 0); });
    });
    r = co_await handshake;
    if (auto timeout = TimedOut(connect, total)) {
      out.error = std::move(timeout);
      co_return out;
    }
    if (r.ec) {
      out.error = TransportError("tls_handshake", HandshakeMessage(*c->tls, r.ec));
      co_return out;
    }
  }
  connect.Finish();
  total.SetOnExpire(nullptr);
  out.connection = std::move(conn);
  co_return out;
}

Error ExchangeError(Phase phase, const error_code& ec) {
  const std::string detail = ec.message();
  if (IsReset(ec)) {
    return TransportError("connection_reset", fmt::format("connection reset: {}", detail));
  }
  if (IsEndOfStream(ec) || ec == http::error::partial_message) {
    if (phase == Phase::kBody) {
      return TransportError("body_truncated", "the connection closed before the body ended");
    }
    return TransportError("connection_closed", "the connection closed before the response arrived");
  }
  if (ec.category() == http::make_error_code(http::error::bad_version).category()) {
    return Error{ErrorKind::kProtocol, "malformed_http",
                 fmt::format("malformed HTTP response: {}", detail), 0};
  }
  return TransportError(phase == Phase::kBody ? "body_truncated" : "io_error",
                        fmt::format("I/O error: {}", detail));
}

bool IsStaleConnectionError(const error_code& ec) {
  return IsEndOfStream(ec) || IsReset(ec) || ec == http::error::partial_message;
}

}  // namespace agentreplay::net
