// The fault injector, sans I/O: rule selection, each transformation of a MockResponse, the
// in-band errors in each runtime's wire format, and the request log's record of the hits.
#include "mocks/api/fault_injector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "mocks/api/mock_backend.h"
#include "mocks/server/wire_writer.h"
#include "sse/sse_decoder.h"
#include "sse/sse_encoder.h"

namespace agentreplay::mocks {
namespace {

using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

FaultRule Rule(FaultKind kind, std::string endpoint = "*") {
  FaultRule rule;
  rule.kind = kind;
  rule.endpoint = std::move(endpoint);
  return rule;
}

// A 200 stream: head at 10 ms, three 10-byte chunks at 20, 30, 40 ms.
MockResponse Stream() {
  MockResponse r;
  r.headers = {{"content-type", "text/event-stream; charset=utf-8"}};
  r.headers_at = milliseconds(10);
  for (int i = 0; i < 3; ++i) r.chunks.push_back({milliseconds(20 + 10 * i), "0123456789"});
  return r;
}

MockResponse Applied(const FaultRule& rule, MockResponse r = Stream(),
                     std::string_view endpoint = "responses.create") {
  FaultInjector injector({rule}, 1);
  const FaultHits hits = injector.Select(endpoint);
  EXPECT_EQ(hits.hits.size(), 1U);
  FaultInjector::Apply(hits, endpoint, r);
  return r;
}

std::vector<Duration> Times(const MockResponse& r) {
  std::vector<Duration> out;
  for (const auto& c : r.chunks) out.push_back(c.at);
  return out;
}

std::string Body(const MockResponse& r) {
  std::string out;
  for (const auto& c : r.chunks) out += c.bytes;
  return out;
}

TEST(FaultInjectorTest, SelectsByEndpointIndexAndSeededProbability) {
  FaultRule second = Rule(FaultKind::kEmptyResponse, "runs.retrieve");
  second.requests = {1, 3};
  FaultInjector injector({second}, 1);
  std::vector<bool> hit;
  for (std::string_view endpoint :
       {"runs.retrieve", "messages.list", "runs.retrieve", "runs.retrieve", "runs.retrieve"}) {
    hit.push_back(!injector.Select(endpoint).empty());
  }
  EXPECT_THAT(hit, ElementsAre(false, false, true, false, true));

  FaultRule coin = Rule(FaultKind::kLatency);
  coin.probability = 0.5;
  auto draws = [&](uint64_t seed) {
    FaultInjector i({coin}, seed);
    std::vector<bool> out;
    for (int n = 0; n < 64; ++n) out.push_back(!i.Select("responses.create").empty());
    return out;
  };
  EXPECT_EQ(draws(3), draws(3));
  EXPECT_NE(draws(3), draws(4));

  // In-band faults skip endpoints where they cannot happen, even under "*".
  FaultInjector in_band({Rule(FaultKind::kResponseFailed)}, 1);
  EXPECT_TRUE(in_band.Select("runs.retrieve").empty());
  EXPECT_FALSE(in_band.Select("responses.create").empty());
}

TEST(FaultInjectorTest, WireMockFaultsReplaceTheAnswer) {
  MockResponse r = Applied(Rule(FaultKind::kEmptyResponse));
  EXPECT_EQ(r.fault, WireFault::kEmptyResponse);
  EXPECT_EQ(r.fault_at, milliseconds(10));
  EXPECT_TRUE(r.chunks.empty());
  r = Applied(Rule(FaultKind::kConnectionReset));
  EXPECT_EQ(r.fault, WireFault::kConnectionReset);
  EXPECT_LT(r.fault_at, r.headers_at);  // before the head: it never comes
  r = Applied(Rule(FaultKind::kMalformedChunk), [] {
    MockResponse e = Stream();
    e.status = 429;
    return e;
  }());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.fault, WireFault::kMalformedChunk);
}

TEST(FaultInjectorTest, LatencyDelaysEveryPieceInOrder) {
  FaultRule latency = Rule(FaultKind::kLatency);
  latency.latency_ms = 100;
  MockResponse r = Applied(latency);
  EXPECT_EQ(r.headers_at, milliseconds(110));
  EXPECT_THAT(Times(r), ElementsAre(milliseconds(120), milliseconds(130), milliseconds(140)));
  latency.jitter_ms = 50;
  r = Applied(latency);
  const auto times = Times(r);
  EXPECT_TRUE(std::is_sorted(times.begin(), times.end()));
  EXPECT_GE(r.headers_at, milliseconds(60));
  EXPECT_LE(r.headers_at, milliseconds(160));
}

TEST(FaultInjectorTest, BandwidthAndSlicerStretchWithoutChangingBytes) {
  FaultRule bandwidth = Rule(FaultKind::kBandwidth);
  bandwidth.rate_kbps = 1;  // 1 byte per ms
  MockResponse r = Applied(bandwidth);
  EXPECT_THAT(Times(r), ElementsAre(milliseconds(30), milliseconds(40), milliseconds(50)));
  EXPECT_EQ(Body(r), Body(Stream()));

  FaultRule slicer = Rule(FaultKind::kSlicer);
  slicer.average_size = 3;
  slicer.size_variation = 1;
  slicer.delay_us = 1000;
  r = Applied(slicer);
  EXPECT_EQ(Body(r), Body(Stream()));
  EXPECT_GT(r.chunks.size(), 6U);
  for (const auto& c : r.chunks) EXPECT_LE(c.bytes.size(), 4U);
  EXPECT_EQ(r.chunks[1].at - r.chunks[0].at, milliseconds(1));
}

TEST(FaultInjectorTest, CuttingToxics) {
  FaultRule limit = Rule(FaultKind::kLimitData);
  limit.bytes = 15;
  MockResponse r = Applied(limit);
  EXPECT_EQ(Body(r), "012345678901234");
  EXPECT_EQ(r.fault, WireFault::kClose);
  EXPECT_EQ(r.fault_at, milliseconds(30));
  limit.bytes = 30;  // the whole body fits: untouched
  EXPECT_EQ(Applied(limit).fault, WireFault::kNone);

  FaultRule reset = Rule(FaultKind::kResetPeer);
  reset.timeout_ms = 30;
  r = Applied(reset);
  EXPECT_EQ(r.chunks.size(), 1U);  // data due at the RST or later is lost
  EXPECT_EQ(r.fault, WireFault::kConnectionReset);
  EXPECT_EQ(r.fault_at, milliseconds(30));

  FaultRule timeout = Rule(FaultKind::kTimeout);  // data stops at once, then a stall
  r = Applied(timeout);
  EXPECT_EQ(r.fault, WireFault::kStall);
  EXPECT_TRUE(r.chunks.empty());
  EXPECT_GT(r.headers_at, r.fault_at);
  timeout.timeout_ms = 500;
  timeout.after_ms = 25;
  r = Applied(timeout);
  EXPECT_EQ(r.fault, WireFault::kClose);
  EXPECT_EQ(r.fault_at, milliseconds(525));
  EXPECT_EQ(r.chunks.size(), 1U);
  EXPECT_EQ(r.headers_at, milliseconds(10));

  FaultRule slow_close = Rule(FaultKind::kSlowClose);
  slow_close.delay_ms = 700;
  r = Applied(slow_close);
  EXPECT_EQ(r.close_delay, milliseconds(700));
  EXPECT_EQ(Body(r), Body(Stream()));
}

// A stream of `n` Responses-like events, one per chunk.
MockResponse Events(int n, bool typed) {
  MockResponse r = Stream();
  r.chunks.clear();
  for (int i = 0; i < n; ++i) {
    std::string data =
        typed
            ? R"({"type":"response.created","sequence_number":)" + std::to_string(i) +
                  R"(,"response":{"id":"resp_1","status":"in_progress","error":null,"output":[]}})"
            : R"({"id":"c","choices":[]})";
    r.chunks.push_back(
        {milliseconds(20 + i), EncodeSseEvent(typed ? "response.created" : "", data)});
  }
  return r;
}

std::vector<SseEvent> Decode(const MockResponse& r) {
  SseDecoder decoder;
  std::vector<SseEvent> out;
  decoder.Feed(Body(r), out);
  return out;
}

TEST(FaultInjectorTest, StreamErrorEventsFollowEachRuntime) {
  FaultRule rule = Rule(FaultKind::kStreamErrorEvent);
  rule.after_events = 2;
  auto events = Decode(Applied(rule, Events(5, true), "responses.create"));
  ASSERT_EQ(events.size(), 3U);
  EXPECT_EQ(events[2].type, "error");
  EXPECT_EQ(events[2].data,
            R"({"type":"error","sequence_number":2,"code":"server_error","message":"The server )"
            R"(had an error while processing your request. Sorry about that!","param":null})");

  events = Decode(Applied(rule, Events(5, false), "chat.completions.create"));
  ASSERT_EQ(events.size(), 3U);
  EXPECT_EQ(events[2].type, "message");
  EXPECT_THAT(events[2].data, HasSubstr(R"({"error":{"message":)"));

  rule.code = "rate_limit_exceeded";
  events = Decode(Applied(rule, Events(5, true), "runs.create"));
  EXPECT_EQ(events[2].type, "error");
  EXPECT_THAT(events[2].data, HasSubstr(R"("code":"rate_limit_exceeded")"));
  EXPECT_THAT(events[2].data, HasSubstr(R"("type":"server_error")"));
}

