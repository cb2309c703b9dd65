// CaptureTransport in virtual time: what it records (offsets, redaction, errors, abandoned and
// flushed bodies), that the caller's pieces pass through unchanged and the sink hears of an
// exchange exactly when its body ends; and, over the simulated world's transport and the mock
// back end, that the recorded offsets are the scenario's timeline to the nanosecond.
#include "harness/recording/capture_transport.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "harness/scenario/scenario_loader.h"
#include "harness/sim/sim_world.h"
#include "mocks/api/mock_backend.h"

namespace agentreplay::harness {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

// A scripted upstream on the simulated clock: the head after `head_after`, then each piece
// `gap` after the previous one, then the end (or an error).
struct Scripted {
  Duration head_after{0};
  int status = 200;
  HttpHeaders headers{};
  std::vector<std::pair<Duration, std::string>> pieces{};  // gap before, bytes
  std::optional<Error> send_error{};                       // no response at all
  std::optional<Error> body_error{};                       // instead of the end
};

class ScriptedUpstream : public Transport {
 public:
  explicit ScriptedUpstream(SimClock& clock) : clock_(clock) {}
  Task<HttpResponse> Send(HttpRequest request) override {
    requests.push_back(request);
    Scripted s = std::move(script.front());
    script.pop_front();
    co_await clock_.Sleep(s.head_after);
    HttpResponse r;
    if (s.send_error) {
      r.error = s.send_error;
      co_return r;
    }
    r.status = s.status;
    r.headers = s.headers;
    r.body = std::make_unique<Body>(clock_, std::move(s));
    co_return r;
  }
  std::deque<Scripted> script;
  std::vector<HttpRequest> requests;

 private:
  class Body : public BodyStream {
   public:
    Body(SimClock& clock, Scripted s) : clock_(clock), s_(std::move(s)) {}
    Task<BodyChunk> Next() override {
      if (next_ < s_.pieces.size()) {
        co_await clock_.Sleep(s_.pieces[next_].first);
        co_return BodyChunk{s_.pieces[next_++].second, false, std::nullopt};
      }
      if (s_.body_error) co_return BodyChunk{{}, false, s_.body_error};
      co_return BodyChunk{{}, true, std::nullopt};
    }

   private:
    SimClock& clock_;
    Scripted s_;
    size_t next_ = 0;
  };
  SimClock& clock_;
};

class CaptureTest : public ::testing::Test {
 protected:
  CaptureTransport& Capture(RedactionRules rules = {}) {
    capture_.emplace(upstream_, clock_, TimePoint(100ms), std::move(rules),
                     [this](mocks::CassetteExchange e) { sunk_.push_back(std::move(e)); });
    return *capture_;
  }
  // Runs `task` in virtual time, starting at 150 ms (50 ms into the recording).
  template <typename T>
  T Run(Task<T> task) {
    std::optional<T> out;
    Spawn(
        [](SimClock& clock, Task<T> t, std::optional<T>& o) -> Task<void> {
          co_await clock.Sleep(150ms - clock.Now().time_since_epoch());
          o.emplace(co_await t);
        }(clock_, std::move(task), out),
        nullptr);
    scheduler_.RunUntilIdle();
    EXPECT_TRUE(out.has_value());
    return std::move(*out);
  }

