// The HTTP server's output side: framing an answer (Content-Length, chunked, or ended by the
// close for HTTP/1.0), one gathered write per piece under the write timeout, and the server's
// own short answers to requests it refuses.
#include <fmt/format.h>

#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/status.hpp>
#include <charconv>
#include <optional>
#include <vector>

#include "net/deadline.h"
#include "net/http_server_internal.h"

namespace agentreplay::net {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

// After refusing a request the client may still be sending it; closing with unread bytes would
// reset the connection and could destroy the answer before the client reads it. So the server
// stops sending, reads and discards for a moment, then closes.
constexpr Duration kLingerTime = std::chrono::seconds(2);
constexpr std::size_t kLingerBytes = 1 << 20;

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// A header the server can put on the wire as given: a token name, and a value that cannot
// split the response (no CR, LF or NUL).
bool IsWritableHeader(const HttpHeader& h) {
  if (h.name.empty()) return false;
  for (char c : h.name) {
    if (!IsTokenChar(c)) return false;
  }
  return h.value.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos;
}

std::string_view ReasonOf(int status) {
  const auto reason = http::obsolete_reason(http::int_to_status(static_cast<unsigned>(status)));
  const std::string_view text(reason.data(), reason.size());
  return text.starts_with('<') ? std::string_view("Unknown") : text;
}

std::optional<std::uint64_t> ParseLength(std::string_view text) {
  text = TrimBlanks(text);
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

Task<void> Linger(HttpServer::State& s, Conn& conn) {
  boost::system::error_code ignored;
  conn.socket.shutdown(tcp::socket::shutdown_send, ignored);
  Deadline deadline(s.clock, kLingerTime);
  deadline.SetOnExpire([c = &conn] { c->Close(); });
  std::array<char, 4096> sink{};
  std::size_t discarded = 0;
  while (!conn.closed && discarded < kLingerBytes) {
    IoAwaiter read(
        [&](auto handler) { conn.socket.async_read_some(asio::buffer(sink), std::move(handler)); });
    const IoResult r = co_await read;
    if (r.ec) break;
    discarded += r.bytes;
  }
  deadline.Finish();
  conn.Close();
}

}  // namespace

std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

bool IsHopByHopHeader(std::string_view name) {
  static constexpr std::array<std::string_view, 6> kNames = {
      "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"};
  for (std::string_view n : kNames) {
    if (EqualsIgnoringCase(name, n)) return true;
  }
  return name.size() >= 6 && EqualsIgnoringCase(name.substr(0, 6), "proxy-");
}

HttpHeaders WithoutHopByHopHeaders(const HttpHeaders& headers) {
  // Connection may name further headers that only concern this hop.
  std::vector<std::string_view> named;
  for (const HttpHeader& h : headers) {
    if (!EqualsIgnoringCase(h.name, "connection")) continue;
    std::string_view list = h.value;
    while (!list.empty()) {
      const std::size_t comma = list.find(',');
      named.push_back(TrimBlanks(list.substr(0, comma)));
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    }
  }
  HttpHeaders out;
  for (const HttpHeader& h : headers) {
    if (IsHopByHopHeader(h.name)) continue;
    bool listed = false;
    for (std::string_view n : named) listed = listed || EqualsIgnoringCase(h.name, n);
    if (!listed) out.push_back(h);
  }
  return out;
}

Task<Status> WriteAll(HttpServer::State& s, Conn& conn, std::string_view a, std::string_view b,
                      std::string_view c) {
  if (conn.closed) co_return Fail("the client connection is closed");
  const std::array<asio::const_buffer, 3> buffers = {asio::buffer(a.data(), a.size()),
                                                     asio::buffer(b.data(), b.size()),
                                                     asio::buffer(c.data(), c.size())};
  Deadline deadline(s.clock, s.options.write_timeout);
  deadline.SetOnExpire([target = &conn] { target->Close(); });
  IoAwaiter write(
      [&](auto handler) { asio::async_write(conn.socket, buffers, std::move(handler)); });
  const IoResult r = co_await write;
  deadline.Finish();
  if (deadline.expired()) {
    ++s.stats.timeouts;
    co_return Fail("the client did not read its answer in time");
  }
  if (r.ec) {
    conn.Close();
    co_return Fail("cannot write to the client: " + r.ec.message());
  }
  co_return Status{};
}

Task<void> RejectRequest(HttpServer::State& s, Conn& conn, int status, std::string_view message) {
  ++s.stats.rejected;
  const std::string body = std::string(message) + "\n";
  const std::string head = fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n"
      "Connection: close\r\n\r\n",
      status, ReasonOf(status), body.size());
  const Status sent = co_await WriteAll(s, conn, head, body, {});
  if (sent) co_await Linger(s, conn);
  conn.Close();
}

