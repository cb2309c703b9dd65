// Fault injection end to end in the simulated world: every fault kind, run through the matrix
// runner with and without package pr, ends exactly as a real client would see it (an error
// sample with a stable reason, or a retry that succeeds), never as a hang; plus the loader's
// checks of fault rules and faults files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "harness/packages/shipped_files.h"
#include "harness/run/matrix_runner.h"
#include "harness/scenario/fault_decoder.h"
#include "harness/scenario/scenario_loader.h"
#include "tests/harness/scenario_test_support.h"
#include "tests/harness/test_variants.h"

namespace agentreplay::harness {
namespace {

using scenario_test::LoadResult;
using scenario_test::Split;

using mocks::Dist;
using mocks::FaultKind;
using mocks::FaultRule;
using ::testing::HasSubstr;

// One turn, one streamed answer: the request reaches the mock at 10 ms (half the rtt), the head
// is back at 35 ms (processing 15, rtt 10 back), the five text deltas at 135..175 ms (ttft 100,
// gaps 10).
mocks::Scenario TextScenario() {
  mocks::Scenario s;
  s.name = "faulty";
  s.description = "a plain answer";
  s.latency.network_rtt_ms = Dist::Fixed(20);
  s.latency.processing_ms = Dist::Fixed(15);
  mocks::TurnScript turn;
  turn.user = "Hello?";
  mocks::StepScript answer;
  answer.ttft_ms = Dist::Fixed(100);
  answer.chunk_gap_ms = Dist::Fixed(10);
  answer.text_chunks = {"Hello", " there,", " how", " can", " I help?"};
  turn.steps = {answer};
  turn.expect.answer_contains = {"help"};
  s.turns = {turn};
  return s;
}

// A tool round first: two responses.create requests in the turn.
mocks::Scenario ToolScenario() {
  mocks::Scenario s = TextScenario();
  mocks::StepScript call;
  call.ttft_ms = Dist::Fixed(50);
  call.tool_calls.push_back({"get_current_time", R"({"timezone":"UTC"})", 1});
  s.turns[0].steps.insert(s.turns[0].steps.begin(), call);
  return s;
}

Variant WithRetry(Variant v) {
  v.name += "+pr";
  v.settings.retry.max_attempts = 3;
  v.settings.retry.base_delay = std::chrono::milliseconds(200);
  v.settings.retry.max_delay = std::chrono::seconds(5);
  return v;
}

Variant Assistants(bool stream) {
  Variant v;
  v.name = stream ? "assistants-stream" : "assistants-poll";
  v.settings.runtime = Runtime::kAssistants;
  v.settings.stream = stream;
  v.settings.proxy_dispatch = false;
  return v;
}

Variant Chat() {
  Variant v = StreamingResponses("chat");
  v.settings.runtime = Runtime::kChat;
  return v;
}

FaultRule Rule(FaultKind kind, std::string endpoint = "responses.create") {
  FaultRule rule;
  rule.kind = kind;
  rule.endpoint = std::move(endpoint);
  rule.requests = {0};
  return rule;
}

results::Cell RunWith(mocks::Scenario scenario, const Variant& variant,
                      std::vector<FaultRule> rules, int repetitions = 1, uint64_t seed = 1) {
  auto world = MakeSimWorld();
  MatrixOptions options;
  options.repetitions = repetitions;
  options.seed = seed;
  options.faults = std::move(rules);
  return RunCell(*world, scenario, variant, variant.settings.runtime, options);
}

struct Outcome {
  std::string error;  // "" for ok, else "kind reason"
  double retries = 0;
  int64_t requests = 0;  // responses.create (or the runtime's create) requests
};

Outcome OutcomeOf(const results::Cell& cell, const std::string& endpoint = "responses.create") {
  EXPECT_EQ(cell.samples.size(), 1U);
  const results::Sample& s = cell.samples.at(0);
  Outcome out;
  if (!s.ok) out.error = s.error_kind + " " + s.error_reason;
  if (auto it = s.metrics.find("retries"); it != s.metrics.end()) out.retries = it->second;
  if (auto it = s.requests_by_endpoint.find(endpoint); it != s.requests_by_endpoint.end()) {
    out.requests = it->second;
  }
  return out;
}

double E2e(const results::Cell& cell) { return cell.samples.at(0).metrics.at("e2e_ms"); }

struct Case {
  const char* name;
  FaultRule rule;
  Outcome without_pr;
  Outcome with_pr;
};

FaultRule With(FaultRule rule, void (*set)(FaultRule&)) {
  set(rule);
  return rule;
}

std::vector<Case> Cases() {
  return {
      {"empty_response",
       Rule(FaultKind::kEmptyResponse),
       {"transport connection_closed", 0, 1},
       {"", 1, 2}},
      {"malformed_chunk",
       Rule(FaultKind::kMalformedChunk),
       {"protocol malformed_http", 0, 1},
       {"protocol malformed_http", 0, 1}},
      {"random_data_then_close",
       Rule(FaultKind::kRandomDataThenClose),
       {"protocol malformed_http", 0, 1},
       {"", 1, 2}},
      {"connection_reset",
       Rule(FaultKind::kConnectionReset),
       {"transport connection_reset", 0, 1},
       {"", 1, 2}},
      {"timeout_stall",
       With(Rule(FaultKind::kTimeout), [](FaultRule& r) { r.timeout_ms = 0; }),
       {"timeout read_timeout", 0, 1},
       {"", 1, 2}},
      {"timeout_close",
       With(Rule(FaultKind::kTimeout), [](FaultRule& r) { r.timeout_ms = 1000; }),
       {"transport connection_closed", 0, 1},
       {"", 1, 2}},
      {"timeout_mid_stream",
       With(Rule(FaultKind::kTimeout),
            [](FaultRule& r) {
              r.timeout_ms = 0;
              r.after_ms = 140;
            }),
       {"timeout read_timeout", 0, 1},
       {"timeout read_timeout", 0, 1}},
      {"reset_peer_at_once",
       With(Rule(FaultKind::kResetPeer), [](FaultRule& r) { r.timeout_ms = 0; }),
       {"transport connection_reset", 0, 1},
       {"", 1, 2}},
      {"reset_peer_mid_stream",
       With(Rule(FaultKind::kResetPeer), [](FaultRule& r) { r.timeout_ms = 140; }),
       {"transport connection_reset", 0, 1},
       {"transport connection_reset", 0, 1}},
      {"limit_data",
       With(Rule(FaultKind::kLimitData), [](FaultRule& r) { r.bytes = 300; }),
       {"transport body_truncated", 0, 1},
       {"transport body_truncated", 0, 1}},
      {"http_429",
       With(Rule(FaultKind::kHttpError),
            [](FaultRule& r) {
              r.status = 429;
              r.retry_after_s = 1;
            }),
       {"http_status http_429:rate_limit_exceeded", 0, 1},
       {"", 1, 2}},
      {"http_500",
       With(Rule(FaultKind::kHttpError), [](FaultRule& r) { r.status = 500; }),
       {"http_status http_500", 0, 1},
       {"", 1, 2}},
      {"http_503",
       With(Rule(FaultKind::kHttpError), [](FaultRule& r) { r.status = 503; }),
       {"http_status http_503", 0, 1},
       {"", 1, 2}},
      {"stream_error_event",
       With(Rule(FaultKind::kStreamErrorEvent), [](FaultRule& r) { r.after_events = 3; }),
       {"api stream_error:server_error", 0, 1},
       {"api stream_error:server_error", 0, 1}},
      {"response_failed",
       Rule(FaultKind::kResponseFailed),
       {"api response_failed:server_error", 0, 1},
       {"api response_failed:server_error", 0, 1}},
      // The answer arrives whole, only later or differently cut.
      {"latency",
       With(Rule(FaultKind::kLatency), [](FaultRule& r) { r.latency_ms = 500; }),
       {"", 0, 1},
       {"", 0, 1}},
      {"bandwidth",
       With(Rule(FaultKind::kBandwidth), [](FaultRule& r) { r.rate_kbps = 1; }),
       {"", 0, 1},
       {"", 0, 1}},
      {"slow_close",
       With(Rule(FaultKind::kSlowClose), [](FaultRule& r) { r.delay_ms = 2000; }),
       {"", 0, 1},
       {"", 0, 1}},
      {"slicer",
       With(Rule(FaultKind::kSlicer),
            [](FaultRule& r) {
              r.average_size = 16;
              r.size_variation = 4;
              r.delay_us = 500;
            }),
       {"", 0, 1},
       {"", 0, 1}},
  };
}

TEST(FaultsTest, EveryKindEndsExactlyWithAndWithoutRetries) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    const Outcome plain = OutcomeOf(RunWith(TextScenario(), StreamingResponses(), {c.rule}));
    EXPECT_EQ(plain.error, c.without_pr.error);
    EXPECT_EQ(plain.retries, c.without_pr.retries);
    EXPECT_EQ(plain.requests, c.without_pr.requests);
    const Outcome retried =
        OutcomeOf(RunWith(TextScenario(), WithRetry(StreamingResponses()), {c.rule}));
    EXPECT_EQ(retried.error, c.with_pr.error);
    EXPECT_EQ(retried.retries, c.with_pr.retries);
    EXPECT_EQ(retried.requests, c.with_pr.requests);
  }
}

