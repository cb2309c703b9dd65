// Reading requests off a mock server connection. `serve` faces whatever connects to it, so a
// connection that does not deliver a request in time, or delivers one too large or framed in a
// way the server would misread, is answered by the server itself and closed: it can hold
// neither memory nor a connection for longer than the limits say (docs/serve.md, "Limits").
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/buffer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <chrono>
#include <cstdint>
#include <exception>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "mocks/api/openai_error.h"
#include "mocks/server/connection.h"

namespace agentreplay::mocks {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// After a refusal, what the client still sends is read and dropped for this long (or this
// many bytes), so that its unread bytes do not turn the close into a reset before it has read
// the answer.
constexpr Duration kLingerTime = std::chrono::seconds(1);
constexpr uint64_t kLingerBytes = uint64_t{1} << 20;

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::string ToString(beast::string_view s) { return {s.data(), s.size()}; }

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return lower(x) == lower(y);
  });
}

std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

HttpRequest ToHttpRequest(http::request<http::string_body>&& in) {
  HttpRequest out;
  out.method = ToString(in.method_string());
  out.target = ToString(in.target());
  out.headers.reserve(8);
  for (const auto& field : in) {
    out.headers.push_back({ToString(field.name_string()), ToString(field.value())});
  }
  out.body = std::move(in.body());
  return out;
}

// The server's own answer when a request cannot be handed to the mock at all. It carries
// the standard headers too; its request id is the server's own, not drawn from any seed.
MockResponse ServerError(int status, std::string message, std::optional<std::string> code = {}) {
  static std::atomic<uint64_t> counter{0};
  OpenAiError error;
  error.status = status;
  error.message = std::move(message);
  error.type = status >= 500 ? "server_error" : "invalid_request_error";
  error.code = std::move(code);
  return MakeErrorResponse(error, fmt::format("req_server{:022x}", ++counter), Duration::zero(),
                           Duration::zero());
}

double Seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

// Names the limit and the options that set it, for a client that cannot guess them.
std::string SessionLimitMessage(const MockServerOptions& o) {
  const std::string expiry =
      o.session_idle_timeout > Duration::zero()
          ? fmt::format(
                "until idle ones expire ({} s unused; session_idle_timeout, "
                "--session-idle-timeout)",
                Seconds(o.session_idle_timeout))
          : std::string("until one is closed (sessions do not expire: session_idle_timeout 0)");
  return fmt::format(
      "too many sessions: the server holds its maximum of {} sessions (max_sessions, "
      "`agentreplay serve --max-sessions`); a request naming a new session is refused {}",
      o.max_sessions, expiry);
}

// The client closed or reset the connection (perhaps mid-request): nobody to answer.
bool IsGone(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == http::error::partial_message ||
         ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::operation_aborted;
}

bool IsHttpError(const beast::error_code& ec) {
  return &ec.category() == &http::make_error_code(http::error::bad_target).category();
}

}  // namespace

void Connection::ReadRequest() {
  parser_.emplace();
  const size_t head = server_.options.max_header_bytes;
  parser_->header_limit(head == 0 || head > std::numeric_limits<uint32_t>::max()
                            ? std::numeric_limits<uint32_t>::max()
                            : static_cast<uint32_t>(head));
  const uint64_t body = server_.options.max_body_bytes;
  parser_->body_limit(body == 0 ? std::numeric_limits<uint64_t>::max() : body);
  if (buffer_.size() > 0) {  // the next request has begun already (pipelined)
    ReadHead();
    return;
  }
  // Idle until the request's first byte; the header timeout runs from then.
  Arm(Phase::kIdle, server_.options.idle_timeout);
  socket_.async_wait(
      asio::ip::tcp::socket::wait_read,
      [self = shared_from_this()](const beast::error_code& ec) { self->OnReadable(ec); });
}

void Connection::OnReadable(const beast::error_code& ec) {
  if (closed_) return;
  Disarm();
  if (ec) {
    Close();
    return;
  }
  ReadHead();
}

