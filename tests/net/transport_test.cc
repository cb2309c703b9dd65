// HttpTransport over loopback against the scripted TestServer: streaming delivery, keep-alive,
// and every error reason loopback can produce.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "net/http_transport.h"
#include "net/steady_clock.h"
#include "tests/net/net_test_util.h"
#include "tests/net/test_server.h"

namespace agentreplay::net {
namespace {

using namespace std::chrono_literals;
using testing::CloseConnection;
using testing::Full;
using ::testing::HasSubstr;
using testing::Head;
using testing::Pause;
using testing::ReceivedRequest;
using testing::ResetConnection;
using testing::RunOnLoop;
using testing::Script;
using testing::Stall;
using testing::TestServer;
using testing::Write;

// What a test learns from one exchange.
struct Outcome {
  int status = 0;
  std::optional<Error> error;  // of the response, or of the body
  std::vector<std::string> chunks;
  std::vector<TimePoint> arrivals;  // per chunk, on the test's clock
  TimePoint sent{};
  TimePoint finished{};
  std::string body() const {
    std::string all;
    for (const auto& c : chunks) all += c;
    return all;
  }
};

class TransportTest : public ::testing::Test {
 protected:
  std::unique_ptr<HttpTransport> MakeTransport(HttpTransportOptions options) {
    auto t = HttpTransport::Create(loop_, clock_, std::move(options));
    if (!t) {
      ADD_FAILURE() << t.error();
      return nullptr;
    }
    return std::move(*t);
  }
  std::unique_ptr<HttpTransport> MakeTransport(const std::string& base_url) {
    HttpTransportOptions options;
    options.base_url = base_url;
    return MakeTransport(std::move(options));
  }

  Task<Outcome> Exchange(Transport& transport, HttpRequest request) {
    Outcome out;
    out.sent = clock_.Now();
    HttpResponse response = co_await transport.Send(std::move(request));
    out.status = response.status;
    if (response.error) {
      out.error = response.error;
      out.finished = clock_.Now();
      co_return out;
    }
    for (;;) {
      BodyChunk chunk = co_await response.body->Next();
      if (chunk.error) {
        out.error = chunk.error;
        break;
      }
      if (chunk.end) break;
      out.chunks.push_back(std::move(chunk.bytes));
      out.arrivals.push_back(clock_.Now());
    }
    // After the end or an error, the body keeps saying "end".
    BodyChunk after = co_await response.body->Next();
    EXPECT_TRUE(after.end);
    EXPECT_FALSE(after.error);
    out.finished = clock_.Now();
    co_return out;
  }

  Outcome Get(Transport& transport, std::string target = "/x") {
    auto outcome =
        RunOnLoop(loop_, Exchange(transport, HttpRequest{"GET", std::move(target), {}, {}}));
    return outcome.value_or(Outcome{});
  }