// A background response (setting `background`) whose stream breaks mid-way is resumed with
// GET /v1/responses/{id}?stream=true&starting_after=N: the turn completes with the whole answer,
// once, and the GET counts among the requests. Without it the same break fails the turn. The
// breaks are timed (after the second text delta, at 145 ms), so they fall mid-stream whatever
// the size of the events: a close that truncates the body, and a reset.
TEST(FaultsTest, ABrokenBackgroundStreamIsResumedAndTheAnswerIsWhole) {
  FaultRule truncate = Rule(FaultKind::kTimeout);
  truncate.after_ms = 150;
  truncate.timeout_ms = 1;
  FaultRule reset = Rule(FaultKind::kResetPeer);
  reset.timeout_ms = 150;
  for (const auto& [rule, error] : {std::pair{truncate, "transport body_truncated"},
                                    std::pair{reset, "transport connection_reset"}}) {
    SCOPED_TRACE(error);
    EXPECT_EQ(OutcomeOf(RunWith(TextScenario(), StreamingResponses(), {rule})).error, error);

    Variant background = StreamingResponses("background");
    background.settings.background = true;
    const results::Cell resumed = RunWith(TextScenario(), background, {rule});
    const Outcome outcome = OutcomeOf(resumed);
    EXPECT_EQ(outcome.error, "");
    EXPECT_EQ(outcome.requests, 1);
    EXPECT_EQ(OutcomeOf(resumed, "responses.retrieve").requests, 1);
    EXPECT_EQ(resumed.samples.at(0).metrics.at("requests"), 2.0);
    for (const auto& check : resumed.checks) EXPECT_TRUE(check.ok) << check.name << check.detail;
    // Every delta once: the answer's five, as without the break.
    EXPECT_EQ(resumed.samples.at(0).itl_ms.size(), 4u);
    // The resumed events keep their timing: the turn ends when the unbroken one would have,
    // or later by at most the reconnection's round trip.
    EXPECT_GE(E2e(resumed), 175.0);
    EXPECT_LE(E2e(resumed), 150.0 + 20.0 + 15.0 + 1.0);
  }
}