TEST(FaultInjectorTest, ResponseFailedCarriesTheFailedResponse) {
  FaultRule rule = Rule(FaultKind::kResponseFailed);
  const auto events = Decode(Applied(rule, Events(6, true), "responses.create"));
  ASSERT_EQ(events.size(), 3U);
  EXPECT_EQ(events[2].type, "response.failed");
  rapidjson::Document doc;
  doc.Parse(events[2].data.c_str());
  EXPECT_EQ(doc["sequence_number"].GetInt(), 2);
  EXPECT_STREQ(doc["response"]["status"].GetString(), "failed");
  EXPECT_STREQ(doc["response"]["error"]["code"].GetString(), "server_error");
}

TEST(FaultInjectorTest, HttpErrorsTakeTheStatusDefaults) {
  FaultRule rule = Rule(FaultKind::kHttpError);
  rule.status = 429;
  FaultScript script = HttpErrorScript(rule);
  EXPECT_EQ(script.type, "requests");
  EXPECT_EQ(script.code, "rate_limit_exceeded");
  rule.status = 500;
  rule.message = "boom";
  script = HttpErrorScript(rule);
  EXPECT_EQ(script.type, "server_error");
  EXPECT_EQ(script.code, "");
  EXPECT_EQ(script.message, "boom");
}

