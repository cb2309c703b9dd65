// HttpServer over loopback: answered by the project's own client (HttpTransport) on the same
// loop, and by raw sockets for what a well-behaved client never does (HTTP/1.0, stalled heads,
// oversized or oddly framed requests, a client that stops reading).
#include "net/http_server.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "net/http_transport.h"
#include "net/steady_clock.h"
#include "tests/net/net_test_util.h"

namespace agentreplay::net {
namespace {

using namespace std::chrono_literals;

// The handlers' own writes must succeed in these tests.
void Ok(const Status& s) { EXPECT_TRUE(s) << s.error(); }
using ::testing::HasSubstr;
using ::testing::Not;
using testing::RunOnLoop;
using SteadyTime = std::chrono::steady_clock;

// ---- raw sockets (blocking, on the test thread) ----

int Connect(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

struct Received {
  std::string bytes;
  bool closed = false;  // EOF or reset
  std::chrono::milliseconds waited{0};
};

// Reads until the peer closes, `until` appears in what arrived, or `timeout` passes.
Received Receive(int fd, std::chrono::milliseconds timeout, std::string_view until = {}) {
  Received r;
  const auto start = SteadyTime::now();
  const auto deadline = start + timeout;
  char buffer[65536];
  while (until.empty() || r.bytes.find(until) == std::string::npos) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyTime::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) {
      r.closed = true;
      break;
    }
    r.bytes.append(buffer, static_cast<size_t>(n));
  }
  r.waited = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyTime::now() - start);
  return r;
}

// A server whose loop runs on its own thread, so the test thread can block on raw sockets.
class ThreadedServer {
 public:
  ThreadedServer(HttpHandler handler, HttpServerOptions options = {}) {
    auto started = HttpServer::Start(loop_, clock_, "127.0.0.1", 0, std::move(handler), options);
    if (!started) throw std::runtime_error(started.error());
    server_ = std::move(*started);
    port_ = server_->port();
    thread_ = std::thread([this] { loop_.Run(); });
  }
  ~ThreadedServer() { Stop(); }
  ThreadedServer(const ThreadedServer&) = delete;
  ThreadedServer& operator=(const ThreadedServer&) = delete;

  uint16_t port() const { return port_; }
  // Stops the server and joins the loop; the stats are readable afterwards.
  HttpServerStats Stop() {
    if (thread_.joinable()) {
      loop_.Post([this] { server_->Stop(); });
      thread_.join();
    }
    return server_->stats();
  }

 private:
  EventLoop loop_;
  SteadyClock clock_{loop_};
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
  std::thread thread_;
};

HttpHandler Fixed(std::string body) {
  return [body](IncomingRequest, ResponseWriter& w) -> Task<void> {
    HttpHeaders headers = {{"Content-Type", "text/plain"},
                           {"Content-Length", std::to_string(body.size())}};
    const Status started = co_await w.Start(200, std::move(headers));
    if (started) Ok(co_await w.Write(body));
  };
}

// Two writes without a length: chunked for HTTP/1.1, close-delimited for HTTP/1.0.
HttpHandler TwoPieces() {
  return [](IncomingRequest, ResponseWriter& w) -> Task<void> {
    HttpHeaders headers = {{"Content-Type", "text/event-stream"}};
    Ok(co_await w.Start(200, std::move(headers)));
    Ok(co_await w.Write("data: one\n\n"));
    Ok(co_await w.Write("data: two\n\n"));
    Ok(co_await w.Finish());
  };
}