TEST(FaultsTest, NoFaultControlIsUntouched) {
  const auto control = RunWith(TextScenario(), StreamingResponses(), {});
  const Outcome outcome = OutcomeOf(control);
  EXPECT_EQ(outcome.error, "");
  EXPECT_EQ(outcome.requests, 1);
  EXPECT_DOUBLE_EQ(E2e(control), 175.0);
  // A rule that selects no request changes nothing.
  FaultRule never = Rule(FaultKind::kEmptyResponse);
  never.requests = {5};
  EXPECT_DOUBLE_EQ(E2e(RunWith(TextScenario(), StreamingResponses(), {never})), 175.0);
}

TEST(FaultsTest, TimingToxicsMoveTheTurnExactly) {
  FaultRule latency = Rule(FaultKind::kLatency);
  latency.latency_ms = 500;
  EXPECT_DOUBLE_EQ(E2e(RunWith(TextScenario(), StreamingResponses(), {latency})), 675.0);
  FaultRule slow_close = Rule(FaultKind::kSlowClose);
  slow_close.delay_ms = 2000;  // the body is complete at once: nothing to wait for
  EXPECT_DOUBLE_EQ(E2e(RunWith(TextScenario(), StreamingResponses(), {slow_close})), 175.0);
  FaultRule bandwidth = Rule(FaultKind::kBandwidth);
  bandwidth.rate_kbps = 1;  // 1 byte per ms: the stream's bytes stretch the turn
  EXPECT_GT(E2e(RunWith(TextScenario(), StreamingResponses(), {bandwidth})), 1000.0);
}