TEST(FaultInjectorTest, TheBackEndLogsWhichFaultHitWhichRequest) {
  Scenario s;
  s.name = "s";
  TurnScript turn;
  turn.user = "hi";
  StepScript step;
  step.text_chunks = {"ok"};
  turn.steps = {step};
  s.turns = {turn};
  FaultRule error = Rule(FaultKind::kHttpError, "responses.create");
  error.requests = {0};
  error.status = 503;
  error.retry_after_s = 1;
  FaultRule latency = Rule(FaultKind::kLatency);
  latency.latency_ms = 5;
  s.faults = {error, latency};
  MockBackend backend(s, 1);
  HttpRequest request{"POST", "/v1/responses", {}, R"({"model":"m","input":"hi"})"};
  const MockResponse first = backend.Handle(request, TimePoint{});
  const MockResponse second = backend.Handle(request, TimePoint{});
  EXPECT_EQ(first.status, 503);
  EXPECT_EQ(FindHeader(first.headers, "retry-after"), std::optional<std::string_view>("1"));
  EXPECT_EQ(second.status, 200);
  ASSERT_EQ(backend.request_log().size(), 2U);
  EXPECT_EQ(backend.request_log()[0].fault, "http_error+latency");
  EXPECT_EQ(backend.request_log()[1].fault, "latency");
  EXPECT_EQ(backend.request_log()[0].status, 503);
}

}  // namespace
}  // namespace agentreplay::mocks
