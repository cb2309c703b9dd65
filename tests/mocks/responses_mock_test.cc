// The Responses side of the mock back end: wire fidelity against recorded exchanges, exact
// timelines, determinism.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <set>
#include <string>
#include <vector>

#include "mocks/api/mock_backend.h"
#include "mocks/api/responses/responses_renderer.h"
#include "mocks/api/wire_json.h"
#include "mocks/model/step_planner.h"
#include "tests/mocks/mock_test_util.h"

namespace agentreplay::mocks {
namespace {

using testing::Concat;
using testing::Entry;
using testing::Event;
using testing::LoadFixture;
using testing::Ms;
using testing::ParseJson;
using testing::Post;
using testing::SplitSse;

// Keys the API added after the older recordings were made (the December 2025 recording has
// them); the mock follows the newest recording, so they may be extra against older ones.
const std::set<std::string> kAddedSinceSeptember2025 = {"prompt_cache_retention"};

// Values that legitimately differ between a recording and the mock.
const std::set<std::string> kVolatileKeys = {"id",           "item_id",       "call_id",
                                             "created_at",   "obfuscation",   "model",
                                             "input_tokens", "output_tokens", "total_tokens"};

// Compares the JSON structure of `ours` with `theirs`: for every object the same keys in the
// same order (keys in `extra` may additionally appear in ours), arrays of equal length,
// scalars of the same JSON type, and — unless the key is volatile — the same value.
void CompareJson(const rapidjson::Value& ours, const rapidjson::Value& theirs,
                 const std::string& path, const std::set<std::string>& extra,
                 std::vector<std::string>& diffs, bool compare_values = true,
                 const std::set<std::string>& also_volatile = {}) {
  if (ours.IsObject() && theirs.IsObject()) {
    std::vector<std::string> our_keys;
    std::vector<std::string> their_keys;
    for (const auto& m : ours.GetObject()) {
      const std::string key = m.name.GetString();
      if (!theirs.HasMember(key.c_str()) && extra.contains(key)) continue;
      our_keys.push_back(key);
    }
    for (const auto& m : theirs.GetObject()) their_keys.emplace_back(m.name.GetString());
    if (our_keys != their_keys) {
      std::string a;
      std::string b;
      for (const auto& k : our_keys) a += k + ",";
      for (const auto& k : their_keys) b += k + ",";
      diffs.push_back(path + ": keys [" + a + "] vs recorded [" + b + "]");
      return;
    }
    for (const auto& key : their_keys) {
      CompareJson(ours[key.c_str()], theirs[key.c_str()], path + "." + key, extra, diffs,
                  compare_values && !kVolatileKeys.contains(key) && !also_volatile.contains(key),
                  also_volatile);
    }
    return;
  }
  if (ours.IsArray() && theirs.IsArray()) {
    if (ours.Size() != theirs.Size()) {
      diffs.push_back(path + ": array sizes differ");
      return;
    }
    for (rapidjson::SizeType i = 0; i < ours.Size(); ++i) {
      CompareJson(ours[i], theirs[i], path + "[" + std::to_string(i) + "]", extra, diffs,
                  compare_values, also_volatile);
    }
    return;
  }
  const bool same_type = ours.GetType() == theirs.GetType() || (ours.IsBool() && theirs.IsBool()) ||
                         (ours.IsNumber() && theirs.IsNumber());
  if (!same_type) {
    diffs.push_back(path + ": JSON types differ");
    return;
  }
  if (compare_values && ours != theirs) {
    diffs.push_back(path + ": " + testing::Compact(ours) + " vs recorded " +
                    testing::Compact(theirs));
  }
}

// Streams the recorded request through a mock whose scenario scripts the recorded output and
// compares every event with the recorded one.
void ExpectStreamMatchesRecording(const std::string& fixture_name, const Scenario& scenario,
                                  const std::set<std::string>& extra,
                                  const std::set<std::string>& also_volatile) {
  const rapidjson::Document fixture = LoadFixture(fixture_name);
  const rapidjson::Value& entry = Entry(fixture, 0);
  const std::vector<Event> recorded = SplitSse(testing::RecordedSseBody(entry));

  MockBackend backend(scenario, 7);
  const MockResponse response =
      backend.Handle(Post("/v1/responses", testing::Compact(entry["RequestBody"])), {});
  ASSERT_EQ(response.status, 200);
  const std::vector<Event> ours = SplitSse(Concat(response));

  std::vector<std::string> our_types;
  std::vector<std::string> recorded_types;
  for (const auto& e : ours) our_types.push_back(e.type);
  for (const auto& e : recorded) recorded_types.push_back(e.type);
  ASSERT_EQ(our_types, recorded_types);

  for (size_t i = 0; i < ours.size(); ++i) {
    SCOPED_TRACE(ours[i].type);
    const rapidjson::Document a = ParseJson(ours[i].data);
    const rapidjson::Document b = ParseJson(recorded[i].data);
    std::vector<std::string> diffs;
    CompareJson(a, b, ours[i].type, extra, diffs, true, also_volatile);
    EXPECT_TRUE(diffs.empty()) << [&] {
      std::string all;
      for (const auto& d : diffs) all += d + "\n";
      return all;
    }();
  }
}

Scenario TextOnlyScenario() {
  Scenario s;
  s.name = "hello";
  StepScript step;
  step.text_chunks = testing::RecordedTextDeltas();
  s.turns.push_back(TurnScript{"Hello, world!", {step}, {}});
  return s;
}

TEST(ResponsesMockFidelityTest, StreamedTextMatchesRecording) {
  // 17 events: created, in_progress, item added, part added, 9 deltas, text done, part done,
  // item done, completed.
  ExpectStreamMatchesRecording("dotnet-responses-streaming-text.json", TextOnlyScenario(),
                               kAddedSinceSeptember2025, {});
}

TEST(ResponsesMockFidelityTest, StreamedFunctionCallMatchesRecording) {
  // 14 events: created, in_progress, item added, 8 argument deltas, arguments done, item
  // done, completed. The recording is the newest, so no key may be extra. The model cut the
  // arguments at token boundaries, the mock cuts them into near-equal byte pieces, so the
  // argument deltas' values differ (their concatenation is checked elsewhere).
  ExpectStreamMatchesRecording("dotnet-responses-function-call-streaming.json",
                               testing::WeatherScenario(), {}, {"delta"});
}

TEST(ResponsesMockFidelityTest, ArgumentDeltasSplitLikeRequested) {
  MockBackend backend(testing::WeatherScenario(), 1);
  const auto response = backend.Handle(
      Post("/v1/responses", R"({"model":"gpt-4o-mini","input":"hi","stream":true})"), {});
  std::string joined;
  int deltas = 0;
  for (const auto& e : SplitSse(Concat(response))) {
    if (e.type != "response.function_call_arguments.delta") continue;
    ++deltas;
    joined += ParseJson(e.data)["delta"].GetString();
  }
  EXPECT_EQ(deltas, 8);
  EXPECT_EQ(joined, R"({"location":"San Francisco, CA"})");
}

TEST(ResponsesMockFidelityTest, NonStreamedBodiesMatchRecordingsAndTheirLength) {
  const rapidjson::Document fixture =
      LoadFixture("dotnet-responses-function-call-nonstreaming.json");
  // The recorded bodies, laid out the way the mock lays out its own, have exactly the length
  // the server announced: two-space pretty printing with non-ASCII escaped is the API's form.
  for (rapidjson::SizeType i = 0; i < 3; ++i) {
    const auto& entry = Entry(fixture, i);
    EXPECT_EQ(std::to_string(PrettyJson(entry["ResponseBody"]).size()),
              std::string(entry["ResponseHeaders"]["Content-Length"].GetString()));
  }

  MockBackend backend(testing::WeatherScenario(), 3);
  const auto first =
      backend.Handle(Post("/v1/responses", testing::Compact(Entry(fixture, 0)["RequestBody"])), {});
  ASSERT_EQ(first.status, 200);
  ASSERT_EQ(first.chunks.size(), 1U);
  EXPECT_EQ(*FindHeader(first.headers, "content-type"), "application/json");
  const rapidjson::Document ours = ParseJson(first.chunks[0].bytes);
  // The mock's bytes are exactly that layout.
  EXPECT_EQ(PrettyJson(ours), first.chunks[0].bytes);
  std::vector<std::string> diffs;
  CompareJson(ours, Entry(fixture, 0)["ResponseBody"], "response", kAddedSinceSeptember2025, diffs);
  EXPECT_TRUE(diffs.empty()) << diffs.front();

  // The continuation: the recorded request, pointed at the mock's response and call ids.
  rapidjson::Document request;
  request.CopyFrom(Entry(fixture, 1)["RequestBody"], request.GetAllocator());
  request["previous_response_id"].SetString(ours["id"].GetString(), request.GetAllocator());
  request["input"][0]["call_id"].SetString(ours["output"][0]["call_id"].GetString(),
                                           request.GetAllocator());
  const auto second = backend.Handle(Post("/v1/responses", testing::Compact(request)), {});
  ASSERT_EQ(second.status, 200) << Concat(second);
  const rapidjson::Document ours2 = ParseJson(second.chunks[0].bytes);
  diffs.clear();
  // Shape only: the recorded answer is a different text.
  CompareJson(ours2, Entry(fixture, 1)["ResponseBody"], "response", kAddedSinceSeptember2025, diffs,
              /*compare_values=*/false);
  EXPECT_TRUE(diffs.empty()) << diffs.front();
  EXPECT_EQ(std::string(ours2["previous_response_id"].GetString()), ours["id"].GetString());
}

TEST(ResponsesMockFidelityTest, NonStreamedBodiesEscapeNonAsciiInLowercase) {
  Scenario s;
  s.name = "accents";
  StepScript step;
  step.text_chunks = {
      "22\xC2\xB0"
      "C",
      " caf\xC3\xA9 \\u00B0"};  // the last is a literal backslash-u
  s.turns.push_back(TurnScript{"hi", {step}, {}});
  MockBackend backend(s, 1);
  const auto response =
      backend.Handle(Post("/v1/responses", R"({"model":"gpt-4o-mini","input":"hi"})"), {});
  const std::string body = Concat(response);
  EXPECT_NE(body.find(R"("text": "22\u00b0C caf\u00e9 \\u00B0")"), std::string::npos) << body;
  EXPECT_EQ(std::string(ParseJson(body)["output"][0]["content"][0]["text"].GetString()),
            "22\xC2\xB0"
            "C caf\xC3\xA9 \\u00B0");
}

TEST(ResponsesMockFidelityTest, IdsAndHeadersAreShapedLikeTheRealOnes) {
  MockBackend backend(testing::WeatherScenario(), 11);
  const auto response =
      backend.Handle(Post("/v1/responses", R"({"model":"gpt-4o-mini","input":"hi","stream":true})"),
                     testing::At(2500));
  const auto events = SplitSse(Concat(response));
  const auto done = ParseJson(events.back().data);
  const std::string id = done["response"]["id"].GetString();
  const std::string item = done["response"]["output"][0]["id"].GetString();
  const std::string call = done["response"]["output"][0]["call_id"].GetString();
  const auto is_lower_hex = [](const std::string& s) {
    return s.find_first_not_of("0123456789abcdef") == std::string::npos;
  };
  ASSERT_EQ(id.size(), 5U + 50U);
  EXPECT_TRUE(id.starts_with("resp_") && is_lower_hex(id.substr(5)));
  ASSERT_EQ(item.size(), 3U + 50U);
  EXPECT_TRUE(item.starts_with("fc_") && is_lower_hex(item.substr(3)));
  // The response and its items share the id's family prefix, as the real ones do.
  EXPECT_EQ(id.substr(5, 16), item.substr(3, 16));
  ASSERT_EQ(call.size(), 5U + 24U);
  EXPECT_TRUE(call.starts_with("call_"));
  EXPECT_EQ(done["response"]["created_at"].GetInt64(), 1767225600 + 2);

  EXPECT_EQ(*FindHeader(response.headers, "content-type"), "text/event-stream; charset=utf-8");
  EXPECT_EQ(*FindHeader(response.headers, "openai-version"), "2020-10-01");
  const std::string request_id(*FindHeader(response.headers, "x-request-id"));
  EXPECT_TRUE(request_id.starts_with("req_") && is_lower_hex(request_id.substr(4)));
  // Responses streams end with response.completed: no [DONE].
  EXPECT_EQ(events.back().type, "response.completed");
  EXPECT_EQ(Concat(response).find("[DONE]"), std::string::npos);
}

// rtt 100, queue 20, processing 30, prefill 10 ms per 1k input tokens, ttft 200, gaps 50.
Scenario FixedLatencyScenario() {
  Scenario s = testing::WeatherScenario();
  s.latency.network_rtt_ms = Dist::Fixed(100);
  s.latency.queue_ms = Dist::Fixed(20);
  s.latency.processing_ms = Dist::Fixed(30);
  s.latency.prefill_ms_per_1k_input_tokens = 10;
  StepScript step;
  step.ttft_ms = Dist::Fixed(200);
  step.chunk_gap_ms = Dist::Fixed(50);
  step.text_chunks = {"Let me ", "check."};
  step.tool_calls.push_back(ToolCallScript{"get_weather_at_location", R"({"location":"Oslo"})", 2});
  s.turns[0].steps[0] = step;
  return s;
}

// A request body of exactly 400 bytes: 100 input tokens, so prefill is 1 ms.
std::string FourHundredByteBody(bool stream) {
  std::string body = std::string(R"({"model":"gpt-4o-mini","stream":)") +
                     (stream ? "true" : "false") + R"(,"input":"hi","instructions":")";
  body += std::string(400 - body.size() - 2, 'x') + "\"}";
  return body;
}

TEST(ResponsesMockTimelineTest, FixedLatenciesGiveExactChunkTimes) {
  MockBackend backend(FixedLatencyScenario(), 5);
  const std::string body = FourHundredByteBody(true);
  ASSERT_EQ(body.size(), 400U);
  const auto response = backend.Handle(Post("/v1/responses", body), testing::At(1000));

  // response_start = 50 (up) + 20 + 30 + 50 (down) = 150; first token = 150 + 1 + 200 = 351;
  // deltas at 351 ("Let me "), 401 ("check."), 451 and 501 (the two argument chunks).
  EXPECT_EQ(response.headers_at, Ms(150));
  EXPECT_EQ(*FindHeader(response.headers, "openai-processing-ms"), "30");
  const std::vector<std::pair<double, std::vector<std::string>>> expected = {
      {150, {"response.created", "response.in_progress"}},
      {351,
       {"response.output_item.added", "response.content_part.added", "response.output_text.delta"}},
      {401,
       {"response.output_text.delta", "response.output_text.done", "response.content_part.done",
        "response.output_item.done"}},
      {451, {"response.output_item.added", "response.function_call_arguments.delta"}},
      {501,
       {"response.function_call_arguments.delta", "response.function_call_arguments.done",
        "response.output_item.done", "response.completed"}},
  };
  ASSERT_EQ(response.chunks.size(), expected.size());
  int64_t sequence = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(response.chunks[i].at, Ms(expected[i].first)) << i;
    const auto events = SplitSse(response.chunks[i].bytes);
    std::vector<std::string> types;
    for (const auto& e : events) {
      types.push_back(e.type);
      EXPECT_EQ(ParseJson(e.data)["sequence_number"].GetInt64(), sequence++);
    }
    EXPECT_EQ(types, expected[i].second) << i;
  }

