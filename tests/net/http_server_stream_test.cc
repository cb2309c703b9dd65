// HttpServer with the project's own client (HttpTransport) on the same loop: streamed answers
// reach the client piece by piece while the handler is still writing, keep-alive, the answers
// the server gives for a handler that does not, and a relay (server + client transport, what
// the recording proxy is made of) measured against a direct connection.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "net/http_server.h"
#include "net/http_transport.h"
#include "net/steady_clock.h"
#include "tests/net/test_server.h"

namespace agentreplay::net {
namespace {

using namespace std::chrono_literals;

// The handlers' own writes must succeed in these tests.
void Ok(const Status& s) { EXPECT_TRUE(s) << s.error(); }

// Runs `task` on `loop` until it finishes (RunOnLoop would also wait for the loop to run out
// of work, which a listening server never does).
template <typename T>
std::optional<T> RunOnLoop(EventLoop& loop, Task<T> task) {
  std::optional<T> result;
  bool done = false;
  Spawn([](Task<T> t, std::optional<T>& out) -> Task<void> { out.emplace(co_await t); }(
                                                 std::move(task), result),
        [&](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
          done = true;
        });
  loop.RunUntil(done);
  EXPECT_TRUE(done) << "the loop ran out of work before the task finished";
  return result;
}

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServer& Serve(HttpHandler handler, HttpServerOptions options = {}) {
    auto started = HttpServer::Start(loop_, clock_, "127.0.0.1", 0, std::move(handler), options);
    if (!started) throw std::runtime_error(started.error());
    server_ = std::move(*started);
    return *server_;
  }
  std::unique_ptr<HttpTransport> Client(const std::string& base_url) {
    HttpTransportOptions options;
    options.base_url = base_url;
    options.read_timeout = 5s;
    auto t = HttpTransport::Create(loop_, clock_, options);
    if (!t) throw std::runtime_error(t.error());
    return std::move(*t);
  }
  void TearDown() override {
    if (server_) server_->Stop();
    loop_.Run();  // let the connections' coroutines end
  }