void Connection::ReadHead() {
  Arm(Phase::kHead, server_.options.header_timeout);
  http::async_read_header(
      socket_, buffer_, *parser_,
      [self = shared_from_this()](const beast::error_code& ec, std::size_t) { self->OnHead(ec); });
}

void Connection::OnHead(const beast::error_code& ec) {
  if (closed_) return;
  Disarm();
  if (ec || timed_out_) {
    OnReadError(ec, /*in_body=*/false);
    return;
  }
  // Framing the server would misread must not reach the mock: a coding it cannot undo would
  // leave the body in the stream to be read as the next request (RFC 9112, 6.1 and 6.3).
  const auto& head = parser_->get();
  version_ = static_cast<int>(head.version());
  bool has_length = false;
  bool has_coding = false;
  std::string coding;
  for (const auto& field : head) {
    if (field.name() == http::field::content_length) has_length = true;
    if (field.name() != http::field::transfer_encoding) continue;
    const std::string_view value(field.value().data(), field.value().size());
    coding += has_coding ? ", " : "";
    coding += TrimBlanks(value);
    has_coding = true;
  }
  if (has_coding && has_length) {
    Reject(400, "a request may not carry both Transfer-Encoding and Content-Length");
    return;
  }
  if (has_coding && version_ < 11) {
    Reject(400, "an HTTP/1.0 request may not use Transfer-Encoding");
    return;
  }
  if (has_coding && !EqualsIgnoringCase(coding, "chunked")) {
    constexpr size_t kQuoted = 64;  // of the client's value, in the message
    if (coding.size() > kQuoted) coding = coding.substr(0, kQuoted) + "...";
    Reject(501, fmt::format("Transfer-Encoding '{}' is not implemented (only chunked)", coding));
    return;
  }
  if (parser_->is_done()) {
    OnRequest();
    return;
  }
  // A client that waits for permission before it sends its body (curl does above 1 KiB).
  const auto expect = head[http::field::expect];
  if (version_ >= 11 && EqualsIgnoringCase({expect.data(), expect.size()}, "100-continue")) {
    WatchWrite();
    asio::async_write(socket_, asio::buffer(kContinue),
                      [self = shared_from_this()](const beast::error_code& write_ec, std::size_t) {
                        if (self->closed_) return;
                        self->writing_ = false;
                        if (write_ec) {
                          self->Close();
                        } else {
                          self->ReadBody();
                        }
                      });
    return;
  }
  ReadBody();
}

void Connection::ReadBody() {
  Arm(Phase::kBody, server_.options.body_timeout);
  http::async_read(
      socket_, buffer_, *parser_,
      [self = shared_from_this()](const beast::error_code& ec, std::size_t) { self->OnBody(ec); });
}

void Connection::OnBody(const beast::error_code& ec) {
  if (closed_) return;
  Disarm();
  if (ec || timed_out_) {
    OnReadError(ec, /*in_body=*/true);
    return;
  }
  OnRequest();
}

void Connection::OnReadError(const beast::error_code& ec, bool in_body) {
  const MockServerOptions& o = server_.options;
  if (timed_out_) {
    Reject(408, in_body ? fmt::format("request body not received within {} s (body timeout)",
                                      Seconds(o.body_timeout))
                        : fmt::format("request head not received within {} s (header timeout)",
                                      Seconds(o.header_timeout)));
  } else if (ec == http::error::header_limit) {
    Reject(431, fmt::format("request head larger than {} bytes", o.max_header_bytes));
  } else if (ec == http::error::body_limit) {
    Reject(413, fmt::format("request body larger than {} bytes", o.max_body_bytes));
  } else if (ec == http::error::bad_transfer_encoding || ec == http::error::bad_content_length) {
    Reject(400, "malformed HTTP request: " + ec.message() +
                    " (a request may not carry both Transfer-Encoding and Content-Length)");
  } else if (IsHttpError(ec) && !IsGone(ec)) {
    // Bytes that are not HTTP get a 400 before the connection closes.
    Reject(400, "malformed HTTP request: " + ec.message());
  } else {
    Close();  // the client closed or reset its connection, or a socket error
  }
}