  EventLoop loop_;
  SteadyClock clock_{loop_};
};

TEST_F(TransportTest, StreamedEventsReachTheReaderOneByOneAsTheyArrive) {
  // Four SSE events, 150 ms apart, each written as its own chunk.
  const std::vector<std::string> events = {"data: one\n\n", "data: two\n\n", "data: three\n\n",
                                           "data: four\n\n"};
  TestServer server([&](const ReceivedRequest&) {
    Script s{Write(Head(200, std::nullopt, {{"Content-Type", "text/event-stream"}}))};
    for (size_t i = 0; i < events.size(); ++i) {
      if (i > 0) s.push_back(Pause(150ms));
      s.push_back(Write(testing::Chunk(events[i])));
    }
    s.push_back(Write(testing::LastChunk()));
    return s;
  });
  auto transport = MakeTransport(server.base_url());
  const Outcome out = Get(*transport, "/v1/responses");
  ASSERT_FALSE(out.error) << out.error->reason;
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(out.chunks, events);  // one Next() per event, none merged, none split

  // Each event was in the reader's hands before the server wrote the next one (generous:
  // the gap is 150 ms, and only the order is asserted).
  // The server notes a write's time once the write returns, which can be after the client has
  // read it: wait (briefly) for the last one to be noted.
  auto writes = server.write_times();
  for (int i = 0; i < 100 && writes.size() < events.size() + 2; ++i) {
    std::this_thread::sleep_for(10ms);
    writes = server.write_times();
  }
  ASSERT_EQ(writes.size(), events.size() + 2);  // head, the events, the last chunk
  for (size_t i = 0; i + 1 < out.arrivals.size(); ++i) {
    const TimePoint next_written(
        std::chrono::duration_cast<Duration>(writes[i + 2] - clock_.zero()));
    EXPECT_LT(out.arrivals[i], next_written) << "event " << i << " arrived late";
  }
  // And the stream as a whole took about as long as the server's pauses.
  EXPECT_GE(out.arrivals.back() - out.arrivals.front(), 3 * 150ms - 30ms);
}

TEST_F(TransportTest, KeepAliveReusesOneConnection) {
  TestServer server([](const ReceivedRequest& r) { return Script{Write(Full(200, r.target))}; });
  auto transport = MakeTransport(server.base_url());
  for (const char* target : {"/a", "/b", "/c"}) {
    const Outcome out = Get(*transport, target);
    ASSERT_FALSE(out.error) << out.error->reason;
    EXPECT_EQ(out.body(), target);
  }
  EXPECT_EQ(server.connections_accepted(), 1);
  const auto stats = transport->stats();
  EXPECT_EQ(stats.requests, 3u);
  EXPECT_EQ(stats.connections_opened, 1u);
  EXPECT_EQ(stats.connections_reused, 2u);
  EXPECT_GT(stats.bytes_sent, 0u);
  EXPECT_GT(stats.bytes_received, 3 * 2u);
}

// Package pc off: a client without a pool opens a connection per request and says so.
TEST_F(TransportTest, WithoutIdleConnectionsEveryRequestOpensItsOwn) {
  TestServer server([](const ReceivedRequest& r) { return Script{Write(Full(200, r.target))}; });
  HttpTransportOptions options;
  options.base_url = server.base_url();
  options.max_idle_connections = 0;
  auto transport = MakeTransport(options);
  for (const char* target : {"/a", "/b", "/c"}) {
    const Outcome out = Get(*transport, target);
    ASSERT_FALSE(out.error) << out.error->reason;
    EXPECT_EQ(out.body(), target);
  }
  EXPECT_EQ(server.connections_accepted(), 3);
  const auto stats = transport->stats();
  EXPECT_EQ(stats.connections_opened, 3u);
  EXPECT_EQ(stats.connections_reused, 0u);
  for (const auto& request : server.requests()) {
    EXPECT_EQ(FindHeader(request.headers, "connection").value_or(""), "close");
  }
}

TEST_F(TransportTest, StalePooledConnectionIsReplacedOnce) {
  // The server promises keep-alive, then closes after every answer.
  TestServer server([](const ReceivedRequest&) {
    return Script{Write(Full(200, "ok")), CloseConnection()};
  });
  auto transport = MakeTransport(server.base_url());
  ASSERT_FALSE(Get(*transport).error);
  const Outcome second = Get(*transport);
  ASSERT_FALSE(second.error) << second.error->reason;
  EXPECT_EQ(second.body(), "ok");
  const auto stats = transport->stats();
  EXPECT_EQ(stats.connections_opened, 2u);
  EXPECT_EQ(stats.stale_retries, 1u);
  EXPECT_EQ(server.requests().size(), 2u);  // the stale attempt never reached the server
}

TEST_F(TransportTest, DefaultHeadersGoOnEveryRequestAndTheRequestWins) {
  TestServer server([](const ReceivedRequest&) { return Script{Write(Full(200, "{}"))}; });
  HttpTransportOptions options;
  options.base_url = server.base_url() + "/prefix";
  options.api_key = "sk-test";
  options.user_agent = "agentreplay-test/1";
  options.extra_headers = {{"OpenAI-Beta", "assistants=v2"}, {"X-Mine", "default"}};
  auto transport = MakeTransport(std::move(options));
  auto body = [&]() -> Task<Outcome> {
    return Exchange(*transport,
                    HttpRequest{"POST", "/v1/responses", {{"X-Mine", "request"}}, "{\"a\":1}"});
  };
  auto out = RunOnLoop(loop_, body());
  ASSERT_TRUE(out);
  ASSERT_FALSE(out->error);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  const ReceivedRequest& r = requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/prefix/v1/responses");
  EXPECT_EQ(r.body, "{\"a\":1}");
  EXPECT_EQ(FindHeader(r.headers, "authorization"), "Bearer sk-test");
  EXPECT_EQ(FindHeader(r.headers, "user-agent"), "agentreplay-test/1");
  EXPECT_EQ(FindHeader(r.headers, "openai-beta"), "assistants=v2");
  EXPECT_EQ(FindHeader(r.headers, "x-mine"), "request");
  EXPECT_EQ(FindHeader(r.headers, "host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(FindHeader(r.headers, "content-length"), "7");
}

TEST_F(TransportTest, ErrorStatusIsAnAnswerNotAnError) {
  TestServer server([](const ReceivedRequest&) {
    return Script{Write(Full(429, "{\"error\":{}}", {{"Retry-After", "1"}}))};
  });
  auto transport = MakeTransport(server.base_url());
  const Outcome out = Get(*transport);
  EXPECT_FALSE(out.error);
  EXPECT_EQ(out.status, 429);
  EXPECT_EQ(out.body(), "{\"error\":{}}");
}

// A port nobody listens on: bind one, note it, close it.
uint16_t ClosedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

TEST_F(TransportTest, RefusedConnection) {
  auto transport = MakeTransport("http://127.0.0.1:" + std::to_string(ClosedPort()));
  const Outcome out = Get(*transport);
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->kind, ErrorKind::kTransport);
  EXPECT_EQ(out.error->reason, "connection_refused");
  EXPECT_EQ(transport->stats().connections_opened, 0u);
}

TEST_F(TransportTest, ClosedBeforeAnyResponseByte) {
  TestServer server([](const ReceivedRequest&) { return Script{CloseConnection()}; });
  auto transport = MakeTransport(server.base_url());
  const Outcome out = Get(*transport);
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->kind, ErrorKind::kTransport);
  EXPECT_EQ(out.error->reason, "connection_closed");
  EXPECT_EQ(server.requests().size(), 1u);  // a fresh connection is not retried
}

TEST_F(TransportTest, ResetBeforeHeaders) {
  TestServer server([](const ReceivedRequest&) { return Script{ResetConnection()}; });
  auto transport = MakeTransport(server.base_url());
  const Outcome out = Get(*transport);
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->kind, ErrorKind::kTransport);
  EXPECT_EQ(out.error->reason, "connection_reset");
}

TEST_F(TransportTest, ResetMidBody) {
  TestServer server([](const ReceivedRequest&) {
    return Script{Write(Head(200, std::nullopt) + testing::Chunk("data: a\n\n")), Pause(20ms),
                  ResetConnection()};
  });
  auto transport = MakeTransport(server.base_url());
  const Outcome out = Get(*transport);
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(out.body(), "data: a\n\n");
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->reason, "connection_reset");
}