  EventLoop loop_;
  SteadyClock clock_{loop_};
  std::unique_ptr<HttpServer> server_;
};

struct Got {
  int status = 0;
  std::optional<Error> error;
  std::string body;
  std::vector<std::string> pieces;
};

Task<Got> Fetch(Transport& t, HttpRequest request) {
  Got got;
  HttpResponse r = co_await t.Send(std::move(request));
  if (r.error) {
    got.error = r.error;
    co_return got;
  }
  got.status = r.status;
  for (;;) {
    BodyChunk c = co_await r.body->Next();
    got.body += c.bytes;
    if (!c.bytes.empty()) got.pieces.push_back(c.bytes);
    if (c.error) got.error = c.error;
    if (c.error || c.end) break;
  }
  co_return got;
}

HttpRequest Get(std::string target = "/") { return HttpRequest{"GET", std::move(target), {}, {}}; }

TEST_F(HttpServerTest, EachWriteReachesTheClientBeforeTheNextIsWritten) {
  bool client_saw_first = false;
  bool handler_waited_in_vain = false;
  Serve([&](IncomingRequest, ResponseWriter& w) -> Task<void> {
    HttpHeaders headers = {{"Content-Type", "text/event-stream"}};
    Ok(co_await w.Start(200, std::move(headers)));
    Ok(co_await w.Write("data: first\n\n"));
    // The second piece waits until the client has the first: a server that held the first
    // back (coalescing, buffering until more comes) would never get here in time.
    for (int i = 0; i < 200 && !client_saw_first; ++i) co_await clock_.Sleep(5ms);
    handler_waited_in_vain = !client_saw_first;
    Ok(co_await w.Write("data: second\n\n"));
  });
  auto client = Client(server_->origin());
  auto run = [&]() -> Task<std::vector<std::string>> {
    std::vector<std::string> pieces;
    HttpRequest request = Get("/stream");
    HttpResponse r = co_await client->Send(std::move(request));
    for (;;) {
      BodyChunk c = co_await r.body->Next();
      if (!c.bytes.empty()) {
        pieces.push_back(c.bytes);
        client_saw_first = true;
      }
      if (c.end || c.error) break;
    }
    co_return pieces;
  };
  const auto pieces = RunOnLoop(loop_, run());
  ASSERT_TRUE(pieces);
  EXPECT_FALSE(handler_waited_in_vain);
  EXPECT_EQ(*pieces, (std::vector<std::string>{"data: first\n\n", "data: second\n\n"}));
}

TEST_F(HttpServerTest, KeepAliveCarriesRequestsOnOneConnection) {
  std::vector<std::string> seen;
  Serve([&](IncomingRequest request, ResponseWriter& w) -> Task<void> {
    seen.push_back(request.method + " " + request.target + " " + request.body);
    const std::string body = "ok " + request.target;
    HttpHeaders headers = {{"Content-Length", std::to_string(body.size())}};
    Ok(co_await w.Start(200, std::move(headers)));
    Ok(co_await w.Write(body));
    Ok(co_await w.Finish());
  });
  auto client = Client(server_->origin());
  auto run = [&]() -> Task<std::vector<Got>> {
    std::vector<Got> out;
    for (int i = 0; i < 3; ++i) {
      HttpRequest post{"POST", "/n" + std::to_string(i), {}, "body" + std::to_string(i)};
      out.push_back(co_await Fetch(*client, std::move(post)));
    }
    co_return out;
  };
  const auto got = RunOnLoop(loop_, run());
  ASSERT_TRUE(got);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ((*got)[i].body, "ok /n" + std::to_string(i));
  EXPECT_EQ(seen, (std::vector<std::string>{"POST /n0 body0", "POST /n1 body1", "POST /n2 body2"}));
  EXPECT_EQ(client->stats().connections_opened, 1u);
  EXPECT_EQ(client->stats().connections_reused, 2u);
  EXPECT_EQ(server_->stats().connections_accepted, 1u);
  EXPECT_EQ(server_->stats().requests, 3u);
}

TEST_F(HttpServerTest, AHandlerThatDoesNotAnswerOrThrowsGives500) {
  Serve([](IncomingRequest request, ResponseWriter&) -> Task<void> {
    if (request.target == "/throw") throw std::runtime_error("boom");
    co_return;
  });
  auto client = Client(server_->origin());
  auto silent = RunOnLoop(loop_, Fetch(*client, Get("/silent")));
  auto thrown = RunOnLoop(loop_, Fetch(*client, Get("/throw")));
  ASSERT_TRUE(silent && thrown);
  EXPECT_EQ(silent->status, 500);
  EXPECT_EQ(thrown->status, 500);
}

TEST_F(HttpServerTest, AnUnfinishedAnswerIsFinishedAndAnAbortedOneIsTruncated) {
  Serve([](IncomingRequest request, ResponseWriter& w) -> Task<void> {
    HttpHeaders headers;
    Ok(co_await w.Start(200, std::move(headers)));
    Ok(co_await w.Write("partial"));
    if (request.target == "/abort") w.Abort();
  });
  auto client = Client(server_->origin());
  auto unfinished = RunOnLoop(loop_, Fetch(*client, Get("/unfinished")));
  auto aborted = RunOnLoop(loop_, Fetch(*client, Get("/abort")));
  ASSERT_TRUE(unfinished && aborted);
  EXPECT_FALSE(unfinished->error);
  EXPECT_EQ(unfinished->body, "partial");
  ASSERT_TRUE(aborted->error);
  EXPECT_EQ(aborted->error->reason, "body_truncated");
  EXPECT_EQ(aborted->body, "partial");
}

TEST_F(HttpServerTest, StopAcceptingLetsTheAnswerInProgressFinish) {
  bool release = false;
  HttpServer& server = Serve([&](IncomingRequest, ResponseWriter& w) -> Task<void> {
    HttpHeaders headers;
    Ok(co_await w.Start(200, std::move(headers)));
    Ok(co_await w.Write("a"));
    while (!release) co_await clock_.Sleep(5ms);
    Ok(co_await w.Write("b"));
  });
  auto client = Client(server.origin());
  auto run = [&]() -> Task<Got> {
    Got got;
    HttpRequest request = Get();
    HttpResponse r = co_await client->Send(std::move(request));
    BodyChunk first = co_await r.body->Next();
    got.body += first.bytes;
    server.StopAccepting();  // mid-answer
    EXPECT_EQ(server.active_requests(), 1u);
    release = true;
    BodyChunk rest = co_await ReadAll(*r.body);
    got.body += rest.bytes;
    if (rest.error) got.error = rest.error;
    co_return got;
  };
  const auto got = RunOnLoop(loop_, run());
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->error);
  EXPECT_EQ(got->body, "ab");
  // The client can hold the whole answer before the server's last write has completed on
  // its side (the end travels with the last piece): let the server's side catch up.
  loop_.RunUntil([&] { return server.active_requests() == 0 && server.open_connections() == 0; });
  EXPECT_EQ(server.active_requests(), 0u);
  EXPECT_EQ(server.open_connections(), 0u);  // closed after its answer
}