TEST(FaultsTest, StallsEndAtTheClientTimeoutsNeverHang) {
  FaultRule stall = Rule(FaultKind::kTimeout);  // timeout_ms 0: data stops for good
  auto world = MakeSimWorld();
  MatrixOptions options;
  options.repetitions = 1;
  options.faults = {stall};
  auto cell = RunCell(*world, TextScenario(), StreamingResponses(), Runtime::kResponses, options);
  EXPECT_EQ(cell.samples.at(0).error_reason, "read_timeout");
  EXPECT_DOUBLE_EQ(cell.samples.at(0).metrics.at("e2e_ms"), 30000.0);

  options.read_timeout = std::chrono::seconds(5);
  cell = RunCell(*world, TextScenario(), StreamingResponses(), Runtime::kResponses, options);
  EXPECT_DOUBLE_EQ(cell.samples.at(0).metrics.at("e2e_ms"), 5000.0);

  // The total timeout bounds a stream that keeps trickling under the read timeout.
  FaultRule slow = Rule(FaultKind::kBandwidth);
  slow.rate_kbps = 1;
  options.faults = {slow};
  options.total_timeout = std::chrono::milliseconds(300);
  cell = RunCell(*world, TextScenario(), StreamingResponses(), Runtime::kResponses, options);
  EXPECT_EQ(cell.samples.at(0).error_kind, "timeout");
  EXPECT_EQ(cell.samples.at(0).error_reason, "total_timeout");
  EXPECT_DOUBLE_EQ(cell.samples.at(0).metrics.at("e2e_ms"), 300.0);
}

TEST(FaultsTest, RetryHonoursRetryAfter) {
  FaultRule limited = Rule(FaultKind::kHttpError);
  limited.status = 429;
  limited.retry_after_s = 2;
  const auto cell = RunWith(TextScenario(), WithRetry(StreamingResponses()), {limited});
  // 35 ms to the 429, 2 s Retry-After, then the 175 ms answer.
  EXPECT_DOUBLE_EQ(E2e(cell), 35.0 + 2000.0 + 175.0);
  EXPECT_DOUBLE_EQ(cell.samples.at(0).metrics.at("retries"), 1.0);
}

