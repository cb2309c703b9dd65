#include "net/http_transport.h"

#include <fmt/format.h>

#include <array>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "net/http_connection.h"
#include "net/loop_internal.h"

namespace agentreplay::net {

namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using boost::system::error_code;
using Parser = http::response_parser<http::buffer_body>;
using RequestMessage = http::request<http::string_body>;

struct HttpTransport::Shared {
  Shared(EventLoop& l, Clock& c, HttpTransportOptions o, BaseUrl u)
      : loop(l), clock(c), options(std::move(o)), url(std::move(u)) {}

  EventLoop& loop;
  Clock& clock;
  HttpTransportOptions options;
  BaseUrl url;
  std::string host_header;
  std::unique_ptr<ssl::context> tls;  // https only
  std::vector<std::unique_ptr<Connection>> idle;
  HttpTransportStats stats;
  bool closed = false;  // the transport is gone: bodies close their connections

  // Takes back a connection whose response ended cleanly, if it can carry another one.
  void Return(std::unique_ptr<Connection> conn, bool keep_alive) {
    if (!keep_alive || closed || conn->buffer.size() != 0 ||
        static_cast<int>(idle.size()) >= options.max_idle_connections) {
      conn->Close();
      return;
    }
    idle.push_back(std::move(conn));
  }
};

namespace {

// Room for one socket read's worth of body; a streamed event is far smaller.
constexpr size_t kBodyBufferBytes = 16 * 1024;
// Response heads from API gateways carry many headers; Beast's default (8 KiB) is tight.
constexpr uint32_t kHeaderLimitBytes = 64 * 1024;

HttpResponse Failed(Error error) {
  HttpResponse r;
  r.error = std::move(error);
  return r;
}

// The read timeout of one operation and the request's total deadline both close the socket
// on expiry; which one fired decides the error.
std::optional<Error> TimeoutOf(const Deadline& read, const Deadline& total,
                               std::string_view while_doing) {
  if (read.expired()) {
    return TimeoutError("read_timeout", fmt::format("no data while {}", while_doing));
  }
  if (total.expired()) {
    return TimeoutError("total_timeout", fmt::format("request timed out while {}", while_doing));
  }
  return std::nullopt;
}

class HttpBody : public BodyStream {
 public:
  HttpBody(std::shared_ptr<HttpTransport::Shared> shared, std::unique_ptr<Connection> conn,
           std::unique_ptr<Parser> parser, std::unique_ptr<Deadline> total)
      : shared_(std::move(shared)),
        conn_(std::move(conn)),
        parser_(std::move(parser)),
        total_(std::move(total)) {
    if (parser_->is_done()) Release();  // no body at all (HEAD, 204, Content-Length: 0)
  }

  // Unfinished: the rest of the body is still on the wire, so the connection cannot carry
  // another response.
  ~HttpBody() override {
    if (conn_) conn_->Close();
  }

  HttpBody(const HttpBody&) = delete;
  HttpBody& operator=(const HttpBody&) = delete;

  Task<BodyChunk> Next() override {
    while (conn_) {
      if (parser_->is_done()) {
        Release();
        break;
      }
      if (total_->expired()) {
        co_return Fail(TimeoutError("total_timeout", "request timed out while reading the body"));
      }
      auto& body = parser_->get().body();
      body.data = buffer_.data();
      body.size = buffer_.size();
      body.more = true;

      Connection* c = conn_.get();
      auto abort = [c] { c->Close(); };
      Deadline idle(shared_->clock, shared_->options.read_timeout);
      idle.SetOnExpire(abort);
      total_->SetOnExpire(abort);
      IoAwaiter read([&](auto handler) {
        c->With([&](auto& stream) {
          http::async_read_some(stream, c->buffer, *parser_, std::move(handler));
        });
      });
      IoResult r = co_await read;
      idle.Finish();
      total_->SetOnExpire(nullptr);
      shared_->stats.bytes_received += r.bytes;
      if (auto timeout = TimeoutOf(idle, *total_, "reading the body")) co_return Fail(*timeout);
      // need_buffer: our buffer is full, which is what we asked for.
      if (r.ec && r.ec != http::error::need_buffer) {
        co_return Fail(ExchangeError(Phase::kBody, r.ec));
      }
      ParseWhatIsBuffered();
      const size_t got = buffer_.size() - body.size;
      if (got > 0) {
        BodyChunk chunk{std::string(buffer_.data(), got), false, std::nullopt};
        if (parser_->is_done()) Release();  // pooled at once: the next request may use it
        co_return chunk;
      }
      // Only framing (a chunk header) was parsed: read on.
    }
    co_return BodyChunk{{}, true, std::nullopt};
  }