TEST(HttpServerRawTest, Http11GetsChunksAndHttp10ACloseDelimitedBody) {
  ThreadedServer server(TwoPieces());
  const int fd11 = Connect(server.port());
  ASSERT_TRUE(SendAll(fd11, "GET /s HTTP/1.1\r\nHost: x\r\n\r\n"));
  const Received r11 = Receive(fd11, 5s, "0\r\n\r\n");
  EXPECT_THAT(r11.bytes, HasSubstr("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(r11.bytes, HasSubstr("Transfer-Encoding: chunked\r\n"));
  EXPECT_THAT(r11.bytes,
              HasSubstr("\r\n\r\nb\r\ndata: one\n\n\r\nb\r\ndata: two\n\n\r\n0\r\n\r\n"));
  EXPECT_FALSE(r11.closed);  // kept alive
  ::close(fd11);

  const int fd10 = Connect(server.port());
  ASSERT_TRUE(SendAll(fd10, "GET /s HTTP/1.0\r\n\r\n"));
  const Received r10 = Receive(fd10, 5s);
  EXPECT_TRUE(r10.closed);
  EXPECT_THAT(r10.bytes, HasSubstr("HTTP/1.0 200 OK\r\n"));
  EXPECT_THAT(r10.bytes, Not(HasSubstr("chunked")));
  EXPECT_THAT(r10.bytes, HasSubstr("Connection: close\r\n"));
  EXPECT_TRUE(r10.bytes.ends_with("\r\n\r\ndata: one\n\ndata: two\n\n")) << r10.bytes;
  ::close(fd10);
}

TEST(HttpServerRawTest, Http10KeepAliveWithALength) {
  ThreadedServer server(Fixed("hello"));
  const int fd = Connect(server.port());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(SendAll(fd, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    const Received r = Receive(fd, 5s, "hello");
    EXPECT_THAT(r.bytes, HasSubstr("HTTP/1.0 200 OK\r\n"));
    EXPECT_THAT(r.bytes, HasSubstr("Connection: keep-alive\r\n"));
    EXPECT_FALSE(r.closed);
  }
  ::close(fd);
  EXPECT_EQ(server.Stop().connections_accepted, 1u);
}

TEST(HttpServerRawTest, AStalledHeadIsDroppedAfterTheHeaderTimeout) {
  HttpServerOptions options;
  options.header_timeout = 300ms;
  ThreadedServer server(Fixed("never"), options);
  const int fd = Connect(server.port());
  // Slowloris: a byte of the head now and then, never its end.
  ASSERT_TRUE(SendAll(fd, "GET / HTTP/1.1\r\nHost: x\r\n"));
  Received r;
  const auto start = SteadyTime::now();
  for (int i = 0; i < 30 && !r.closed; ++i) {
    if (!SendAll(fd, "X")) break;
    r = Receive(fd, 100ms);
  }
  const auto waited = SteadyTime::now() - start;
  EXPECT_TRUE(r.closed || !SendAll(fd, "X"));
  EXPECT_LT(waited, 2s);
  EXPECT_THAT(r.bytes, Not(HasSubstr("never")));
  ::close(fd);
  EXPECT_EQ(server.Stop().timeouts, 1u);
}

TEST(HttpServerRawTest, AStalledBodyIsDroppedAfterTheBodyTimeout) {
  HttpServerOptions options;
  options.body_timeout = 300ms;
  ThreadedServer server(Fixed("never"), options);
  const int fd = Connect(server.port());
  ASSERT_TRUE(SendAll(fd, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly ten.."));
  const Received r = Receive(fd, 3s);
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(r.bytes, "");
  EXPECT_LT(r.waited, 2s);
  ::close(fd);
  EXPECT_EQ(server.Stop().timeouts, 1u);
}

TEST(HttpServerRawTest, AnIdleKeptAliveConnectionIsClosedAfterTheIdleTimeout) {
  HttpServerOptions options;
  options.idle_timeout = 300ms;
  ThreadedServer server(Fixed("hi"), options);
  const int fd = Connect(server.port());
  ASSERT_TRUE(SendAll(fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_FALSE(Receive(fd, 5s, "hi").closed);
  const Received idle = Receive(fd, 3s);
  EXPECT_TRUE(idle.closed);
  EXPECT_GE(idle.waited, 250ms);
  EXPECT_LT(idle.waited, 2s);
  ::close(fd);
}

TEST(HttpServerRawTest, AnOversizedHeadGets431) {
  HttpServerOptions options;
  options.max_header_bytes = 1024;
  ThreadedServer server(Fixed("never"), options);
  const int fd = Connect(server.port());
  const std::string big(8192, 'a');
  ASSERT_TRUE(SendAll(fd, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\n\r\n"));
  const Received r = Receive(fd, 5s);
  EXPECT_THAT(r.bytes, HasSubstr("HTTP/1.1 431 "));
  EXPECT_TRUE(r.closed);
  ::close(fd);
  EXPECT_EQ(server.Stop().rejected, 1u);
}

TEST(HttpServerRawTest, OversizedBodiesGet413WhateverTheirFraming) {
  HttpServerOptions options;
  options.max_body_bytes = 100;
  ThreadedServer server(Fixed("never"), options);
  const int announced = Connect(server.port());
  ASSERT_TRUE(SendAll(announced, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n"));
  EXPECT_THAT(Receive(announced, 5s).bytes, HasSubstr("HTTP/1.1 413 "));
  ::close(announced);

  const int chunked = Connect(server.port());
  const std::string piece(90, 'b');
  ASSERT_TRUE(
      SendAll(chunked, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5a\r\n" +
                           piece + "\r\n5a\r\n" + piece + "\r\n0\r\n\r\n"));
  EXPECT_THAT(Receive(chunked, 5s).bytes, HasSubstr("HTTP/1.1 413 "));
  ::close(chunked);
}

TEST(HttpServerRawTest, AnUnsupportedTransferEncodingGets501) {
  ThreadedServer server(Fixed("never"));
  const int fd = Connect(server.port());
  ASSERT_TRUE(SendAll(fd, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nxyz"));
  const Received r = Receive(fd, 5s);
  EXPECT_THAT(r.bytes, HasSubstr("HTTP/1.1 501 "));
  EXPECT_TRUE(r.closed);
  ::close(fd);
}

TEST(HttpServerRawTest, GarbageGets400) {
  ThreadedServer server(Fixed("never"));
  const int fd = Connect(server.port());
  ASSERT_TRUE(SendAll(fd, "HELLO THERE\r\n\r\n"));
  EXPECT_THAT(Receive(fd, 5s).bytes, HasSubstr("HTTP/1.1 400 "));
  ::close(fd);
}

TEST(HttpServerRawTest, AClientThatStopsReadingIsDroppedAfterTheWriteTimeout) {
  HttpServerOptions options;
  options.write_timeout = 300ms;
  std::atomic<bool> write_failed{false};
  ThreadedServer server(
      [&](IncomingRequest, ResponseWriter& w) -> Task<void> {
        HttpHeaders headers;
        Ok(co_await w.Start(200, std::move(headers)));
        const std::string piece(64 * 1024, 'z');
        for (int i = 0; i < 4096; ++i) {  // 256 MiB: far more than the socket buffers hold
          const Status s = co_await w.Write(piece);
          if (!s) {
            write_failed = true;
            co_return;
          }
        }
      },
      options);
  const int fd = Connect(server.port());
  ASSERT_TRUE(SendAll(fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  for (int i = 0; i < 50 && !write_failed; ++i) std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(write_failed);
  ::close(fd);
  EXPECT_EQ(server.Stop().timeouts, 1u);
}

TEST(HttpServerRawTest, ConnectionsBeyondTheCapAreRefused) {
  HttpServerOptions options;
  options.max_connections = 1;
  ThreadedServer server(Fixed("hi"), options);
  const int first = Connect(server.port());
  ASSERT_TRUE(SendAll(first, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_THAT(Receive(first, 5s, "hi").bytes, HasSubstr("200 OK"));
  const int second = Connect(server.port());
  EXPECT_TRUE(Receive(second, 5s).closed);
  ::close(second);
  ::close(first);
  EXPECT_EQ(server.Stop().connections_refused, 1u);
}

}  // namespace
}  // namespace agentreplay::net
