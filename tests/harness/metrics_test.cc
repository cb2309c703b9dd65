// The whole path in the simulated world — scenario, mock, agent core, probe, metrics — on a
// scenario whose timeline is computed by hand below. Every figure is exact.
#include "harness/measure/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/measure/probe.h"
#include "harness/run/matrix_runner.h"
#include "results/statistics.h"
#include "tests/harness/test_variants.h"
#include "tests/src/fake_ports.h"
#include "tools/tool_args.h"

namespace agentreplay::harness {
namespace {

using mocks::Dist;

// Timeline (ms from t0), with rtt 40 (20 up, 20 down), processing 10, no queue, no prefill:
//   step 0 request sent at 0; response starts at 20 + 10 + 20 = 50 (response.created → ttfs);
//     first token at 50 + ttft 300 = 350 (function call added + first argument delta),
//     second argument delta at 350 + gap 10 = 360; call ready and response.completed at 360.
//   get_current_time runs 5 ms: 360 → 365; the continuation request is sent at 365.
//   step 1 response starts at 365 + 50 = 415; first text delta at 415 + ttft 200 = 615 (ttft),
//     then 635 and 655 (gap 20); response.completed at 655 = e2e.
mocks::Scenario HandTimedScenario() {
  mocks::Scenario s;
  s.name = "hand_timed";
  s.description = "fixed latencies for an exact timeline";
  s.latency.network_rtt_ms = Dist::Fixed(40);
  s.latency.processing_ms = Dist::Fixed(10);
  s.tools["get_current_time"].latency_ms = Dist::Fixed(5);
  mocks::TurnScript turn;
  turn.user = "What time is it in Tokyo?";
  mocks::StepScript call;
  call.ttft_ms = Dist::Fixed(300);
  call.chunk_gap_ms = Dist::Fixed(10);
  call.tool_calls.push_back({"get_current_time", R"({"timezone":"Asia/Tokyo"})", 2});
  mocks::StepScript answer;
  answer.ttft_ms = Dist::Fixed(200);
  answer.chunk_gap_ms = Dist::Fixed(20);
  answer.text_chunks = {"It is", " 09:00", " in Tokyo."};
  turn.steps = {call, answer};
  turn.expect.answer_contains = {"Tokyo"};
  turn.expect.tools_called = {"get_current_time"};
  s.turns.push_back(turn);
  return s;
}

TEST(MetricsTest, HandComputedTimelineIsMeasuredExactly) {
  auto world = MakeSimWorld();
  MatrixOptions options;
  options.repetitions = 1;
  results::Cell cell = RunCell(*world, HandTimedScenario(), StreamingResponses("baseline"),
                               Runtime::kResponses, options);
  ASSERT_EQ(cell.samples.size(), 1u);
  const results::Sample& s = cell.samples[0];
  ASSERT_TRUE(s.ok) << s.error_reason << ": " << s.error_message;

  const auto& m = s.metrics;
  EXPECT_DOUBLE_EQ(m.at("ttfs_ms"), 50.0);
  EXPECT_DOUBLE_EQ(m.at("ttft_ms"), 615.0);
  EXPECT_DOUBLE_EQ(m.at("e2e_ms"), 655.0);
  EXPECT_THAT(s.itl_ms, ::testing::ElementsAre(20.0, 20.0));
  EXPECT_DOUBLE_EQ(m.at("tool_exec_ms"), 5.0);
  EXPECT_DOUBLE_EQ(m.at("tool_overhead_ms"), 0.0);
  EXPECT_DOUBLE_EQ(m.at("llm_wait_ms"), 650.0);
  EXPECT_DOUBLE_EQ(m.at("sleep_ms"), 0.0);
  EXPECT_DOUBLE_EQ(m.at("requests"), 2.0);
  EXPECT_DOUBLE_EQ(m.at("polls"), 0.0);
  EXPECT_DOUBLE_EQ(m.at("tool_calls"), 1.0);
  EXPECT_DOUBLE_EQ(m.at("steps"), 2.0);
  EXPECT_DOUBLE_EQ(m.at("errors"), 0.0);
  EXPECT_EQ(s.requests_by_endpoint.at("responses.create"), 2);
  EXPECT_GT(m.at("bytes_up"), 0.0);
  EXPECT_GT(m.at("bytes_down"), 0.0);
  EXPECT_GT(m.at("tool_schema_bytes"), 0.0);

  // The critical path adds up to e2e exactly.
  double sum = 0.0;
  for (const auto& [name, ms] : s.segments) sum += ms;
  EXPECT_DOUBLE_EQ(sum, 655.0);
  EXPECT_DOUBLE_EQ(s.segments.at("llm_wait"), 650.0);
  EXPECT_DOUBLE_EQ(s.segments.at("tool_exec"), 5.0);
  EXPECT_DOUBLE_EQ(s.segments.at("agent_cpu"), 0.0);

  for (const auto& check : cell.checks) EXPECT_TRUE(check.ok) << check.name << ": " << check.detail;
  // completes, answer contains, calls get_current_time, no tool call failed
  EXPECT_EQ(cell.checks.size(), 4u);
}

TEST(MetricsTest, SegmentsAlwaysSumToE2eEvenWithOverlaps) {
  TurnTimeline tl;
  tl.t0 = TimePoint(FromMillis(0));
  auto at = [](double ms) { return TimePoint(FromMillis(ms)); };
  tl.requests.push_back({"responses.create", at(0), at(50), at(360), true, 200, 100, 900});
  tl.requests.push_back({"responses.create", at(380), at(420), at(700), true, 200, 100, 900});
  tl.sleeps.push_back({at(365), at(370)});
  // Two parallel tool calls, the second with a 4 ms hop around 6 ms of execution.
  tl.tools.push_back({"c1", "a", at(360), at(366), FromMillis(6), false});
  tl.tools.push_back({"c2", "b", at(360), at(370), FromMillis(6), false});
  AgentEvent ready;
  ready.type = AgentEventType::kToolCallReady;
  ready.at = at(355);
  ready.call_id = "c1";
  tl.events.push_back(ready);
  TurnResult turn;
  turn.ok = true;
  turn.finished = at(700);
  results::Sample s;
  DeriveMetrics(tl, turn, TurnContext{}, s);
  double sum = 0.0;
  for (const auto& [name, ms] : s.segments) sum += ms;
  EXPECT_DOUBLE_EQ(sum, 700.0);
  EXPECT_DOUBLE_EQ(s.segments.at("sleep"), 5.0);
  // 360–365 is tool time (c1 runs 360–366, c2's window is 362–368); 370–380 the call is
  // pending with nothing else going on; the rest is waiting on the model.
  EXPECT_DOUBLE_EQ(s.segments.at("tool_exec"), 5.0);
  EXPECT_DOUBLE_EQ(s.segments.at("tool_overhead"), 10.0);
  EXPECT_DOUBLE_EQ(s.segments.at("llm_wait"), 360.0 + 320.0);
  EXPECT_DOUBLE_EQ(s.metrics.at("sleep_ms"), 5.0);
  EXPECT_DOUBLE_EQ(s.metrics.at("tool_exec_ms"), 12.0);
}

// A client that stops reading at its stream's terminal event drops the body unread: the
// request is over for the turn then, not at the end of the turn (which would count the rest
// of the turn as waiting on the model).
// An endpoint's error code and message reach the results as text the results reader accepts:
// a NUL, an escape sequence or bytes that are not UTF-8 once made the run's own results.json
// unreadable (and reached junit.xml and metrics.prom).
TEST(MetricsTest, ErrorTextsFromOutsideAreMadeSafeForTheResults) {
  TurnTimeline tl;
  TurnResult turn;
  turn.ok = false;
  turn.error =
      Error{ErrorKind::kHttpStatus, std::string("http_500:bad\0code\x1b[31m\xff", 23),
            std::string("line one\nline\ttwo\0 \xc3\x28 ", 22) + std::string(100'000, 'x'), 500};
  results::Sample sample;
  DeriveMetrics(tl, turn, TurnContext{}, sample);
  EXPECT_EQ(sample.error_reason, "http_500:bad\uFFFDcode\uFFFD[31m\uFFFD");
  EXPECT_EQ(sample.error_message.substr(0, 25), "line one\nline\ttwo\uFFFD \uFFFD(");
  EXPECT_LE(sample.error_message.size(), kMaxErrorMessageBytes);
  EXPECT_EQ(sample.error_message.find('\0'), std::string::npos);
  EXPECT_TRUE(IsValidUtf8(sample.error_message));
}

TEST(ProbeTest, ABodyDroppedBeforeItsEndEndsItsRequestThen) {
  using namespace std::chrono_literals;
  testing::FixedClock clock;
  testing::ScriptedTransport inner;
  inner.responses.push_back({200, {"data: x\n\n"}, false, /*hold_open=*/true});
  Probe probe(clock);
  Transport& transport = probe.WrapTransport(inner);
  probe.BeginTurn();
  {
    HttpResponse response = testing::RunSync(transport.Send(HttpRequest{"POST", "/v1/x", {}, ""}));
    clock.now += 3ms;
    EXPECT_EQ(testing::RunSync(response.body->Next()).bytes, "data: x\n\n");
    clock.now += 5ms;
  }
  const TurnTimeline timeline = probe.TakeTimeline();
  ASSERT_EQ(timeline.requests.size(), 1u);
  EXPECT_TRUE(timeline.requests[0].completed);
  EXPECT_EQ(timeline.requests[0].done_at, TimePoint{} + 8ms);
  EXPECT_EQ(timeline.requests[0].bytes_down, 9u);
  EXPECT_EQ(inner.unfinished_bodies, 1);
}

TEST(StatsTest, QuantilesInterpolateLikeNumpy) {
  // numpy.percentile([1, 2, 3, 4, 10], [50, 90, 95, 99]) = 3, 7.6, 8.8, 9.76
  const results::Summary s = results::Summarize({10, 2, 4, 1, 3});
  EXPECT_EQ(s.count, 5);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 10);
  EXPECT_DOUBLE_EQ(s.p50, 3);
  EXPECT_NEAR(s.p90, 7.6, 1e-12);
  EXPECT_NEAR(s.p95, 8.8, 1e-12);
  EXPECT_NEAR(s.p99, 9.76, 1e-12);
  EXPECT_DOUBLE_EQ(s.mean, 4);
  // statistics.stdev([1, 2, 3, 4, 10]) = 3.5355339059327378
  EXPECT_NEAR(s.stddev, 3.5355339059327378, 1e-12);
}

TEST(StatsTest, SingleValueAndEmpty) {
  const results::Summary one = results::Summarize({7});
  EXPECT_DOUBLE_EQ(one.p99, 7);
  EXPECT_DOUBLE_EQ(one.stddev, 0);
  EXPECT_EQ(results::Summarize({}).count, 0);
}

}  // namespace
}  // namespace agentreplay::harness