  const auto done = ParseJson(SplitSse(response.chunks.back().bytes).back().data);
  const auto& usage = done["response"]["usage"];
  EXPECT_EQ(usage["input_tokens"].GetInt64(), 100);
  // "Let me " 2, "check." 2, and the two argument halves of {"location":"Oslo"} (9 and 10
  // bytes) 3 each.
  EXPECT_EQ(usage["output_tokens"].GetInt64(), 10);
  EXPECT_EQ(usage["total_tokens"].GetInt64(), 110);
}

TEST(ResponsesMockTimelineTest, NonStreamedBodyArrivesWholeAtTheEnd) {
  MockBackend backend(FixedLatencyScenario(), 5);
  const auto response = backend.Handle(Post("/v1/responses", FourHundredByteBody(false)), {});
  EXPECT_EQ(response.headers_at, Ms(501));
  ASSERT_EQ(response.chunks.size(), 1U);
  EXPECT_EQ(response.chunks[0].at, Ms(501));
}

TEST(ResponsesMockTimelineTest, UngroupedStreamHasOneChunkPerEvent) {
  const Scenario scenario = FixedLatencyScenario();
  Rng rng(StepSeed(5, 0, 0));
  const StepPlan plan = PlanStep(scenario, 0, 0, 100, rng);
  ResponsesRenderContext context;
  context.response_id = "resp_x";
  context.item_ids = {"msg_x", "fc_x"};
  context.call_ids = {"", "call_x"};
  context.model = scenario.model;
  context.group_same_instant = false;
  const auto chunks = RenderResponsesStream(plan, context);
  ASSERT_EQ(chunks.size(), 2U + 2U + 2U + 3U + 1U + 2U + 2U + 1U);
  for (const auto& chunk : chunks) EXPECT_EQ(SplitSse(chunk.bytes).size(), 1U);
  context.group_same_instant = true;
  EXPECT_EQ(RenderResponsesStream(plan, context).size(), 5U);
}