TEST_F(TransportTest, BytesThatAreNotHttpAreMalformed) {
  TestServer server([](const ReceivedRequest&) {
    return Script{Write("\x16\x03 this is not HTTP at all\r\n\r\n"), CloseConnection()};
  });
  auto transport = MakeTransport(server.base_url());
  const Outcome out = Get(*transport);
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->kind, ErrorKind::kProtocol);
  EXPECT_EQ(out.error->reason, "malformed_http");
}

TEST_F(TransportTest, BrokenChunkFramingIsMalformed) {
  TestServer server([](const ReceivedRequest&) {
    return Script{Write(Head(200, std::nullopt) + testing::Chunk("data: a\n\n")), Pause(20ms),
                  Write("zz-not-a-chunk-size\r\n"), CloseConnection()};
  });
  auto transport = MakeTransport(server.base_url());
  const Outcome out = Get(*transport);
  EXPECT_EQ(out.body(), "data: a\n\n");
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->kind, ErrorKind::kProtocol);
  EXPECT_EQ(out.error->reason, "malformed_http");
}

TEST_F(TransportTest, ClosedMidBodyIsTruncated) {
  TestServer server([](const ReceivedRequest&) {
    return Script{Write(Head(200, 100) + "only ten.."), Pause(20ms), CloseConnection()};
  });
  auto transport = MakeTransport(server.base_url());
  const Outcome out = Get(*transport);
  EXPECT_EQ(out.body(), "only ten..") << (out.error ? out.error->message : "");
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->kind, ErrorKind::kTransport);
  EXPECT_EQ(out.error->reason, "body_truncated");
}