  SimScheduler scheduler_;
  SimClock clock_{scheduler_};
  ScriptedUpstream upstream_{clock_};
  std::optional<CaptureTransport> capture_;
  std::vector<mocks::CassetteExchange> sunk_;
};

HttpRequest Post(std::string body, HttpHeaders headers = {}) {
  return HttpRequest{"POST", "/v1/responses", std::move(headers), std::move(body)};
}

TEST_F(CaptureTest, RecordsOffsetsAndPassesEveryPieceOnAsItArrives) {
  upstream_.script.push_back(Scripted{
      .head_after = 30ms,
      .status = 200,
      .headers = {{"Content-Type", "text/event-stream"}, {"Transfer-Encoding", "chunked"}},
      .pieces = {{5ms, "data: a\n\n"}, {40ms, "data: b\n\n"}},
  });
  CaptureTransport& capture = Capture();
  auto run = [&]() -> Task<std::vector<std::string>> {
    std::vector<std::string> seen;
    HttpRequest request = Post("{}");
    HttpResponse r = co_await capture.Send(std::move(request));
    for (;;) {
      EXPECT_TRUE(sunk_.empty());  // not before the body's end
      BodyChunk c = co_await r.body->Next();
      if (!c.bytes.empty()) seen.push_back(c.bytes);
      if (c.end) break;
    }
    co_return seen;
  };
  EXPECT_EQ(Run(run()), (std::vector<std::string>{"data: a\n\n", "data: b\n\n"}));
  ASSERT_EQ(sunk_.size(), 1u);
  const mocks::CassetteExchange& e = sunk_[0];
  EXPECT_EQ(e.sent_at, 50ms);
  EXPECT_EQ(e.request.target, "/v1/responses");
  EXPECT_EQ(e.response.status, 200);
  EXPECT_EQ(e.response.headers_at, 30ms);
  ASSERT_EQ(e.response.chunks.size(), 2u);
  EXPECT_EQ(e.response.chunks[0].at, 35ms);
  EXPECT_EQ(e.response.chunks[0].bytes, "data: a\n\n");
  EXPECT_EQ(e.response.chunks[1].at, 75ms);
  EXPECT_EQ(e.response.end_at, 75ms);
  EXPECT_EQ(e.response.error, "");
  // Hop-by-hop headers describe the connection, not the exchange.
  ASSERT_EQ(e.response.headers.size(), 1u);
  EXPECT_EQ(e.response.headers[0].name, "Content-Type");
  EXPECT_EQ(capture.in_flight(), 0u);
  EXPECT_EQ(capture.captured(), 1u);
}

TEST_F(CaptureTest, RedactsTheRecordNotWhatTheCallerSees) {
  const std::string event = "data: {\"type\":\"x\",\"user\":\"alice\"}\n\n";
  upstream_.script.push_back(
      Scripted{.pieces = {{1ms, event.substr(0, 20)}, {1ms, event.substr(20)}}});
  CaptureTransport& capture =
      Capture(RedactionRules{.headers = {"X-Tenant"}, .json_fields = {"user"}});
  auto run = [&]() -> Task<std::string> {
    HttpHeaders headers = {{"Authorization", "Bearer sk-live-0123456789abcdefghijklmn"},
                           {"OpenAI-Organization", "org-secret"},
                           {"X-Tenant", "acme"},
                           {"Content-Type", "application/json"}};
    HttpRequest request = Post(R"({"model":"m","user":"alice"})", headers);
    HttpResponse r = co_await capture.Send(std::move(request));
    BodyChunk all = co_await ReadAll(*r.body);
    co_return all.bytes;
  };
  EXPECT_EQ(Run(run()), event);  // unredacted for the caller
  ASSERT_EQ(upstream_.requests.size(), 1u);
  EXPECT_EQ(upstream_.requests[0].body, R"({"model":"m","user":"alice"})");
  ASSERT_EQ(sunk_.size(), 1u);
  const auto& request = sunk_[0].request;
  EXPECT_EQ(FindHeader(request.headers, "authorization"), "Bearer REDACTED");
  EXPECT_EQ(FindHeader(request.headers, "openai-organization"), "REDACTED");
  EXPECT_EQ(FindHeader(request.headers, "x-tenant"), "REDACTED");
  EXPECT_THAT(request.body, Not(HasSubstr("alice")));
  std::string recorded;
  for (const auto& c : sunk_[0].response.chunks) recorded += c.bytes;
  EXPECT_THAT(recorded, Not(HasSubstr("alice")));
  EXPECT_THAT(recorded, HasSubstr("REDACTED"));
  EXPECT_EQ(capture.redacted(),
            (std::set<std::string>{"authorization", "openai-organization", "user", "x-tenant"}));
}

TEST_F(CaptureTest, ErrorsAreRecordedWithTheClientsReason) {
  upstream_.script.push_back(
      Scripted{.head_after = 10ms,
               .send_error = Error{ErrorKind::kTransport, "connection_refused", "refused", 0}});
  upstream_.script.push_back(Scripted{
      .head_after = 10ms, .send_error = Error{ErrorKind::kTimeout, "read_timeout", "slow", 0}});
  upstream_.script.push_back(
      Scripted{.pieces = {{5ms, "data: a\n\n"}},
               .body_error = Error{ErrorKind::kTransport, "connection_reset", "reset", 0}});
  CaptureTransport& capture = Capture();
  auto run = [&]() -> Task<int> {
    for (int i = 0; i < 2; ++i) {
      HttpRequest request = Post("{}");
      HttpResponse r = co_await capture.Send(std::move(request));
      EXPECT_TRUE(r.error);
    }
    HttpRequest request = Post("{}");
    HttpResponse r = co_await capture.Send(std::move(request));
    BodyChunk all = co_await ReadAll(*r.body);
    EXPECT_TRUE(all.error);
    co_return 0;
  };
  Run(run());
  ASSERT_EQ(sunk_.size(), 3u);
  EXPECT_EQ(sunk_[0].response.status, 502);
  EXPECT_EQ(sunk_[0].response.error, "connection_refused");
  EXPECT_EQ(sunk_[0].response.headers_at, 10ms);
  EXPECT_EQ(sunk_[0].response.end_at, 10ms);
  EXPECT_EQ(sunk_[1].response.status, 504);
  EXPECT_EQ(sunk_[1].response.error, "read_timeout");
  EXPECT_EQ(sunk_[2].response.error, "connection_reset");
  ASSERT_EQ(sunk_[2].response.chunks.size(), 1u);
}

TEST_F(CaptureTest, ABodyDroppedBeforeItsEndIsAbandoned) {
  upstream_.script.push_back(Scripted{.pieces = {{5ms, "a"}, {5ms, "b"}}});
  CaptureTransport& capture = Capture();
  auto run = [&]() -> Task<int> {
    HttpRequest request = Post("{}");
    HttpResponse r = co_await capture.Send(std::move(request));
    BodyChunk first = co_await r.body->Next();
    EXPECT_EQ(first.bytes, "a");
    co_return 0;  // the body goes unread
  };
  Run(run());
  ASSERT_EQ(sunk_.size(), 1u);
  EXPECT_EQ(sunk_[0].response.error, "abandoned");
  EXPECT_EQ(sunk_[0].response.chunks.size(), 1u);
  EXPECT_EQ(capture.in_flight(), 0u);
}

TEST_F(CaptureTest, FlushInFlightRecordsOpenBodiesOnceAndLabelsConversations) {
  upstream_.script.push_back(Scripted{.pieces = {{5ms, "a"}, {5ms, "b"}}});
  CaptureTransport& capture = Capture();
  capture.SetConversationLabel([](const mocks::CassetteRequest& r) {
    return std::string(FindHeader(r.headers, "x-session").value_or(""));
  });
  auto run = [&]() -> Task<std::string> {
    HttpHeaders headers = {{"x-session", "s1"}};
    HttpRequest request = Post("{}", headers);
    HttpResponse r = co_await capture.Send(std::move(request));
    BodyChunk first = co_await r.body->Next();
    EXPECT_EQ(capture.in_flight(), 1u);
    capture.FlushInFlight();
    EXPECT_EQ(sunk_.size(), 1u);
    BodyChunk rest = co_await ReadAll(*r.body);  // still passed on
    co_return first.bytes + rest.bytes;
  };
  EXPECT_EQ(Run(run()), "ab");
  ASSERT_EQ(sunk_.size(), 1u);  // not again at the end
  EXPECT_EQ(sunk_[0].conversation, "s1");
  EXPECT_EQ(sunk_[0].response.error, "abandoned");
  EXPECT_EQ(sunk_[0].response.chunks.size(), 1u);
}

// A fixed timeline: headers at 60 ms, the deltas at 180, 220, 260, 300 and 340 ms.
constexpr std::string_view kFixedScenario = R"({
  "schema": "agentreplay.scenario/v1",
  "name": "fixed",
  "description": "Fixed gaps.",
  "latency": {"processing_ms": 60},
  "turns": [{"user": "Say five words.", "steps": [
    {"ttft_ms": 120, "chunk_gap_ms": 40, "chunks": ["One", " two", " three", " four", " five."]}
  ]}]
})";