TEST(FaultsTest, RulesSelectByEndpointAndRequestIndex) {
  FaultRule second = Rule(FaultKind::kHttpError);
  second.requests = {1};  // the request after the tool round
  Outcome o = OutcomeOf(RunWith(ToolScenario(), StreamingResponses(), {second}));
  EXPECT_EQ(o.error, "http_status http_500");
  EXPECT_EQ(o.requests, 2);

  FaultRule other = Rule(FaultKind::kHttpError, "chat.completions.create");
  o = OutcomeOf(RunWith(ToolScenario(), StreamingResponses(), {other}));
  EXPECT_EQ(o.error, "");

  FaultRule every = Rule(FaultKind::kHttpError, "*");
  every.requests.clear();
  o = OutcomeOf(RunWith(ToolScenario(), WithRetry(StreamingResponses()), {every}));
  EXPECT_EQ(o.error, "http_status http_500");  // three attempts, all refused
  EXPECT_EQ(o.retries, 2);
  EXPECT_EQ(o.requests, 3);
}

std::vector<std::string> Reasons(const results::Cell& cell) {
  std::vector<std::string> out;
  for (const auto& s : cell.samples) out.push_back(s.ok ? "ok" : s.error_reason);
  return out;
}

TEST(FaultsTest, ProbabilityIsReproducibleAndSeeded) {
  FaultRule coin = Rule(FaultKind::kConnectionReset, "*");
  coin.requests.clear();
  coin.probability = 0.5;
  const auto a = Reasons(RunWith(TextScenario(), StreamingResponses(), {coin}, 24, 7));
  const auto b = Reasons(RunWith(TextScenario(), StreamingResponses(), {coin}, 24, 7));
  const auto c = Reasons(RunWith(TextScenario(), StreamingResponses(), {coin}, 24, 8));
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  const auto hits = std::count(a.begin(), a.end(), "connection_reset");
  EXPECT_GT(hits, 4);
  EXPECT_LT(hits, 20);
}

TEST(FaultsTest, ChatAndAssistantsRenderInBandFailures) {
  FaultRule chat_error = Rule(FaultKind::kStreamErrorEvent, "chat.completions.create");
  chat_error.after_events = 2;
  EXPECT_EQ(
      OutcomeOf(RunWith(TextScenario(), Chat(), {chat_error}), "chat.completions.create").error,
      "api stream_error:server_error");

  for (bool stream : {false, true}) {
    SCOPED_TRACE(stream ? "streaming" : "polling");
    FaultRule failed = Rule(FaultKind::kRunFailed, "runs.create");
    failed.code = "rate_limit_exceeded";
    EXPECT_EQ(OutcomeOf(RunWith(TextScenario(), Assistants(stream), {failed}), "runs.create").error,
              "api run_failed:rate_limit_exceeded");
    FaultRule expired = Rule(FaultKind::kRunExpired, "runs.create");
    EXPECT_EQ(
        OutcomeOf(RunWith(TextScenario(), Assistants(stream), {expired}), "runs.create").error,
        "api run_expired");
    // The control plays through.
    EXPECT_EQ(OutcomeOf(RunWith(TextScenario(), Assistants(stream), {}), "runs.create").error, "");
  }
  FaultRule event = Rule(FaultKind::kStreamErrorEvent, "runs.create");
  event.after_events = 2;
  EXPECT_EQ(OutcomeOf(RunWith(TextScenario(), Assistants(true), {event}), "runs.create").error,
            "api stream_error:server_error");
}

TEST(FaultsTest, LaterTurnsGoOnAfterAFailedRun) {
  mocks::Scenario two = TextScenario();
  two.turns.push_back(two.turns[0]);
  FaultRule failed = Rule(FaultKind::kRunFailed, "runs.create");
  const auto cell = RunWith(two, Assistants(false), {failed});
  ASSERT_EQ(cell.samples.size(), 2U);
  EXPECT_FALSE(cell.samples[0].ok);
  EXPECT_TRUE(cell.samples[1].ok) << cell.samples[1].error_message;
}

// --- Loading rules ---

