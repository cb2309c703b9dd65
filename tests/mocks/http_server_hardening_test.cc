// The mock HTTP server against hostile and old clients, over raw loopback sockets: requests
// that never finish arriving, idle and unread connections, oversized heads and bodies, framing
// the server would misread, and HTTP/1.0 (sessions without end: http_server_sessions_test.cc).
// Timeouts are configured short; the upper bounds on waiting are generous, for a shared and
// noisy machine.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "mocks/api/openai_error.h"
#include "mocks/server/http_server.h"
#include "tests/mocks/raw_socket.h"

namespace agentreplay::mocks {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;
using raw::Connect;
using raw::Count;
using raw::Receive;
using raw::Received;
using raw::ReceiveOne;
using raw::SendAll;

MockResponse Json(std::string body) {
  MockResponse r;
  r.headers = StandardHeaders("application/json", "req_crafted", 1ms);
  r.chunks.push_back({0ms, std::move(body)});
  return r;
}

MockResponse Sse(const std::vector<std::string>& events) {
  MockResponse r;
  r.headers = StandardHeaders("text/event-stream; charset=utf-8", "req_crafted", 1ms);
  int ms = 0;
  for (const auto& event : events) r.chunks.push_back({std::chrono::milliseconds(ms += 5), event});
  return r;
}

// A server answering every request with `response`, counting the requests it was handed.
struct Crafted {
  std::shared_ptr<std::atomic<int>> requests = std::make_shared<std::atomic<int>>(0);
  std::unique_ptr<MockServer> server;
};

Crafted Serve(MockResponse response, MockServerOptions options = {}) {
  Crafted out;
  options.handler = [response, requests = out.requests](std::string_view, const HttpRequest&,
                                                        TimePoint) {
    ++*requests;
    return response;
  };
  out.server = MockServer::Start(std::move(options));
  EXPECT_NE(out.server, nullptr);
  return out;
}

// ---- timeouts -------------------------------------------------------------------------------

TEST(MockServerHardeningTest, AStalledHeadIsDroppedAfterTheHeaderTimeout) {
  MockServerOptions options;
  options.header_timeout = 300ms;
  auto crafted = Serve(Json("{}"), options);
  const int fd = Connect(crafted.server->port());
  // Slowloris: a byte of the head now and then, never its end.
  ASSERT_TRUE(SendAll(fd, "POST /v1/responses HTTP/1.1\r\nhost: x\r\n"));
  Received r;
  const auto start = SteadyClock::now();
  for (int i = 0; i < 50 && !r.closed; ++i) {
    if (!SendAll(fd, "X")) break;
    r = Receive(fd, 100ms);
  }
  EXPECT_LT(SteadyClock::now() - start, 4s);
  EXPECT_TRUE(r.closed || !SendAll(fd, "X"));
  EXPECT_EQ(*crafted.requests, 0);
  ::close(fd);
  EXPECT_EQ(crafted.server->stats().timeouts, 1u);
}

TEST(MockServerHardeningTest, ABodyThatStallsIsDroppedAfterTheBodyTimeout) {
  MockServerOptions options;
  options.body_timeout = 300ms;
  auto crafted = Serve(Json("{}"), options);
  const int fd = Connect(crafted.server->port());
  // Promises 1,000 bytes, sends 2.
  ASSERT_TRUE(
      SendAll(fd, "POST /v1/responses HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\n{}"));
  const Received r = Receive(fd, 5s);
  EXPECT_TRUE(r.closed);
  EXPECT_GE(r.waited, 250ms);
  EXPECT_LT(r.waited, 4s);
  // A 408 when the socket still took it; never an answer from the mock.
  if (!r.bytes.empty()) {
    EXPECT_EQ(r.bytes.rfind("HTTP/1.1 408 ", 0), 0u) << r.bytes;
  }
  EXPECT_EQ(*crafted.requests, 0);
  ::close(fd);
  EXPECT_EQ(crafted.server->stats().timeouts, 1u);
}

TEST(MockServerHardeningTest, AnIdleConnectionIsClosedAfterTheIdleTimeout) {
  MockServerOptions options;
  options.idle_timeout = 300ms;
  auto crafted = Serve(Json("{\"ok\":true}"), options);
  const int kept = Connect(crafted.server->port());
  ASSERT_TRUE(SendAll(kept, "GET /v1/models HTTP/1.1\r\nhost: x\r\n\r\n"));
  EXPECT_FALSE(Receive(kept, 5s, "{\"ok\":true}").closed);  // kept alive, then idle
  const Received idle = Receive(kept, 5s);
  EXPECT_TRUE(idle.closed);
  EXPECT_GE(idle.waited, 250ms);
  EXPECT_LT(idle.waited, 4s);
  // A connection that never sends its first request goes the same way.
  const int silent = Connect(crafted.server->port());
  EXPECT_TRUE(Receive(silent, 5s).closed);
  ::close(kept);
  ::close(silent);
  EXPECT_EQ(crafted.server->stats().timeouts, 2u);
}

TEST(MockServerHardeningTest, AClientThatStopsReadingIsDroppedAfterTheWriteTimeout) {
  MockServerOptions options;
  options.write_timeout = 300ms;
  // Far more than the loopback socket buffers hold.
  auto crafted = Serve(Json(std::string(size_t{48} << 20, 'z')), options);
  const int fd = Connect(crafted.server->port());
  ASSERT_TRUE(SendAll(fd, "GET /v1/models HTTP/1.1\r\nhost: x\r\n\r\n"));
  for (int i = 0; i < 100 && crafted.server->stats().timeouts == 0; ++i) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(crafted.server->stats().timeouts, 1u);
  for (int i = 0; i < 100 && crafted.server->connections_open() > 0; ++i) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(crafted.server->connections_open(), 0u);
  ::close(fd);
}

// ---- sizes and connections ------------------------------------------------------------------

TEST(MockServerHardeningTest, AnOversizedHeadGets431) {
  MockServerOptions options;
  options.max_header_bytes = 1024;
  auto crafted = Serve(Json("{}"), options);
  const int fd = Connect(crafted.server->port());
  ASSERT_TRUE(SendAll(
      fd, "GET /v1/models HTTP/1.1\r\nhost: x\r\nx-big: " + std::string(4096, 'a') + "\r\n\r\n"));
  const Received r = Receive(fd, 5s);
  EXPECT_EQ(r.bytes.rfind("HTTP/1.1 431 ", 0), 0u) << r.bytes;
  EXPECT_NE(r.bytes.find("\"error\""), std::string::npos);  // the API's error body
  EXPECT_TRUE(r.closed);
  ::close(fd);
  EXPECT_EQ(crafted.server->stats().rejected, 1u);
}

TEST(MockServerHardeningTest, AnOversizedBodyGets413WithoutBeingRead) {
  MockServerOptions options;
  options.max_body_bytes = 1000;
  auto crafted = Serve(Json("{}"), options);
  // Announced: refused from the head alone, the body never sent.
  const int announced = Connect(crafted.server->port());
  ASSERT_TRUE(SendAll(announced,
                      "POST /v1/responses HTTP/1.1\r\nhost: x\r\ncontent-length: 1000000\r\n\r\n"));
  const Received r = Receive(announced, 5s);
  EXPECT_EQ(r.bytes.rfind("HTTP/1.1 413 ", 0), 0u) << r.bytes;
  EXPECT_TRUE(r.closed);
  ::close(announced);
  // Chunked: refused once the chunks pass the limit.
  const int chunked = Connect(crafted.server->port());
  const std::string piece(600, 'b');
  ASSERT_TRUE(SendAll(chunked,
                      "POST /v1/responses HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n"
                      "258\r\n" +
                          piece + "\r\n258\r\n" + piece + "\r\n0\r\n\r\n"));
  EXPECT_EQ(Receive(chunked, 5s).bytes.rfind("HTTP/1.1 413 ", 0), 0u);
  ::close(chunked);
  EXPECT_EQ(*crafted.requests, 0);
}

TEST(MockServerHardeningTest, ConnectionsBeyondTheCapAreClosedAtOnce) {
  MockServerOptions options;
  options.max_connections = 1;
  auto crafted = Serve(Json("{\"ok\":true}"), options);
  const int first = Connect(crafted.server->port());
  ASSERT_TRUE(SendAll(first, "GET /v1/models HTTP/1.1\r\nhost: x\r\n\r\n"));
  EXPECT_NE(Receive(first, 5s, "{\"ok\":true}").bytes.find("200 OK"), std::string::npos);
  const int second = Connect(crafted.server->port());
  const Received refused = Receive(second, 5s);
  EXPECT_TRUE(refused.closed);
  EXPECT_EQ(refused.bytes, "");
  ::close(second);
  ::close(first);
  EXPECT_EQ(crafted.server->stats().connections_refused, 1u);
}

// ---- framing --------------------------------------------------------------------------------

// The body of a request whose coding the server cannot undo must never be read as a request.
TEST(MockServerHardeningTest, AnUnsupportedTransferEncodingGets501AndTheConnectionCloses) {
  for (const std::string coding : {"gzip", "chunked, gzip", "gzip, chunked", "identity", "x", ""}) {
    auto crafted = Serve(Json("{\"ok\":true}"));
    const int fd = Connect(crafted.server->port());
    ASSERT_TRUE(
        SendAll(fd, "POST /v1/responses HTTP/1.1\r\nhost: x\r\ntransfer-encoding: " + coding +
                        "\r\n\r\n"
                        "GET /v1/models HTTP/1.1\r\nhost: x\r\n\r\n"));
    const Received r = Receive(fd, 5s);
    EXPECT_EQ(r.bytes.rfind("HTTP/1.1 501 ", 0), 0u) << coding << ": " << r.bytes;
    EXPECT_EQ(Count(r.bytes, "HTTP/1.1 "), 1u) << coding << ": " << r.bytes;
    EXPECT_TRUE(r.closed) << coding;
    EXPECT_EQ(*crafted.requests, 0) << coding;
    ::close(fd);
  }
}

TEST(MockServerHardeningTest, ContentLengthWithTransferEncodingGets400) {
  for (const std::string headers : {"transfer-encoding: chunked\r\ncontent-length: 5\r\n",
                                    "content-length: 5\r\ntransfer-encoding: chunked\r\n",
                                    "transfer-encoding: gzip\r\ncontent-length: 5\r\n"}) {
    auto crafted = Serve(Json("{\"ok\":true}"));
    const int fd = Connect(crafted.server->port());
    ASSERT_TRUE(SendAll(fd, "POST /v1/responses HTTP/1.1\r\nhost: x\r\n" + headers +
                                "\r\n5\r\nhello\r\n0\r\n\r\n"));
    const Received r = Receive(fd, 5s);
    EXPECT_EQ(r.bytes.rfind("HTTP/1.1 400 ", 0), 0u) << headers << r.bytes;
    EXPECT_EQ(Count(r.bytes, "HTTP/1.1 "), 1u) << headers << r.bytes;
    EXPECT_TRUE(r.closed) << headers;
    EXPECT_EQ(*crafted.requests, 0) << headers;
    ::close(fd);
  }
}

// curl waits for permission before it sends a body over 1 KiB.
TEST(MockServerHardeningTest, ExpectContinueGetsA100BeforeTheBody) {
  auto crafted = Serve(Json("{\"ok\":true}"));
  const int fd = Connect(crafted.server->port());
  ASSERT_TRUE(SendAll(fd,
                      "POST /v1/responses HTTP/1.1\r\nhost: x\r\nexpect: 100-continue\r\n"
                      "content-length: 2\r\n\r\n"));
  EXPECT_EQ(Receive(fd, 5s, "\r\n\r\n").bytes, "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(SendAll(fd, "{}"));
  EXPECT_EQ(ReceiveOne(fd).bytes.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_EQ(*crafted.requests, 1);
  ::close(fd);
}

TEST(MockServerHardeningTest, Http10GetsAStreamWithoutChunkedFramingEndedByTheClose) {
  auto crafted = Serve(Sse({"data: one\n\n", "data: two\n\n"}));
  const int fd = Connect(crafted.server->port());
  ASSERT_TRUE(SendAll(fd, "POST /v1/responses HTTP/1.0\r\ncontent-length: 2\r\n\r\n{}"));
  const Received r = Receive(fd, 5s);
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(r.bytes.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r.bytes;
  EXPECT_EQ(r.bytes.find("transfer-encoding"), std::string::npos) << r.bytes;
  EXPECT_EQ(r.bytes.find("content-length"), std::string::npos) << r.bytes;
  EXPECT_NE(r.bytes.find("\r\nconnection: close\r\n"), std::string::npos) << r.bytes;
  EXPECT_TRUE(r.bytes.ends_with("\r\n\r\ndata: one\n\ndata: two\n\n")) << r.bytes;
  ::close(fd);
}

TEST(MockServerHardeningTest, Http10KeepAliveIsAnsweredSoAndHonoured) {
  auto crafted = Serve(Json("{\"ok\":true}"));
  const int fd = Connect(crafted.server->port());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(SendAll(fd, "GET /v1/models HTTP/1.0\r\nconnection: keep-alive\r\n\r\n"));
    const Received r = ReceiveOne(fd);
    EXPECT_NE(r.bytes.find("\r\nconnection: keep-alive\r\n"), std::string::npos) << r.bytes;
    EXPECT_NE(r.bytes.find("\r\ncontent-length: 11\r\n"), std::string::npos) << r.bytes;
    EXPECT_FALSE(r.closed);
  }
  // Without keep-alive an HTTP/1.0 answer ends with the connection.
  ASSERT_TRUE(SendAll(fd, "GET /v1/models HTTP/1.0\r\n\r\n"));
  const Received last = Receive(fd, 5s);
  EXPECT_NE(last.bytes.find("\r\nconnection: close\r\n"), std::string::npos) << last.bytes;
  EXPECT_TRUE(last.closed);
  ::close(fd);
  EXPECT_EQ(crafted.server->connections_accepted(), 1u);
}

}  // namespace
}  // namespace agentreplay::mocks