TEST(ResponsesMockTimelineTest, OddRoundTripSplitsIntoUpAndDownExactly) {
  Scenario s = testing::WeatherScenario();
  s.latency.network_rtt_ms = Dist::Fixed(0.000003);  // 3 ns
  Rng rng(1);
  const StepPlan plan = PlanStep(s, 0, 0, 0, rng);
  EXPECT_EQ(plan.network_up, Duration(1));
  EXPECT_EQ(plan.network_down, Duration(2));
  EXPECT_EQ(plan.response_start, Duration(3));
}

TEST(ResponsesMockPlannerTest, SplitUtf8KeepsSequencesWhole) {
  EXPECT_EQ(SplitUtf8("abcdefgh", 4), (std::vector<std::string>{"ab", "cd", "ef", "gh"}));
  EXPECT_EQ(SplitUtf8("abc", 1), (std::vector<std::string>{"abc"}));
  EXPECT_EQ(SplitUtf8("", 3), (std::vector<std::string>{""}));
  // More pieces than code points: one per code point, none empty.
  EXPECT_EQ(SplitUtf8("ab", 5), (std::vector<std::string>{"a", "b"}));
  // "é" (2 bytes) and "€" (3 bytes) are never cut.
  const std::string text = "\xC3\xA9\xE2\x82\xAC\xC3\xA9\xE2\x82\xAC";
  for (int n = 1; n <= 6; ++n) {
    std::string joined;
    for (const auto& piece : SplitUtf8(text, n)) {
      ASSERT_FALSE(piece.empty());
      const auto lead = static_cast<unsigned char>(piece[0]);
      EXPECT_NE(lead & 0xC0U, 0x80U) << "piece starts inside a sequence, n=" << n;
      joined += piece;
    }
    EXPECT_EQ(joined, text);
  }
  EXPECT_EQ(SplitUtf8(text, 4).size(), 4U);
}