TEST_F(TransportTest, StallBeforeHeadersIsAReadTimeout) {
  TestServer server([](const ReceivedRequest&) { return Script{Stall()}; });
  HttpTransportOptions options;
  options.base_url = server.base_url();
  options.read_timeout = 200ms;
  auto transport = MakeTransport(std::move(options));
  const Outcome out = Get(*transport);
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->kind, ErrorKind::kTimeout);
  EXPECT_EQ(out.error->reason, "read_timeout");
  EXPECT_GE(out.finished - out.sent, 200ms);
}

TEST_F(TransportTest, StallMidBodyIsAReadTimeoutAndTheConnectionIsNotReused) {
  TestServer server([](const ReceivedRequest& r) {
    if (r.target == "/ok") return Script{Write(Full(200, "fine"))};
    return Script{Write(Head(200, std::nullopt) + testing::Chunk("data: a\n\n")), Stall()};
  });
  HttpTransportOptions options;
  options.base_url = server.base_url();
  options.read_timeout = 200ms;
  auto transport = MakeTransport(std::move(options));
  const Outcome out = Get(*transport, "/stall");
  EXPECT_EQ(out.body(), "data: a\n\n");
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->kind, ErrorKind::kTimeout);
  EXPECT_EQ(out.error->reason, "read_timeout");
  // Idle time counts from the last piece, not from the request.
  EXPECT_GE(out.finished - out.arrivals.front(), 200ms);

  EXPECT_EQ(Get(*transport, "/ok").body(), "fine");
  EXPECT_EQ(transport->stats().connections_opened, 2u);
}

TEST_F(TransportTest, SlowTrickleHitsTheTotalTimeout) {
  // Never idle for long, but never done: only the total limit ends it.
  TestServer server([](const ReceivedRequest&) {
    Script s{Write(Head(200, std::nullopt))};
    for (int i = 0; i < 100; ++i) {
      s.push_back(Write(testing::Chunk("data: tick\n\n")));
      s.push_back(Pause(50ms));
    }
    return s;
  });
  HttpTransportOptions options;
  options.base_url = server.base_url();
  options.read_timeout = 2s;
  options.total_timeout = 400ms;
  auto transport = MakeTransport(std::move(options));
  const Outcome out = Get(*transport);
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->kind, ErrorKind::kTimeout);
  EXPECT_EQ(out.error->reason, "total_timeout");
  EXPECT_GE(out.finished - out.sent, 400ms);
  EXPECT_LT(out.finished - out.sent, 4s);  // generous: the trickle would run for 5 s
  EXPECT_FALSE(out.chunks.empty());
}

