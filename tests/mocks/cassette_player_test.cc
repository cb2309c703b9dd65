// mocks/api/cassette_player: verbatim replay matches the agent's requests to the recording by
// endpoint class and order, answers reads by time within their stretch, replays breaks, and
// explains a mismatch.
#include "mocks/api/cassette_player.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "mocks/api/mock_backend.h"

namespace agentreplay::mocks {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

CassetteExchange Exchange(std::string method, std::string target, int sent_ms, std::string body,
                          int headers_ms, int end_ms) {
  CassetteExchange e;
  e.sent_at = milliseconds(sent_ms);
  e.request.method = std::move(method);
  e.request.target = std::move(target);
  e.response.status = 200;
  e.response.headers = {{"content-type", "application/json"},
                        {"Content-Length", std::to_string(body.size())},
                        {"x-request-id", "req_" + std::to_string(sent_ms)}};
  e.response.headers_at = milliseconds(headers_ms);
  e.response.chunks.push_back({milliseconds(end_ms), std::move(body)});
  e.response.end_at = milliseconds(end_ms);
  return e;
}

// A polled Assistants run: create, three polls (queued, in_progress, completed), messages.
Cassette PolledRun() {
  Cassette c;
  c.name = "polled";
  c.runtime = "assistants";
  c.exchanges.push_back(Exchange("POST", "/v1/threads/runs", 0, R"({"status":"queued"})", 90, 90));
  c.exchanges.push_back(
      Exchange("GET", "/v1/threads/t1/runs/r1", 100, R"({"status":"queued"})", 20, 20));
  c.exchanges.push_back(
      Exchange("GET", "/v1/threads/t1/runs/r1", 600, R"({"status":"in_progress"})", 20, 20));
  c.exchanges.push_back(
      Exchange("GET", "/v1/threads/t1/runs/r1", 1100, R"({"status":"completed"})", 20, 20));
  c.exchanges.push_back(Exchange("GET", "/v1/threads/t1/messages", 1200, R"({"data":[]})", 30, 30));
  return c;
}

HttpRequest Request(std::string method, std::string target) {
  HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  return r;
}

TimePoint At(int ms) { return TimePoint(milliseconds(ms)); }

std::string Body(const MockResponse& r) {
  std::string out;
  for (const auto& c : r.chunks) out += c.bytes;
  return out;
}

TEST(CassettePlayerTest, ReplaysTheRecordedBytesAtTheRecordedOffsets) {
  const Cassette c = PolledRun();
  CassettePlayer player(c);
  const MockResponse created =
      *player.Handle(Request("POST", "/v1/threads/runs"), "threads.create_and_run", At(5000));
  EXPECT_EQ(created.status, 200);
  EXPECT_EQ(created.headers_at, milliseconds(90));
  ASSERT_EQ(created.chunks.size(), 1u);
  EXPECT_EQ(created.chunks[0].at, milliseconds(90));
  EXPECT_EQ(Body(created), R"({"status":"queued"})");
  // The server frames the body itself: the recorded length is not replayed.
  EXPECT_FALSE(FindHeader(created.headers, "content-length"));
  EXPECT_EQ(FindHeader(created.headers, "x-request-id"), "req_0");
}

TEST(CassettePlayerTest, ReadsSeeTheStateRecordedAtTheSameTimeSinceTheLastChange) {
  const Cassette c = PolledRun();
  CassettePlayer player(c);
  (void)player.Handle(Request("POST", "/v1/threads/runs"), "threads.create_and_run", At(1000));
  auto poll = [&](int at) {
    return Body(*player.Handle(Request("GET", "/v1/threads/t1/runs/r1"), "runs.retrieve", At(at)));
  };
  // Earlier than the first recorded poll: that first poll's state.
  EXPECT_EQ(poll(1050), R"({"status":"queued"})");
  EXPECT_EQ(poll(1300), R"({"status":"queued"})");
  EXPECT_EQ(poll(1650), R"({"status":"in_progress"})");
  // A slower agent skips a state; a faster one sees it longer.
  EXPECT_EQ(poll(2500), R"({"status":"completed"})");
  EXPECT_EQ(poll(9000), R"({"status":"completed"})");
  EXPECT_EQ(
      Body(*player.Handle(Request("GET", "/v1/threads/t1/messages"), "messages.list", At(9100))),
      R"({"data":[]})");
  EXPECT_EQ(player.played(), 5u);
}

TEST(CassettePlayerTest, AStateChangeTheRecordingDoesNotHaveNextIsAMismatchThatSaysWhy) {
  const Cassette c = PolledRun();
  CassettePlayer player(c);
  const MockResponse r =
      *player.Handle(Request("POST", "/v1/responses"), "responses.create", At(0));
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(Body(r), HasSubstr("replay_mismatch"));
  EXPECT_THAT(Body(r), HasSubstr("the agent asked POST /v1/responses (responses.create)"));
  EXPECT_THAT(Body(r), HasSubstr("POST /v1/threads/runs (threads.create_and_run) next"));
  // A read the stretch has none of.
  (void)player.Handle(Request("POST", "/v1/threads/runs"), "threads.create_and_run", At(0));
  const MockResponse list =
      *player.Handle(Request("GET", "/v1/threads/t1/runs"), "runs.list", At(10));
  EXPECT_EQ(list.status, 400);
  EXPECT_THAT(Body(list), HasSubstr("no runs.list"));
}

TEST(CassettePlayerTest, SetupIsTheMocksAtTheRecordedTimeAndRunStartsAreOneClass) {
  Cassette c = PolledRun();
  // The recorded client created an assistant first.
  c.exchanges.insert(c.exchanges.begin(),
                     Exchange("POST", "/v1/assistants", 0, R"({"id":"asst_1"})", 10, 12));
  CassettePlayer player(c);
  // Setup is always left to the mock, which then knows the thread the agent posts to; the
  // recording lends it the time its own setup request took, once.
  EXPECT_FALSE(player.Handle(Request("POST", "/v1/assistants"), "assistants.create", At(0)));
  const auto timing = player.TakeSetupTiming("assistants.create");
  ASSERT_TRUE(timing);
  EXPECT_EQ(timing->headers_at, milliseconds(10));
  EXPECT_EQ(timing->body_end, milliseconds(12));
  EXPECT_FALSE(player.TakeSetupTiming("assistants.create"));
  EXPECT_FALSE(player.TakeSetupTiming("threads.create"));
  EXPECT_FALSE(player.Handle(Request("POST", "/v1/threads"), "threads.create", At(0)));
  EXPECT_FALSE(player.Handle(Request("POST", "/v1/threads/t9/messages"), "messages.create", At(1)));
  // runs.create matches the recorded threads.create_and_run.
  const auto run = player.Handle(Request("POST", "/v1/threads/t9/runs"), "runs.create", At(2));
  ASSERT_TRUE(run);
  EXPECT_EQ(Body(*run), R"({"status":"queued"})");
  EXPECT_EQ(player.skipped(), 0u);
}

TEST(CassettePlayerTest, ABrokenRecordedExchangeBreaksTheSameWay) {
  Cassette c;
  c.runtime = "responses";
  CassetteExchange e = Exchange("POST", "/v1/responses", 0, "data: {}\n\n", 50, 80);
  e.response.error = "connection_reset";
  e.response.end_at = milliseconds(120);
  c.exchanges.push_back(e);
  CassettePlayer player(c);
  const MockResponse r =
      *player.Handle(Request("POST", "/v1/responses"), "responses.create", At(0));
  EXPECT_EQ(r.fault, WireFault::kConnectionReset);
  EXPECT_EQ(r.fault_at, milliseconds(120));
}

TEST(CassettePlayerTest, TheBackEndPlaysAnAttachedRecordingAndLogsTheRequests) {
  Scenario s;
  s.name = "verbatim";
  s.recording = std::make_shared<const Cassette>(PolledRun());
  MockBackend backend(s, 1);
  const MockResponse r = backend.Handle(Request("POST", "/v1/threads/runs"), At(0));
  EXPECT_EQ(Body(r), R"({"status":"queued"})");
  ASSERT_EQ(backend.request_log().size(), 1u);
  EXPECT_EQ(backend.request_log()[0].endpoint, "threads.create_and_run");
}

}  // namespace
}  // namespace agentreplay::mocks