TEST(ResponsesMockPlannerTest, TokenEstimates) {
  EXPECT_EQ(EstimateInputTokens(0), 0);
  EXPECT_EQ(EstimateInputTokens(1), 1);
  EXPECT_EQ(EstimateInputTokens(400), 100);
  EXPECT_EQ(EstimateInputTokens(401), 101);
  EXPECT_EQ(EstimateOutputTokens(""), 1);
  EXPECT_EQ(EstimateOutputTokens("abcd"), 1);
  EXPECT_EQ(EstimateOutputTokens("abcde"), 2);
}

TEST(ResponsesMockPlannerTest, ObfuscationPadsDeltasToSixteenCharacters) {
  Rng rng(1);
  EXPECT_EQ(ObfuscationFiller(5, rng).size(), 11U);   // "Hello" + 11 in the recording
  EXPECT_EQ(ObfuscationFiller(1, rng).size(), 15U);   // "!" + 15
  EXPECT_EQ(ObfuscationFiller(10, rng).size(), 6U);   // " Francisco" + 6
  EXPECT_EQ(ObfuscationFiller(16, rng).size(), 16U);  // assumed: next multiple of 16
}

Scenario LognormalScenario() {
  Scenario s = testing::WeatherScenario();
  s.latency.network_rtt_ms = Dist::Lognormal(40, 0.3);
  s.latency.queue_ms = Dist::Lognormal(10, 0.5);
  s.latency.processing_ms = Dist::Lognormal(80, 0.3);
  for (auto& turn : s.turns) {
    for (auto& step : turn.steps) {
      step.ttft_ms = Dist::Lognormal(300, 0.25);
      step.chunk_gap_ms = Dist::Lognormal(20, 0.4);
    }
  }
  return s;
}