 private:
  // Parses on through the bytes the last read brought beyond the piece it parsed, without
  // waiting for more: a terminator that came with the last event then ends the body in that
  // read, so a reader that stops at its stream's terminal event still hands the connection
  // back to the pool. (Beast's eager mode would do this, but it waits for the socket when
  // the bytes end inside the framing, which holds each event back until the next.)
  void ParseWhatIsBuffered() {
    auto& body = parser_->get().body();
    while (!parser_->is_done() && conn_->buffer.size() > 0 && body.size > 0) {
      boost::system::error_code ec;
      const size_t used = parser_->put(conn_->buffer.data(), ec);
      if (ec && ec != http::error::need_buffer) break;  // need_more, or the next read's error
      conn_->buffer.consume(used);
      if (used == 0) break;
    }
  }

  void Release() {
    total_->Finish();
    shared_->Return(std::move(conn_), parser_->keep_alive());
  }

  BodyChunk Fail(Error error) {
    total_->Finish();
    conn_->Close();
    conn_.reset();
    return BodyChunk{{}, false, std::move(error)};
  }

  std::shared_ptr<HttpTransport::Shared> shared_;
  std::unique_ptr<Connection> conn_;  // null once the body ended or broke
  std::unique_ptr<Parser> parser_;
  std::unique_ptr<Deadline> total_;
  std::array<char, kBodyBufferBytes> buffer_{};
};

RequestMessage BuildMessage(const HttpTransport::Shared& s, const HttpRequest& request) {
  RequestMessage msg;
  msg.method_string(request.method);
  msg.target(s.url.path + request.target);
  msg.version(11);
  msg.set(http::field::host, s.host_header);
  if (!s.options.user_agent.empty()) msg.set(http::field::user_agent, s.options.user_agent);
  if (!s.options.api_key.empty()) {
    msg.set(http::field::authorization, "Bearer " + s.options.api_key);
  }
  for (const auto& h : s.options.extra_headers) msg.set(h.name, h.value);
  // The request's own headers win over the defaults above, and repeat when the request repeats
  // them (a proxy forwards a client's headers as they came).
  for (const auto& h : request.headers) msg.erase(h.name);
  for (const auto& h : request.headers) msg.insert(h.name, h.value);
  // A client that keeps no idle connections says so (Connection: close), and the server
  // frees its side at once instead of waiting for an idle timeout.
  msg.keep_alive(s.options.max_idle_connections > 0);
  msg.body() = request.body;
  msg.prepare_payload();
  return msg;
}

struct HeadResult {
  std::optional<Error> error;
  bool stale = false;  // nothing of the answer arrived: a reused connection was dead
};

// Writes the request and reads the response head, within the read timeout (the server may
// think a while before answering) and the request's total deadline.
Task<HeadResult> WriteAndReadHead(HttpTransport::Shared& s, Connection& conn,
                                  const RequestMessage& msg, Parser& parser, Deadline& total) {
  HeadResult out;
  Deadline read(s.clock, s.options.read_timeout);
  auto abort = [c = &conn] { c->Close(); };
  read.SetOnExpire(abort);
  total.SetOnExpire(abort);

  IoAwaiter write([&](auto handler) {
    conn.With([&](auto& stream) { http::async_write(stream, msg, std::move(handler)); });
  });
  IoResult r = co_await write;
  s.stats.bytes_sent += r.bytes;
  if (auto timeout = TimeoutOf(read, total, "sending the request")) {
    out.error = std::move(timeout);
    co_return out;
  }
  if (r.ec) {
    out.error = ExchangeError(Phase::kRequest, r.ec);
    out.stale = IsStaleConnectionError(r.ec);
    co_return out;
  }

  IoAwaiter head([&](auto handler) {
    conn.With([&](auto& stream) {
      http::async_read_header(stream, conn.buffer, parser, std::move(handler));
    });
  });
  r = co_await head;
  read.Finish();
  total.SetOnExpire(nullptr);
  s.stats.bytes_received += r.bytes;
  if (auto timeout = TimeoutOf(read, total, "waiting for the response")) {
    out.error = std::move(timeout);
    co_return out;
  }
  if (r.ec) {
    out.error = ExchangeError(Phase::kHeaders, r.ec);
    out.stale = !parser.got_some() && IsStaleConnectionError(r.ec);
  }
  co_return out;
}

Task<HttpResponse> SendOn(std::shared_ptr<HttpTransport::Shared> shared, HttpRequest request) {
  HttpTransport::Shared& s = *shared;
  ++s.stats.requests;
  auto total = std::make_unique<Deadline>(s.clock, s.options.total_timeout);
  const RequestMessage msg = BuildMessage(s, request);

  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<Connection> conn;
    const bool reused = !s.idle.empty();
    if (reused) {
      conn = std::move(s.idle.back());
      s.idle.pop_back();
      ++s.stats.connections_reused;
    } else {
      OpenResult opened = co_await OpenConnection(IoContext(s.loop), s.clock, s.url, s.tls.get(),
                                                  s.options.connect_timeout, *total);
      if (opened.error) {
        total->SetOnExpire(nullptr);
        co_return Failed(std::move(*opened.error));
      }
      conn = std::move(opened.connection);
      ++s.stats.connections_opened;
    }

    auto parser = std::make_unique<Parser>();
    // Streams are long; the caller decides when to stop. (Not boost::none: Beast 1.74 then
    // rejects every Content-Length body, comparing the length with an empty optional.)
    parser->body_limit(std::numeric_limits<std::uint64_t>::max());
    parser->header_limit(kHeaderLimitBytes);
    if (request.method == "HEAD") parser->skip(true);

    HeadResult head = co_await WriteAndReadHead(s, *conn, msg, *parser, *total);
    if (head.error) {
      total->SetOnExpire(nullptr);  // it pointed at this connection
      conn->Close();
      if (reused && head.stale && attempt == 0) {
        ++s.stats.stale_retries;
        continue;
      }
      co_return Failed(std::move(*head.error));
    }

    HttpResponse response;
    const auto& message = parser->get();
    response.status = static_cast<int>(message.result_int());
    for (const auto& field : message) {
      response.headers.push_back(
          HttpHeader{std::string(field.name_string()), std::string(field.value())});
    }
    response.body =
        std::make_unique<HttpBody>(shared, std::move(conn), std::move(parser), std::move(total));
    co_return response;
  }
}

}  // namespace