Task<Status> ConnWriter::Start(int status, HttpHeaders headers) {
  if (started_) co_return Fail("the response was already started");
  if (status < 200 || status > 599) co_return Fail(fmt::format("cannot answer with {}", status));
  std::optional<std::uint64_t> length;
  for (const HttpHeader& h : headers) {
    if (!IsWritableHeader(h)) co_return Fail(fmt::format("header '{}' cannot be sent", h.name));
    if (!EqualsIgnoringCase(h.name, "content-length")) continue;
    length = ParseLength(h.value);
    if (!length) co_return Fail(fmt::format("Content-Length '{}' is not a length", h.value));
  }
  started_ = true;
  const bool bodyless = head_ || status == 204 || status == 304;
  std::string head =
      fmt::format("HTTP/1.{} {} {}\r\n", version_ >= 11 ? 1 : 0, status, ReasonOf(status));
  for (const HttpHeader& h : headers) {
    if (IsHopByHopHeader(h.name)) continue;
    if ((status == 204 || status == 304) && EqualsIgnoringCase(h.name, "content-length")) continue;
    head += fmt::format("{}: {}\r\n", h.name, h.value);
  }
  if (bodyless) {
    framing_ = Framing::kNone;
  } else if (length) {
    framing_ = Framing::kLength;
    length_ = *length;
  } else if (version_ >= 11) {
    framing_ = Framing::kChunked;
    head += "Transfer-Encoding: chunked\r\n";
  } else {
    framing_ = Framing::kClose;  // HTTP/1.0 knows no chunks: the close ends the body
    keep_alive_ = false;
  }
  if (!s_.accepting) keep_alive_ = false;
  if (!keep_alive_) {
    head += "Connection: close\r\n";
  } else if (version_ < 11) {
    head += "Connection: keep-alive\r\n";
  }
  head += "\r\n";
  Status sent = co_await WriteAll(s_, conn_, head, {}, {});
  if (!sent) Abort();
  co_return sent;
}

Task<Status> ConnWriter::Write(std::string_view data) {
  if (!started_) co_return Fail("write before the response was started");
  if (finished_) co_return Fail("write after the response ended");
  if (data.empty() || framing_ == Framing::kNone) co_return Status{};
  if (framing_ == Framing::kLength && data.size() > length_ - written_) {
    co_return Fail("more body bytes than the Content-Length announced");
  }
  Status sent;
  if (framing_ == Framing::kChunked) {
    const std::string size_line = fmt::format("{:x}\r\n", data.size());
    sent = co_await WriteAll(s_, conn_, size_line, data, "\r\n");
  } else {
    sent = co_await WriteAll(s_, conn_, data, {}, {});
  }
  if (!sent) {
    Abort();
    co_return sent;
  }
  written_ += data.size();
  co_return Status{};
}

Task<Status> ConnWriter::Finish() {
  if (!started_) co_return Fail("finish before the response was started");
  if (finished_) {
    if (conn_.closed) co_return Fail("the client connection is closed");
    co_return Status{};
  }
  finished_ = true;
  switch (framing_) {
    case Framing::kChunked: {
      Status sent = co_await WriteAll(s_, conn_, "0\r\n\r\n", {}, {});
      if (!sent) Abort();
      co_return sent;
    }
    case Framing::kLength:
      if (written_ != length_) {
        Abort();
        co_return Fail("the body ended before its Content-Length");
      }
      co_return Status{};
    case Framing::kClose:
      keep_alive_ = false;
      co_return Status{};
    case Framing::kNone:
      co_return Status{};
  }
  co_return Status{};
}

void ConnWriter::Abort() {
  finished_ = true;
  keep_alive_ = false;
  conn_.Close();
}

}  // namespace agentreplay::net