// A conversation: a streamed call, the streamed answer after the tool output, a second turn,
// and a retrieve. Returns every response.
std::vector<MockResponse> PlayConversation(MockBackend& backend) {
  std::vector<MockResponse> out;
  out.push_back(backend.Handle(
      Post("/v1/responses", R"({"model":"gpt-4o-mini","input":"weather?","stream":true})"),
      testing::At(0)));
  const auto done = ParseJson(SplitSse(Concat(out.back())).back().data);
  const std::string id = done["response"]["id"].GetString();
  const std::string call = done["response"]["output"][0]["call_id"].GetString();
  out.push_back(backend.Handle(
      Post("/v1/responses", R"({"model":"gpt-4o-mini","stream":true,"previous_response_id":")" +
                                id + R"(","input":[{"type":"function_call_output","call_id":")" +
                                call + R"(","output":"22C"}]})"),
      testing::At(900)));
  const auto done2 = ParseJson(SplitSse(Concat(out.back())).back().data);
  const std::string id2 = done2["response"]["id"].GetString();
  out.push_back(backend.Handle(
      Post("/v1/responses",
           R"({"model":"gpt-4o-mini","previous_response_id":")" + id2 + R"(","input":"Thanks!"})"),
      testing::At(2000)));
  out.push_back(backend.Handle(testing::Get("/v1/responses/" + id), testing::At(3000)));
  return out;
}