Expected<std::unique_ptr<HttpTransport>> HttpTransport::Create(EventLoop& loop, Clock& clock,
                                                               HttpTransportOptions options) {
  auto url = ParseBaseUrl(options.base_url);
  if (!url) return Fail(fmt::format("base URL '{}': {}", options.base_url, url.error()));
  auto shared = std::make_shared<Shared>(loop, clock, std::move(options), std::move(*url));
  // Host carries the port only when it is not the scheme's default.
  std::string authority = shared->url.Authority();
  if (shared->url.port == (shared->url.tls ? 443 : 80)) authority.resize(authority.rfind(':'));
  shared->host_header = std::move(authority);
  if (shared->url.tls) {
    auto tls = MakeTlsContext(shared->options.ca_file);
    if (!tls) return std::move(tls.failure());
    shared->tls = std::move(*tls);
  }
  return std::unique_ptr<HttpTransport>(new HttpTransport(std::move(shared)));
}

HttpTransport::HttpTransport(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}

HttpTransport::~HttpTransport() {
  CloseIdle();
  shared_->closed = true;
}

Task<HttpResponse> HttpTransport::Send(HttpRequest request) {
  return SendOn(shared_, std::move(request));
}

HttpTransportStats HttpTransport::stats() const { return shared_->stats; }

void HttpTransport::CloseIdle() {
  for (auto& conn : shared_->idle) conn->Close();
  shared_->idle.clear();
}

}  // namespace agentreplay::net