std::vector<std::string> Errors(const std::string& text) {
  std::vector<std::string> out;
  const auto parsed = ParseFaultsFile(text, "f.json");
  if (!parsed) {
    for (const auto& d : parsed.failure().diagnostics()) out.push_back(d.ToString());
  }
  return out;
}

TEST(FaultsLoaderTest, ReadsAFaultsFile) {
  const auto loaded = ParseFaultsFile(R"({"schema": "agentreplay.faults/v1", "faults": [
  {"kind": "http_error", "endpoint": "runs.retrieve", "requests": [0, 2], "status": 429,
   "retry_after_s": 1.5, "code": null},
  {"kind": "latency", "latency_ms": 200, "jitter_ms": 50, "probability": 0.25}]})",
                                      "f.json");
  ASSERT_TRUE(loaded) << loaded.error();
  ASSERT_EQ(loaded->size(), 2U);
  EXPECT_EQ((*loaded)[0].kind, FaultKind::kHttpError);
  EXPECT_EQ((*loaded)[0].endpoint, "runs.retrieve");
  EXPECT_EQ((*loaded)[0].requests, (std::vector<size_t>{0, 2}));
  EXPECT_EQ((*loaded)[0].status, 429);
  EXPECT_EQ((*loaded)[0].retry_after_s, 1.5);
  EXPECT_EQ((*loaded)[0].code, std::optional<std::string>(""));
  EXPECT_EQ((*loaded)[1].endpoint, "*");
  EXPECT_EQ((*loaded)[1].latency_ms, 200);
  EXPECT_EQ((*loaded)[1].probability, 0.25);
}

TEST(FaultsLoaderTest, BadRulesAreReportedWithPositions) {
  EXPECT_THAT(Errors(R"({"schema": "agentreplay.faults/v1", "faults": [
  {"kind": "latncy", "latency_ms": 1}]})"),
              ::testing::ElementsAre(
                  "f.json:2:12: /faults/0/kind: unknown fault kind 'latncy'; did you mean "
                  "'latency'?"));
  EXPECT_THAT(Errors(R"({"schema": "agentreplay.faults/v1", "faults": [
  {"kind": "latency", "latency_ms": -1, "rate_kbps": 3}]})"),
              ::testing::ElementsAre(
                  "f.json:2:37: /faults/0/latency_ms: latency_ms must be >= 0, got -1",
                  "f.json:2:41: /faults/0/rate_kbps: unknown field 'rate_kbps' (allowed: kind, "
                  "endpoint, requests, probability, latency_ms, jitter_ms)"));
  EXPECT_THAT(Errors(R"({"schema": "agentreplay.faults/v1", "faults": [
  {"kind": "empty_response", "endpoint": "responses.craete"},
  {"kind": "run_failed", "endpoint": "responses.create"},
  {"kind": "bandwidth"}]})"),
              ::testing::ElementsAre(
                  "f.json:2:42: /faults/0/endpoint: unknown endpoint 'responses.craete'; did you "
                  "mean 'responses.create'?",
                  "f.json:3:38: /faults/1/endpoint: run_failed cannot happen on "
                  "responses.create; it applies to: threads.create_and_run, runs.create, "
                  "runs.submit_tool_outputs",
                  "f.json:4:3: /faults/2: missing required field 'rate_kbps'"));
  EXPECT_THAT(Errors(R"({"schema": "agentreplay.faults/v2", "faults": []})"),
              ::testing::ElementsAre(
                  "f.json:1:12: /schema: unsupported schema 'agentreplay.faults/v2'; expected "
                  "'agentreplay.faults/v1'",
                  "f.json:1:47: /faults: faults must contain at least 1 fault rule"));
}