// ---- a relay, as the recording proxy builds one ----

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Every piece is relayed, and the delay the relay adds is measured and reported (on an idle
// machine well under a millisecond per piece). It is a figure, not a bound: the machines that
// run the tests are shared, and that each write reaches the client before the next one is made
// is asserted causally above.
TEST_F(HttpServerTest, ARelayPassesEveryPieceOnAndReportsTheDelayItAdds) {
  constexpr int kPieces = 20;
  testing::TestServer upstream([](const testing::ReceivedRequest&) {
    testing::Script s{testing::Write(testing::Head(200, std::nullopt))};
    for (int i = 0; i < kPieces; ++i) {
      s.push_back(testing::Pause(50ms));
      s.push_back(testing::Write(testing::Chunk("data: piece " + std::to_string(i) + "\n\n")));
    }
    s.push_back(testing::Write(testing::LastChunk()));
    return s;
  });
  auto to_upstream = Client(upstream.base_url());
  Serve([&](IncomingRequest request, ResponseWriter& w) -> Task<void> {
    HttpRequest forward{request.method, request.target, {}, request.body};
    HttpResponse r = co_await to_upstream->Send(std::move(forward));
    HttpHeaders headers = WithoutHopByHopHeaders(r.headers);
    Ok(co_await w.Start(r.status, std::move(headers)));
    for (;;) {
      BodyChunk c = co_await r.body->Next();
      if (!c.bytes.empty() && !(co_await w.Write(c.bytes))) co_return;
      if (c.end || c.error) break;
    }
  });
  // Arrival of each piece minus when the upstream finished writing it, on one steady clock.
  // The upstream writes each answer as a head, kPieces pieces and the last chunk. It notes a
  // write's time after the write, so the notes of a request may still be incomplete when its
  // client has seen everything: a request's pieces are found by its index, not by counting.
  auto delays = [&](Transport& t, size_t request_index) -> Task<std::vector<double>> {
    std::vector<std::chrono::steady_clock::time_point> arrivals;
    const size_t first = request_index * (kPieces + 2) + 1;
    HttpRequest request = Get("/stream");
    HttpResponse r = co_await t.Send(std::move(request));
    for (;;) {
      BodyChunk c = co_await r.body->Next();
      if (!c.bytes.empty()) arrivals.push_back(std::chrono::steady_clock::now());
      if (c.end || c.error) break;
    }
    const auto writes = upstream.write_times();
    std::vector<double> out;
    for (size_t i = 0; i < arrivals.size() && i < kPieces && first + i < writes.size(); ++i) {
      out.push_back(
          std::chrono::duration<double, std::micro>(arrivals[i] - writes[first + i]).count());
    }
    co_return out;
  };
  auto direct = Client(upstream.base_url());
  auto relayed = Client(server_->origin());
  const auto d = RunOnLoop(loop_, delays(*direct, 0));
  const auto r = RunOnLoop(loop_, delays(*relayed, 1));
  ASSERT_TRUE(d && r);
  ASSERT_EQ(d->size(), static_cast<size_t>(kPieces));
  ASSERT_EQ(r->size(), static_cast<size_t>(kPieces));
  const double added = Median(*r) - Median(*d);
  std::printf("relay: median delay direct %.0f us, relayed %.0f us: %.0f us added per piece\n",
              Median(*d), Median(*r), added);
  RecordProperty("added_us_per_piece", std::to_string(added));
}

}  // namespace
}  // namespace agentreplay::net
