#include "harness/real/blocking_http_transport.h"

#include <fmt/format.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <string_view>
#include <utility>

namespace agentreplay::harness {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Answers here are small JSON documents; the limit only guards against a runaway server.
constexpr uint64_t kMaxResponseBodyBytes = 64u << 20;

// The whole body, already read: one chunk, then the end.
class WholeBody : public BodyStream {
 public:
  explicit WholeBody(std::string bytes) : bytes_(std::move(bytes)) {}
  Task<BodyChunk> Next() override {
    if (!delivered_) {
      delivered_ = true;
      if (!bytes_.empty()) co_return BodyChunk{std::move(bytes_), false, {}};
    }
    co_return BodyChunk{{}, true, {}};
  }

 private:
  std::string bytes_;
  bool delivered_ = false;
};

// A stable reason code for results and logs, in the core's vocabulary.
std::string_view ReasonFor(const beast::error_code& ec) {
  if (ec == http::error::end_of_stream || ec == asio::error::eof) return "connection_closed";
  if (ec == asio::error::connection_reset || ec == asio::error::broken_pipe) {
    return "connection_reset";
  }
  if (ec == asio::error::connection_refused) return "connection_refused";
  return "io_error";
}

// Errors that mean a reused keep-alive connection had already been closed by the server.
bool IsStaleConnection(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
}

Error TransportError(std::string_view reason, std::string message) {
  return Error{ErrorKind::kTransport, std::string(reason), std::move(message), 0};
}

}  // namespace

struct BlockingHttpTransport::Impl {
  Impl(std::string h, uint16_t p) : host(std::move(h)), port(p) {}

  beast::error_code Connect() {
    beast::error_code ec;
    tcp::resolver resolver(io);
    const auto endpoints = resolver.resolve(host, std::to_string(port), ec);
    if (ec) return ec;
    asio::connect(socket, endpoints, ec);
    if (ec) return ec;
    ++opened;
    // Small request, small answer, latency measured: no Nagle delay.
    socket.set_option(tcp::no_delay(true), ec);
    return {};
  }

  void Disconnect() {
    beast::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    buffer.consume(buffer.size());
  }

  HttpResponse Send(HttpRequest in) {
    HttpResponse out;
    const http::verb verb = http::string_to_verb(in.method);
    if (verb == http::verb::unknown) {
      out.error = Error{ErrorKind::kInternal, "bad_method",
                        fmt::format("unknown HTTP method '{}'", in.method), 0};
      return out;
    }
    http::request<http::string_body> request{verb, in.target, 11};
    request.set(http::field::host, fmt::format("{}:{}", host, port));
    for (const HttpHeader& header : in.headers) request.set(header.name, header.value);
    request.keep_alive(true);
    request.body() = std::move(in.body);
    request.prepare_payload();

    // At most two attempts: the second only when a reused connection was found closed
    // before the server sent a single byte back.
    for (int attempt = 0;; ++attempt) {
      const bool reused = socket.is_open();
      if (!reused) {
        if (const beast::error_code ec = Connect()) {
          Disconnect();
          out.error = TransportError("connect_failed", fmt::format("cannot connect to {}:{}: {}",
                                                                   host, port, ec.message()));
          return out;
        }
      }
      http::response_parser<http::string_body> parser;
      parser.body_limit(kMaxResponseBodyBytes);
      beast::error_code ec;
      http::write(socket, request, ec);
      if (!ec) http::read(socket, buffer, parser, ec);
      if (!ec) {
        http::response<http::string_body> response = parser.release();
        out.status = static_cast<int>(response.result_int());
        for (const auto& field : response) {
          out.headers.push_back({std::string(field.name_string()), std::string(field.value())});
        }
        if (!response.keep_alive()) Disconnect();
        out.body = std::make_unique<WholeBody>(std::move(response.body()));
        return out;
      }
      Disconnect();
      if (reused && attempt == 0 && !parser.got_some() && IsStaleConnection(ec)) continue;
      out.error = TransportError(ReasonFor(ec), ec.message());
      return out;
    }
  }

  std::string host;
  uint16_t port;
  asio::io_context io{1};
  tcp::socket socket{io};
  beast::flat_buffer buffer;
  uint64_t opened = 0;
};

BlockingHttpTransport::BlockingHttpTransport(std::string host, uint16_t port)
    : impl_(std::make_unique<Impl>(std::move(host), port)) {}

BlockingHttpTransport::~BlockingHttpTransport() {
  if (impl_->socket.is_open()) impl_->Disconnect();
}

Task<HttpResponse> BlockingHttpTransport::Send(HttpRequest request) {
  co_return impl_->Send(std::move(request));
}

uint64_t BlockingHttpTransport::connections_opened() const { return impl_->opened; }

}  // namespace agentreplay::harness