// A fault latency of 9.3e12 ms hung `run` with memory growing; now the file is refused.
TEST(FaultsLoaderTest, DurationsPastAnHourAreRefused) {
  EXPECT_THAT(Errors(R"({"schema": "agentreplay.faults/v1", "faults": [
  {"kind": "latency", "latency_ms": 9.3e12}]})"),
              ::testing::ElementsAre("f.json:2:37: /faults/0/latency_ms: latency_ms must be at "
                                     "most 3600000 (one hour), got 9.3e+12"));
  EXPECT_THAT(Errors(R"({"schema": "agentreplay.faults/v1", "faults": [
  {"kind": "http_error", "status": 429, "retry_after_s": 1e308}]})"),
              ::testing::ElementsAre("f.json:2:58: /faults/0/retry_after_s: retry_after_s must "
                                     "be at most 3600 (one hour), got 1e+308"));
  EXPECT_THAT(Errors(R"({"schema": "agentreplay.faults/v1", "faults": [
  {"kind": "slicer", "average_size": 10, "delay_us": 4e9}]})"),
              ::testing::ElementsAre("f.json:2:54: /faults/0/delay_us: delay_us must be at most "
                                     "3600000000 (one hour), got 4e+09"));
}

TEST(FaultsLoaderTest, ScenariosCarryTheirOwnRules) {
  const LoadResult loaded =
      Split(ParseScenario(R"({"schema": "agentreplay.scenario/v1", "name": "s",
"description": "d", "turns": [{"user": "hi", "steps": [{"text": "ok"}]}],
"faults": [{"kind": "slicer", "average_size": 8, "size_variation": 8}]})",
                          "s.json"));
  ASSERT_EQ(loaded.errors.size(), 1U);
  EXPECT_EQ(loaded.errors[0].ToString(),
            "s.json:3:68: /faults/0/size_variation: size_variation must be < average_size (8), "
            "got 8");
  const LoadResult good = Split(ParseScenario(R"({"schema": "agentreplay.scenario/v1", "name": "s",
"description": "d", "turns": [{"user": "hi", "steps": [{"text": "ok"}]}],
"faults": [{"kind": "reset_peer", "timeout_ms": 10, "requests": [1]}]})",
                                              "s.json"));
  ASSERT_TRUE(good.errors.empty()) << good.errors[0].ToString();
  ASSERT_EQ(good.scenario->faults.size(), 1U);
  EXPECT_EQ(good.scenario->faults[0].kind, FaultKind::kResetPeer);
}

TEST(FaultsLoaderTest, ShippedFaultFilesLoadAndTheSchemaAgrees) {
  const std::filesystem::path dir = std::filesystem::path(AGENTREPLAY_SCENARIOS_DIR);
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "faults")) {
    SCOPED_TRACE(entry.path().string());
    const auto loaded = LoadFaultsFile(entry.path());
    ASSERT_TRUE(loaded) << loaded.error();
    EXPECT_FALSE(loaded->empty());
    ++files;
  }
  EXPECT_GE(files, 2);

  std::ifstream in(shipped::Schema("faults"));
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  rapidjson::Document schema;
  schema.Parse(text.data(), text.size());
  ASSERT_FALSE(schema.HasParseError());
  const rapidjson::Value& defs = schema["$defs"];
  ASSERT_EQ(defs["rule"]["oneOf"].Size(), FaultRuleFields().size());
  for (const ObjectFields& fields : FaultRuleFields()) {
    const std::string kind(fields.object);
    SCOPED_TRACE(kind);
    ASSERT_TRUE(defs.HasMember(kind.c_str()));
    const rapidjson::Value& def = defs[kind.c_str()];
    std::set<std::string> properties;
    for (const auto& m : def["properties"].GetObject()) properties.insert(m.name.GetString());
    EXPECT_EQ(properties, std::set<std::string>(fields.known.begin(), fields.known.end()));
    std::set<std::string> required;
    for (const auto& r : def["required"].GetArray()) required.insert(r.GetString());
    EXPECT_EQ(required, std::set<std::string>(fields.required.begin(), fields.required.end()));
    EXPECT_TRUE(def["additionalProperties"].IsFalse());
  }
}

}  // namespace
}  // namespace agentreplay::harness