void ExpectSameResponses(const std::vector<MockResponse>& a, const std::vector<MockResponse>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].status, b[i].status);
    EXPECT_EQ(a[i].headers_at, b[i].headers_at);
    ASSERT_EQ(a[i].headers.size(), b[i].headers.size());
    for (size_t h = 0; h < a[i].headers.size(); ++h) {
      EXPECT_EQ(a[i].headers[h].name, b[i].headers[h].name);
      EXPECT_EQ(a[i].headers[h].value, b[i].headers[h].value);
    }
    ASSERT_EQ(a[i].chunks.size(), b[i].chunks.size());
    for (size_t c = 0; c < a[i].chunks.size(); ++c) {
      EXPECT_EQ(a[i].chunks[c].at, b[i].chunks[c].at);
      EXPECT_EQ(a[i].chunks[c].bytes, b[i].chunks[c].bytes);
    }
  }
}

TEST(ResponsesMockDeterminismTest, SameSeedGivesIdenticalBytesAndTimes) {
  MockBackend a(LognormalScenario(), 42);
  MockBackend b(LognormalScenario(), 42);
  const auto ra = PlayConversation(a);
  const auto rb = PlayConversation(b);
  for (const auto& r : ra) EXPECT_EQ(r.status, 200) << Concat(r);
  ExpectSameResponses(ra, rb);
}

TEST(ResponsesMockDeterminismTest, DifferentSeedGivesDifferentTimings) {
  MockBackend a(LognormalScenario(), 42);
  MockBackend b(LognormalScenario(), 43);
  const auto ra = PlayConversation(a);
  const auto rb = PlayConversation(b);
  EXPECT_NE(ra[0].headers_at, rb[0].headers_at);
  EXPECT_NE(ra[1].chunks.back().at, rb[1].chunks.back().at);
  EXPECT_NE(Concat(ra[0]), Concat(rb[0]));  // ids differ too
}

TEST(ResponsesMockDeterminismTest, DrawsDependOnTurnAndStepNotOnRequestOrder) {
  MockBackend a(LognormalScenario(), 42);
  MockBackend b(LognormalScenario(), 42);
  // b first serves requests that play no step; a's and b's first step must still match.
  b.Handle(Post("/v1/xyz", "{}"), {});
  b.Handle(Post("/v1/responses", "not json"), {});
  const auto ra = PlayConversation(a);
  const auto rb = PlayConversation(b);
  for (size_t i = 0; i < 3; ++i) {
    ASSERT_EQ(ra[i].chunks.size(), rb[i].chunks.size());
    EXPECT_EQ(ra[i].headers_at, rb[i].headers_at);
    for (size_t c = 0; c < ra[i].chunks.size(); ++c) {
      EXPECT_EQ(ra[i].chunks[c].at, rb[i].chunks[c].at);
    }
  }
}

TEST(ResponsesMockDeterminismTest, ChunkTimesNeverDecrease) {
  MockBackend backend(LognormalScenario(), 9);
  for (const auto& r : PlayConversation(backend)) {
    Duration previous = r.headers_at;
    for (const auto& chunk : r.chunks) {
      EXPECT_GE(chunk.at, previous);
      previous = chunk.at;
    }
  }
}

}  // namespace
}  // namespace agentreplay::mocks