TEST_F(TransportTest, BodyDroppedBeforeItsEndClosesItsConnection) {
  TestServer server([](const ReceivedRequest& r) {
    if (r.target == "/ok") return Script{Write(Full(200, "fine"))};
    return Script{Write(Head(200, std::nullopt) + testing::Chunk("data: a\n\n")), Pause(100ms),
                  Write(testing::Chunk("data: b\n\n") + testing::LastChunk())};
  });
  auto transport = MakeTransport(server.base_url());
  auto first_piece_only = [&]() -> Task<std::string> {
    HttpRequest request{"GET", "/stream", {}, {}};  // named: see the GCC 12 note in task.h
    HttpResponse response = co_await transport->Send(std::move(request));
    BodyChunk chunk = co_await response.body->Next();
    co_return chunk.bytes;  // the body goes here, mid-stream
  };
  EXPECT_EQ(RunOnLoop(loop_, first_piece_only()), "data: a\n\n");
  EXPECT_EQ(Get(*transport, "/ok").body(), "fine");
  EXPECT_EQ(transport->stats().connections_opened, 2u);
  EXPECT_EQ(server.connections_accepted(), 2);
}

TEST_F(TransportTest, ABodyWhoseEndCameWithItsLastPieceIsPooledWhenDroppedThere) {
  // The API (and the mock) write the terminator with the last event; a reader that stops at
  // that event (its stream's terminal event) has still read the body to its end.
  TestServer server([](const ReceivedRequest& r) {
    if (r.target == "/ok") return Script{Write(Full(200, "fine"))};
    return Script{Write(Head(200, std::nullopt) + testing::Chunk("data: a\n\n")), Pause(50ms),
                  Write(testing::Chunk("data: b\n\n") + testing::Chunk("data: c\n\n") +
                        testing::LastChunk())};
  });
  auto transport = MakeTransport(server.base_url());
  auto up_to_the_last_piece = [&]() -> Task<std::string> {
    HttpRequest request{"GET", "/stream", {}, {}};  // named: see the GCC 12 note in task.h
    HttpResponse response = co_await transport->Send(std::move(request));
    std::string got = (co_await response.body->Next()).bytes;
    got += (co_await response.body->Next()).bytes;
    co_return got;  // the body goes here, before its end was asked for
  };
  // Both chunks of the second write in one piece: the read parsed all it brought.
  EXPECT_EQ(RunOnLoop(loop_, up_to_the_last_piece()), "data: a\n\ndata: b\n\ndata: c\n\n");
  EXPECT_EQ(Get(*transport, "/ok").body(), "fine");
  EXPECT_EQ(transport->stats().connections_opened, 1u);
  EXPECT_EQ(transport->stats().connections_reused, 1u);
  EXPECT_EQ(server.connections_accepted(), 1);
}

TEST_F(TransportTest, ConcurrentRequestsUseSeparateConnections) {
  TestServer server([](const ReceivedRequest& r) {
    return Script{Pause(50ms), Write(Full(200, r.target))};
  });
  auto transport = MakeTransport(server.base_url());
  auto both = [&]() -> Task<std::vector<Outcome>> {
    std::vector<Task<Outcome>> tasks;
    tasks.push_back(Exchange(*transport, HttpRequest{"GET", "/1", {}, {}}));
    tasks.push_back(Exchange(*transport, HttpRequest{"GET", "/2", {}, {}}));
    co_return co_await WhenAll(std::move(tasks));
  };
  auto outs = RunOnLoop(loop_, both());
  ASSERT_TRUE(outs);
  EXPECT_EQ((*outs)[0].body(), "/1");
  EXPECT_EQ((*outs)[1].body(), "/2");
  EXPECT_EQ(transport->stats().connections_opened, 2u);
  // Both went back to the pool: two more requests open nothing new.
  Get(*transport);
  Get(*transport);
  EXPECT_EQ(transport->stats().connections_opened, 2u);
}

TEST_F(TransportTest, BadBaseUrlIsRejectedAtCreation) {
  HttpTransportOptions options;
  options.base_url = "ftp://example";
  const auto transport = HttpTransport::Create(loop_, clock_, options);
  ASSERT_FALSE(transport);
  EXPECT_THAT(transport.error(), HasSubstr("scheme"));
}

}  // namespace
}  // namespace agentreplay::net