TEST(CaptureSimWorldTest, RecordedOffsetsAreTheScenarioTimeline) {
  auto scenario = ParseScenario(kFixedScenario, "fixed.json");
  ASSERT_TRUE(scenario) << scenario.error();
  SimScheduler scheduler;
  SimClock clock(scheduler);
  mocks::MockBackend backend(*scenario, 1);
  SimTransport sim(scheduler, backend);
  std::vector<mocks::CassetteExchange> sunk;
  CaptureTransport capture(sim, clock, TimePoint{}, {},
                           [&](mocks::CassetteExchange e) { sunk.push_back(std::move(e)); });
  std::string received;
  Spawn(
      [](CaptureTransport& t, std::string& out) -> Task<void> {
        HttpHeaders headers = {{"Content-Type", "application/json"}};
        HttpRequest request{"POST", "/v1/responses", headers,
                            R"({"model":"gpt-4o-mini","input":"Say five words.","stream":true})"};
        HttpResponse r = co_await t.Send(std::move(request));
        BodyChunk all = co_await ReadAll(*r.body);
        out = all.bytes;
      }(capture, received),
      nullptr);
  scheduler.RunUntilIdle();
  ASSERT_EQ(sunk.size(), 1u);
  const auto& response = sunk[0].response;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.headers_at, 60ms);
  std::string recorded;
  for (const auto& c : response.chunks) recorded += c.bytes;
  EXPECT_EQ(recorded, received);
  const std::vector<std::string> deltas = {"\"One\"", "\" two\"", "\" three\"", "\" four\"",
                                           "\" five.\""};
  for (size_t k = 0; k < deltas.size(); ++k) {
    const auto it =
        std::find_if(response.chunks.begin(), response.chunks.end(),
                     [&](const auto& c) { return c.bytes.find(deltas[k]) != std::string::npos; });
    ASSERT_NE(it, response.chunks.end()) << deltas[k];
    EXPECT_EQ(it->at, Duration(180ms + 40ms * static_cast<int>(k))) << deltas[k];
  }
}

}  // namespace
}  // namespace agentreplay::harness