void Connection::OnRequest() {
  auto receipt = SteadyClock::now();
  const bool keep_alive = parser_->get().keep_alive();
  HttpRequest request = ToHttpRequest(parser_->release());
  parser_.reset();
  const auto session = FindHeader(request.headers, kSessionHeader);
  session_ = std::string(session.value_or(kDefaultSession));
  SessionSlot* slot = nullptr;
  if (!server_.options.handler) {
    use_ = server_.sessions.Acquire(session_, receipt);
    if (!use_) {
      Play(ServerError(503, SessionLimitMessage(server_.options), "session_limit_reached"), receipt,
           keep_alive);
      return;
    }
    slot = use_.slot().get();
  }
  if (fresh_) {
    // The scenario's price of opening this connection (TCP and TLS handshakes a loopback
    // socket does not pay): the first request counts as received that much later, as it
    // would have arrived over the modelled network.
    fresh_ = false;
    receipt += server_.ConnectCost(slot);
  }
  MockResponse response;
  try {
    response = server_.Answer(slot, session_, request, receipt);
  } catch (const std::exception& e) {
    spdlog::error("mock server: the mock failed on {} {}: {}", request.method, request.target,
                  e.what());
    response = ServerError(500, std::string("the mock failed: ") + e.what());
  }
  Play(std::move(response), receipt, keep_alive, use_.slot());
}

void Connection::Reject(int status, std::string message) {
  server_.rejected.fetch_add(1, std::memory_order_relaxed);
  parser_.reset();
  linger_ = true;
  Play(ServerError(status, std::move(message)), SteadyClock::now(), /*keep_alive=*/false);
}

void Connection::Arm(Phase phase, Duration limit) {
  phase_ = phase;
  ++deadline_generation_;
  if (limit <= Duration::zero()) {
    deadline_.cancel();
    return;
  }
  deadline_.expires_after(std::chrono::duration_cast<SteadyClock::duration>(limit));
  deadline_.async_wait(
      [self = shared_from_this(), generation = deadline_generation_](const beast::error_code& ec) {
        if (ec || self->closed_ || generation != self->deadline_generation_) return;
        self->OnDeadline();
      });
}

void Connection::Disarm() {
  phase_ = Phase::kNone;
  ++deadline_generation_;
  deadline_.cancel();
}

void Connection::OnDeadline() {
  switch (phase_) {
    case Phase::kHead:
    case Phase::kBody: {
      // Cancel the read; its handler answers 408 if the socket still takes it.
      server_.timeouts.fetch_add(1, std::memory_order_relaxed);
      timed_out_ = true;
      beast::error_code ignored;
      socket_.cancel(ignored);
      // A read that had just completed is not cancelled, and Beast may start the next one:
      // if no handler comes within the linger time, the connection closes anyway.
      Arm(Phase::kLinger, kLingerTime);
      return;
    }
    case Phase::kIdle:
      server_.timeouts.fetch_add(1, std::memory_order_relaxed);
      Close();
      return;
    case Phase::kWrite:
      OnWriteDeadline();
      return;
    case Phase::kLinger:
      Close();
      return;
    case Phase::kNone:
      return;
  }
}

void Connection::Linger() {
  socket_.async_read_some(asio::buffer(sink_),
                          [self = shared_from_this()](const beast::error_code& ec, std::size_t n) {
                            if (self->closed_) return;
                            self->lingered_ += n;
                            if (ec || self->lingered_ > kLingerBytes) {
                              self->Close();
                            } else {
                              self->Linger();
                            }
                          });
}

void Connection::StartLinger() {
  beast::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  Arm(Phase::kLinger, kLingerTime);
  Linger();
}

}  // namespace agentreplay::mocks
