// The Chat Completions side of the mock back end: wire fidelity against the recorded streams,
// exact timelines, validation with the API's bodies, faults and alternatives, determinism, and
// a round trip through the agent core's chat client.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <set>
#include <string>
#include <vector>

#include "llm/chat_client.h"
#include "mocks/api/chat/chat_renderer.h"
#include "mocks/api/mock_backend.h"
#include "mocks/api/openai_error.h"
#include "mocks/api/wire_json.h"
#include "tests/mocks/mock_test_util.h"
#include "tests/src/fake_ports.h"

namespace agentreplay::mocks {
namespace {

using testing::Concat;
using testing::Ms;
using testing::ParseJson;
using testing::Post;

// The data payloads of an SSE body, in order ("[DONE]" included).
std::vector<std::string> DataLines(std::string_view body) {
  std::vector<std::string> out;
  for (const auto& event : testing::SplitSse(body)) {
    if (!event.data.empty()) out.push_back(event.data);
  }
  return out;
}

std::vector<std::string> FixtureChunks(const std::string& name) {
  return DataLines(testing::ReadFile(std::string(AGENTREPLAY_FIXTURES_DIR) + "/" + name));
}

// What a chunk is: "role", "content", "call_first", "call_args", "finish", "usage" or "done".
std::string KindOf(const std::string& data) {
  if (data == "[DONE]") return "done";
  const rapidjson::Document doc = ParseJson(data);
  const auto& choices = doc["choices"];
  if (choices.Empty()) return "usage";
  const auto& choice = choices[0];
  if (!choice["finish_reason"].IsNull()) return "finish";
  const auto& delta = choice["delta"];
  if (delta.HasMember("role")) return "role";
  if (delta.HasMember("tool_calls")) {
    return delta["tool_calls"][0].HasMember("id") ? "call_first" : "call_args";
  }
  return delta.HasMember("content") ? "content" : "other";
}

std::vector<std::string> Kinds(const std::vector<std::string>& chunks) {
  std::vector<std::string> out;
  for (const auto& c : chunks) out.push_back(KindOf(c));
  return out;
}

// Values that legitimately differ between a recording and the mock.
const std::set<std::string> kVolatile = {"id",          "created",       "system_fingerprint",
                                         "arguments",   "prompt_tokens", "completion_tokens",
                                         "total_tokens"};

// Same keys in the same order at every level, arrays of equal length, scalars of the same JSON
// type and, unless the key is volatile, the same value.
void CompareJson(const rapidjson::Value& ours, const rapidjson::Value& theirs,
                 const std::string& path, std::vector<std::string>& diffs, bool values = true) {
  if (ours.IsObject() && theirs.IsObject()) {
    std::string a;
    std::string b;
    for (const auto& m : ours.GetObject()) a += std::string(m.name.GetString()) + ",";
    for (const auto& m : theirs.GetObject()) b += std::string(m.name.GetString()) + ",";
    if (a != b) {
      diffs.push_back(path + ": keys [" + a + "] vs recorded [" + b + "]");
      return;
    }
    for (const auto& m : theirs.GetObject()) {
      const std::string key = m.name.GetString();
      CompareJson(ours[key.c_str()], m.value, path + "." + key, diffs,
                  values && !kVolatile.contains(key));
    }
  } else if (ours.IsArray() && theirs.IsArray()) {
    if (ours.Size() != theirs.Size()) {
      diffs.push_back(path + ": array sizes differ");
      return;
    }
    for (rapidjson::SizeType i = 0; i < ours.Size(); ++i) {
      CompareJson(ours[i], theirs[i], path + "[" + std::to_string(i) + "]", diffs, values);
    }
  } else if (ours.GetType() != theirs.GetType() && !(ours.IsBool() && theirs.IsBool())) {
    diffs.push_back(path + ": JSON types differ");
  } else if (values && ours != theirs) {
    diffs.push_back(path + ": " + testing::Compact(ours) + " vs recorded " +
                    testing::Compact(theirs));
  }
}

std::string StreamRequest(const std::string& model = "gpt-4o") {
  return R"({"model":")" + model +
         R"(","messages":[{"role":"user","content":"hi"}],"stream":true,)"
         R"("stream_options":{"include_usage":true}})";
}

// Plays `scenario`'s first step as a stream and compares it chunk by chunk with the recording.
std::vector<std::string> ExpectStreamMatches(const std::string& fixture, const Scenario& scenario) {
  const std::vector<std::string> recorded = FixtureChunks(fixture);
  MockBackend backend(scenario, 7);
  const MockResponse response = backend.Handle(Post("/v1/chat/completions", StreamRequest()), {});
  EXPECT_EQ(response.status, 200) << Concat(response);
  const std::vector<std::string> ours = DataLines(Concat(response));
  EXPECT_EQ(Kinds(ours), Kinds(recorded));
  if (ours.size() != recorded.size()) return ours;
  for (size_t i = 0; i + 1 < ours.size(); ++i) {
    std::vector<std::string> diffs;
    CompareJson(ParseJson(ours[i]), ParseJson(recorded[i]), KindOf(ours[i]), diffs);
    EXPECT_TRUE(diffs.empty()) << "chunk " << i << ": " << diffs.front();
  }
  EXPECT_EQ(ours.back(), "[DONE]");
  return ours;
}

TEST(ChatMockFidelityTest, TextStreamMatchesTheRecordingChunkForChunk) {
  Scenario s;
  s.name = "text";
  s.model = "gpt-4o";  // reported as the recording's gpt-4o-2024-08-06
  StepScript step;
  for (const auto& data : FixtureChunks("python-chat-text-with-usage.sse")) {
    if (KindOf(data) == "content") {
      step.text_chunks.emplace_back(ParseJson(data)["choices"][0]["delta"]["content"].GetString());
    }
  }
  ASSERT_EQ(step.text_chunks.size(), 30U);
  s.turns.push_back(TurnScript{"hi", {step}, {}});
  // role, 30 content deltas, finish, usage, [DONE]; content and model values equal too.
  ExpectStreamMatches("python-chat-text-with-usage.sse", s);
}

TEST(ChatMockFidelityTest, ParallelToolCallsMatchTheRecordingChunkForChunk) {
  const std::string weather = R"({"city": "Edinburgh", "country": "GB", "units": "c"})";
  const std::string stock = R"({"ticker": "AAPL", "exchange": "NASDAQ"})";
  Scenario s;
  s.name = "parallel";
  s.model = "gpt-4o";
  StepScript step;
  step.tool_calls = {{"GetWeatherArgs", weather, 11}, {"get_stock_price", stock, 9}};
  s.turns.push_back(TurnScript{"hi", {step}, {}});
  // role (content null, no refusal), then per call its first delta and argument pieces.
  const auto ours = ExpectStreamMatches("python-chat-parallel-tool-calls.sse", s);

  // The pieces differ from the model's token cuts; per index they add up to the arguments.
  std::vector<std::string> joined(2);
  for (const auto& data : ours) {
    if (KindOf(data) != "call_args" && KindOf(data) != "call_first") continue;
    const rapidjson::Document chunk = ParseJson(data);
    const auto& call = chunk["choices"][0]["delta"]["tool_calls"][0];
    joined.at(call["index"].GetUint()) += call["function"]["arguments"].GetString();
  }
  EXPECT_EQ(joined[0], weather);
  EXPECT_EQ(joined[1], stock);
}

TEST(ChatMockFidelityTest, IdsModelAndHeadersAreShapedLikeTheRealOnes) {
  Scenario s = testing::WeatherScenario();  // gpt-4o-mini
  MockBackend backend(s, 11);
  const auto response =
      backend.Handle(Post("/v1/chat/completions", StreamRequest("gpt-4o-mini")), testing::At(2500));
  const auto chunks = DataLines(Concat(response));
  const auto first = ParseJson(chunks.front());
  const std::string id = first["id"].GetString();
  const std::string fingerprint = first["system_fingerprint"].GetString();
  const auto is = [](const std::string& text, const char* alphabet) {
    return text.find_first_not_of(alphabet) == std::string::npos;
  };
  const char* alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  ASSERT_EQ(id.size(), 9U + 29U);
  EXPECT_TRUE(id.starts_with("chatcmpl-") && is(id.substr(9), alnum));
  ASSERT_EQ(fingerprint.size(), 3U + 10U);
  EXPECT_TRUE(fingerprint.starts_with("fp_") && is(fingerprint.substr(3), "0123456789abcdef"));
  EXPECT_EQ(first["model"].GetString(), std::string("gpt-4o-mini-2024-07-18"));
  EXPECT_EQ(first["created"].GetInt64(), 1767225600 + 2);
  const std::string call =
      ParseJson(chunks[1])["choices"][0]["delta"]["tool_calls"][0]["id"].GetString();
  EXPECT_TRUE(call.starts_with("call_") && call.size() == 5U + 24U);
  for (const auto& data : chunks) {
    if (data != "[DONE]") {
      EXPECT_EQ(ParseJson(data)["id"].GetString(), id);
    }
  }
  EXPECT_EQ(*FindHeader(response.headers, "content-type"), "text/event-stream; charset=utf-8");
  EXPECT_EQ(*FindHeader(response.headers, "openai-version"), "2020-10-01");
  EXPECT_TRUE(FindHeader(response.headers, "x-request-id")->starts_with("req_"));
  EXPECT_TRUE(FindHeader(response.headers, "openai-processing-ms").has_value());
  EXPECT_EQ(Concat(response).find("event:"), std::string::npos);
  EXPECT_EQ(ReportedModel("my-local-model"), "my-local-model");
}

TEST(ChatMockFidelityTest, WithoutIncludeUsageThereIsNoUsageChunk) {
  MockBackend backend(testing::WeatherScenario(), 1);
  const auto response = backend.Handle(
      Post("/v1/chat/completions",
           R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"stream":true})"),
      {});
  const auto kinds = Kinds(DataLines(Concat(response)));
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "usage"), 0);
  EXPECT_EQ(kinds.back(), "done");
  EXPECT_EQ(kinds[kinds.size() - 2], "finish");
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
  std::string body = std::string(R"({"model":"gpt-4o-mini",)") +
                     (stream ? R"("stream":true,"stream_options":{"include_usage":true},)" : "") +
                     R"("messages":[{"role":"user","content":")";
  body += std::string(400 - body.size() - 4, 'x') + "\"}]}";
  return body;
}

TEST(ChatMockTimelineTest, FixedLatenciesGiveExactChunkTimes) {
  MockBackend backend(FixedLatencyScenario(), 5);
  const std::string body = FourHundredByteBody(true);
  ASSERT_EQ(body.size(), 400U);
  const auto response = backend.Handle(Post("/v1/chat/completions", body), testing::At(1000));
  ASSERT_EQ(response.status, 200) << Concat(response);

  // Headers at response_start = 50 (up) + 20 + 30 + 50 (down) = 150, but no chunk before the
  // first token = 150 + 1 (prefill) + 200 = 351; deltas at 351 ("Let me "), 401 ("check."),
  // 451 and 501 (the two argument pieces); the end at 501.
  EXPECT_EQ(response.headers_at, Ms(150));
  EXPECT_EQ(*FindHeader(response.headers, "openai-processing-ms"), "30");
  const std::vector<std::pair<double, std::vector<std::string>>> expected = {
      {351, {"role", "content"}},
      {401, {"content"}},
      {451, {"call_first", "call_args"}},
      {501, {"call_args", "finish", "usage", "done"}},
  };
  ASSERT_EQ(response.chunks.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(response.chunks[i].at, Ms(expected[i].first)) << i;
    EXPECT_EQ(Kinds(DataLines(response.chunks[i].bytes)), expected[i].second) << i;
  }
  const auto chunks = DataLines(Concat(response));
  EXPECT_EQ(std::string(ParseJson(chunks[1])["choices"][0]["delta"]["content"].GetString()),
            "Let me ");
  EXPECT_EQ(std::string(ParseJson(chunks[6])["choices"][0]["finish_reason"].GetString()),
            "tool_calls");
  const auto usage = ParseJson(chunks[7]);
  EXPECT_EQ(testing::Compact(usage["usage"]),
            R"({"prompt_tokens":100,"completion_tokens":10,"total_tokens":110,)"
            R"("completion_tokens_details":{"reasoning_tokens":0}})");

  // The completion reached requires_action when its finish chunk reached the client.
  ASSERT_EQ(backend.state_log().size(), 1U);
  EXPECT_EQ(backend.state_log()[0].object_id, ParseJson(chunks[0])["id"].GetString());
  EXPECT_EQ(backend.state_log()[0].status, "requires_action");
  EXPECT_EQ(backend.state_log()[0].visible_at, testing::At(1501));
}

TEST(ChatMockTimelineTest, UngroupedStreamHasOneChunkPerDataLine) {
  const Scenario scenario = FixedLatencyScenario();
  Rng rng(StepSeed(5, 0, 0));
  const StepPlan plan = PlanStep(scenario, 0, 0, 100, rng);
  ChatRenderContext context;
  context.completion_id = "chatcmpl-x";
  context.call_ids = {"", "call_x"};
  context.model = "gpt-4o-mini";
  context.include_usage = true;
  context.group_same_instant = false;
  // role, 2 contents, call first delta, 2 argument pieces, finish, usage, [DONE].
  const auto chunks = RenderChatStream(plan, context);
  ASSERT_EQ(chunks.size(), 9U);
  for (const auto& chunk : chunks) EXPECT_EQ(DataLines(chunk.bytes).size(), 1U);
  context.group_same_instant = true;
  EXPECT_EQ(RenderChatStream(plan, context).size(), 4U);
}

TEST(ChatMockTimelineTest, NonStreamedCompletionArrivesWholeAtTheEnd) {
  MockBackend backend(FixedLatencyScenario(), 5);
  const auto response =
      backend.Handle(Post("/v1/chat/completions", FourHundredByteBody(false)), testing::At(0));
  ASSERT_EQ(response.status, 200) << Concat(response);
  EXPECT_EQ(response.headers_at, Ms(501));
  ASSERT_EQ(response.chunks.size(), 1U);
  EXPECT_EQ(response.chunks[0].at, Ms(501));
  EXPECT_EQ(*FindHeader(response.headers, "content-type"), "application/json");

  const std::string& bytes = response.chunks[0].bytes;
  const auto doc = ParseJson(bytes);
  EXPECT_EQ(PrettyJson(doc), bytes);  // the API's two-space layout
  const std::string id = doc["id"].GetString();
  const std::string call = doc["choices"][0]["message"]["tool_calls"][0]["id"].GetString();
  const std::string fingerprint = doc["system_fingerprint"].GetString();
  EXPECT_EQ(testing::Compact(doc),
            R"({"id":")" + id +
                R"(","object":"chat.completion","created":1767225600,)"
                R"("model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{)"
                R"("role":"assistant","content":"Let me check.","tool_calls":[{"id":")" +
                call +
                R"(","type":"function","function":{"name":"get_weather_at_location",)"
                R"("arguments":"{\"location\":\"Oslo\"}"}}],"refusal":null,"annotations":[]},)"
                R"("logprobs":null,"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":100,)"
                R"("completion_tokens":10,"total_tokens":110,"prompt_tokens_details":{)"
                R"("cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{)"
                R"("reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,)"
                R"("rejected_prediction_tokens":0}},"service_tier":"default",)"
                R"("system_fingerprint":")" +
                fingerprint + R"("})");
}

void ExpectError(const MockResponse& response, int status, const std::string& body) {
  EXPECT_EQ(response.status, status);
  EXPECT_EQ(*FindHeader(response.headers, "content-type"), "application/json");
  EXPECT_EQ(Concat(response), body);
}

std::string ErrorBody(const std::string& message, const std::string& type, const std::string& param,
                      const std::string& code) {
  const auto quoted = [](const std::string& s) { return s.empty() ? "null" : "\"" + s + "\""; };
  return "{\n  \"error\": {\n    \"message\": \"" + message + "\",\n    \"type\": \"" + type +
         "\",\n    \"param\": " + quoted(param) + ",\n    \"code\": " + quoted(code) + "\n  }\n}";
}

MockResponse Chat(MockBackend& backend, const std::string& messages, bool stream = false,
                  const std::string& extra = "") {
  return backend.Handle(
      Post("/v1/chat/completions", R"({"model":"gpt-4o-mini","messages":)" + messages +
                                       (stream ? R"(,"stream":true)" : "") + extra + "}"),
      {});
}

TEST(ChatMockTimelineTest, AFileSearchIsSkippedButItsTimePasses) {
  // Chat never offers file_search, so this cannot be scripted through the API; the renderer
  // still copes: the search's 100 ms elapse and the answer follows it.
  Scenario s = testing::WeatherScenario();
  StepScript step;
  step.file_search = FileSearchScript{"returns policy", Dist::Fixed(100), {"policy.md"}};
  step.text_chunks = {"Thirty days."};
  s.turns[0].steps[0] = step;
  MockBackend backend(s, 1);
  const auto response = Chat(backend, R"([{"role":"user","content":"returns?"}])", true);
  ASSERT_EQ(response.chunks.size(), 1U);
  EXPECT_EQ(response.chunks[0].at, Ms(100));
  EXPECT_EQ(Kinds(DataLines(response.chunks[0].bytes)),
            (std::vector<std::string>{"role", "content", "finish", "done"}));
}

TEST(ChatApiTest, RequestErrorsHaveTheApiBodies) {
  MockBackend backend(testing::WeatherScenario(), 1);
  ExpectError(backend.Handle(Post("/v1/chat/completions", "{\"model\":"), {}), 400,
              OpenAiErrorBody(MalformedJsonBody()));
  ExpectError(backend.Handle(Post("/v1/chat/completions", R"({"messages":[]})"), {}), 400,
              ErrorBody("Missing required parameter: 'model'.", "invalid_request_error", "model",
                        "missing_required_parameter"));
  ExpectError(backend.Handle(Post("/v1/chat/completions", R"({"model":"gpt-4o-mini"})"), {}), 400,
              ErrorBody("Missing required parameter: 'messages'.", "invalid_request_error",
                        "messages", "missing_required_parameter"));
  ExpectError(Chat(backend, R"("hi")"), 400,
              ErrorBody("Invalid type for 'messages': expected an array, but got a string instead.",
                        "invalid_request_error", "messages", "invalid_type"));
  ExpectError(Chat(backend, "[]"), 400,
              ErrorBody("[] is too short - 'messages'", "invalid_request_error", "messages", ""));
}

TEST(ChatApiTest, ToolCallsMustBeAnsweredRightAfterThem) {
  MockBackend backend(testing::WeatherScenario(), 1);
  const std::string user = R"({"role":"user","content":"weather?"})";
  const std::string assistant =
      R"({"role":"assistant","content":null,"tool_calls":[)"
      R"({"id":"call_x","type":"function","function":{"name":"f","arguments":"{}"}},)"
      R"({"id":"call_y","type":"function","function":{"name":"f","arguments":"{}"}}]})";
  const auto tool = [](const std::string& id) {
    return R"({"role":"tool","tool_call_id":")" + id + R"(","content":"22C"})";
  };
  const std::string unanswered =
      "An assistant message with 'tool_calls' must be followed by tool messages responding to "
      "each 'tool_call_id'. The following tool_call_ids did not have response messages: ";
  ExpectError(Chat(backend, "[" + user + "," + assistant + "," + tool("call_y") + "]"), 400,
              ErrorBody(unanswered + "call_x", "invalid_request_error", "messages.[1].role", ""));
  ExpectError(
      Chat(backend, "[" + user + "," + assistant + "," + user + "]"), 400,
      ErrorBody(unanswered + "call_x, call_y", "invalid_request_error", "messages.[1].role", ""));
  const std::string preceeding =
      "Invalid parameter: messages with role 'tool' must be a response to a preceeding message "
      "with 'tool_calls'.";
  ExpectError(Chat(backend, "[" + user + "," + tool("call_x") + "]"), 400,
              ErrorBody(preceeding, "invalid_request_error", "messages.[1].role", ""));
  ExpectError(Chat(backend, "[" + user + "," + assistant + "," + tool("call_z") + "]"), 400,
              ErrorBody(preceeding, "invalid_request_error", "messages.[2].role", ""));
  // Answered in any order: fine, and it is step 1 of turn 0 (the answer).
  const auto ok = Chat(
      backend, "[" + user + "," + assistant + "," + tool("call_y") + "," + tool("call_x") + "]");
  ASSERT_EQ(ok.status, 200) << Concat(ok);
  EXPECT_EQ(std::string(ParseJson(Concat(ok))["choices"][0]["message"]["content"].GetString()),
            "Hello! How can I assist you today?");
}

TEST(ChatApiTest, PlacesTheRequestByCountingMessages) {
  MockBackend backend(testing::WeatherScenario(), 1);
  const std::string turn0 = R"({"role":"user","content":"weather?"})";
  const auto first = ParseJson(Concat(Chat(backend, "[" + turn0 + "]")));
  EXPECT_STREQ(first["choices"][0]["finish_reason"].GetString(), "tool_calls");
  // Turn 1 step 0, whatever the history before the last user message holds.
  const std::string history = turn0 + R"(,{"role":"assistant","content":"Hello!"},)" +
                              R"({"role":"user","content":"Thanks!"})";
  const auto second = ParseJson(Concat(Chat(backend, "[" + history + "]")));
  EXPECT_STREQ(second["choices"][0]["message"]["content"].GetString(), "You're welcome.");
  // Turn 1 step 1 does not exist: a 500 naming the scenario, turn and step.
  const std::string beyond =
      history +
      R"(,{"role":"assistant","content":null,"tool_calls":[{"id":"call_q","type":"function",)"
      R"("function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"call_q",)"
      R"("content":"x"})";
  ExpectError(Chat(backend, "[" + beyond + "]"), 500,
              ErrorBody("Scenario 'weather' is exhausted: the request asks for turn 1 step 1 "
                        "(0-based), but the scenario has 2 turn(s) and that turn 1 step(s).",
                        "server_error", "", ""));
}

TEST(ChatApiTest, ScriptedFaultThenSuccessOnTheNextAttempt) {
  Scenario s = testing::WeatherScenario();
  s.latency.network_rtt_ms = Dist::Fixed(40);
  s.latency.processing_ms = Dist::Fixed(10);
  FaultScript fault;
  fault.status = 429;
  fault.retry_after_s = 2;
  s.turns[0].steps[0].faults.push_back(fault);
  MockBackend backend(s, 1);
  const std::string messages = R"([{"role":"user","content":"weather?"}])";

  const auto refused = Chat(backend, messages, true);
  EXPECT_EQ(refused.headers_at, Ms(50));
  EXPECT_EQ(*FindHeader(refused.headers, "retry-after"), "2");
  ExpectError(refused, 429,
              ErrorBody("Rate limit reached. Please try again later.", "requests", "",
                        "rate_limit_exceeded"));
  EXPECT_TRUE(backend.state_log().empty());

  const auto played = Chat(backend, messages, true);
  ASSERT_EQ(played.status, 200) << Concat(played);
  EXPECT_EQ(Kinds(DataLines(Concat(played)))[1], "call_first");
  ASSERT_EQ(backend.request_log().size(), 2U);
  EXPECT_EQ(backend.request_log()[0].status, 429);
  EXPECT_EQ(backend.request_log()[1].status, 200);
}

TEST(ChatApiTest, AlternativePlaysWhenTheToolIsNotOffered) {
  Scenario s = testing::WeatherScenario();
  StepScript fallback;
  fallback.text_chunks = {"I cannot check the weather."};
  s.turns[0].steps[0].alternatives.push_back(
      {StepCondition{"get_weather_at_location", 0}, fallback});
  const std::string messages = R"([{"role":"user","content":"weather?"}])";
  const std::string tools =
      R"(,"tools":[{"type":"function","function":{"name":"get_weather_at_location",)"
      R"("description":"d","parameters":{"type":"object","properties":{}}}}])";

  MockBackend without(s, 1);
  const auto alternative = ParseJson(Concat(Chat(without, messages, false)));
  EXPECT_STREQ(alternative["choices"][0]["message"]["content"].GetString(),
               "I cannot check the weather.");
  EXPECT_STREQ(alternative["choices"][0]["finish_reason"].GetString(), "stop");
  EXPECT_EQ(without.state_log().at(0).status, "completed");

  MockBackend with(s, 1);
  const auto scripted = ParseJson(Concat(Chat(with, messages, false, tools)));
  EXPECT_STREQ(scripted["choices"][0]["finish_reason"].GetString(), "tool_calls");
  EXPECT_TRUE(scripted["choices"][0]["message"]["content"].IsNull());
}

TEST(ChatMockDeterminismTest, SameSeedGivesIdenticalBytesAndTimes) {
  Scenario s = FixedLatencyScenario();
  s.latency.network_rtt_ms = Dist::Lognormal(80, 0.5);
  s.turns[0].steps[0].chunk_gap_ms = Dist::Uniform(10, 90);
  const auto run = [&s](uint64_t seed) {
    MockBackend backend(s, seed);
    return backend.Handle(Post("/v1/chat/completions", FourHundredByteBody(true)), {});
  };
  const auto a = run(42);
  const auto b = run(42);
  const auto c = run(43);
  ASSERT_EQ(a.chunks.size(), b.chunks.size());
  for (size_t i = 0; i < a.chunks.size(); ++i) {
    EXPECT_EQ(a.chunks[i].at, b.chunks[i].at);
    EXPECT_EQ(a.chunks[i].bytes, b.chunks[i].bytes);
    if (i > 0) {
      EXPECT_GE(a.chunks[i].at, a.chunks[i - 1].at);
    }
  }
  EXPECT_EQ(a.headers_at, b.headers_at);
  EXPECT_NE(Concat(a), Concat(c));
  EXPECT_NE(a.chunks.back().at, c.chunks.back().at);
}

// The agent core's chat client against the mock, through a transport that hands each request
// to the back end and replays its chunks.
class MockTransport : public Transport {
 public:
  explicit MockTransport(MockBackend& backend) : backend_(backend) {}
  Task<HttpResponse> Send(HttpRequest request) override {
    const MockResponse response = backend_.Handle(request, {});
    std::vector<std::string> chunks;
    for (const auto& chunk : response.chunks) chunks.push_back(chunk.bytes);
    agentreplay::testing::CannedResponse canned;
    canned.status = response.status;
    canned.chunks = std::move(chunks);
    scripted_.responses.push_back(std::move(canned));
    co_return co_await scripted_.Send(std::move(request));
  }

 private:
  MockBackend& backend_;
  agentreplay::testing::ScriptedTransport scripted_;
};

class ChatRoundTripTest : public ::testing::TestWithParam<bool> {};

TEST_P(ChatRoundTripTest, TheClientDecodesWhatTheMockScripted) {
  MockBackend backend(testing::WeatherScenario(), 3);
  MockTransport transport(backend);
  agentreplay::testing::FixedClock clock;
  agentreplay::testing::RecordingSink sink;
  LlmClientOptions options;
  options.stream = GetParam();
  options.instructions = "Be brief.";
  ChatClient client(options, LlmClientPorts{clock, transport, sink});
  const std::vector<ToolSpec> tools = {
      ToolSpec{"get_weather_at_location", "Gets the weather", R"({"type":"object"})"}};

  StepResult call = agentreplay::testing::RunSync(
      client.StartTurn("What should I wear for the weather in San Francisco, CA?", tools));
  ASSERT_EQ(call.outcome, StepResult::Outcome::kToolCalls) << call.error->message;
  ASSERT_EQ(call.tool_calls.size(), 1U);
  EXPECT_EQ(call.tool_calls[0].name, "get_weather_at_location");
  EXPECT_EQ(call.tool_calls[0].arguments, R"({"location":"San Francisco, CA"})");
  EXPECT_TRUE(call.tool_calls[0].call_id.starts_with("call_"));
  EXPECT_TRUE(call.usage.reported);

  StepResult answer = agentreplay::testing::RunSync(
      client.SubmitToolOutputs({ToolOutput{call.tool_calls[0].call_id, "18C, fog"}}, tools));
  ASSERT_EQ(answer.outcome, StepResult::Outcome::kCompleted) << answer.error->message;
  EXPECT_EQ(answer.text, "Hello! How can I assist you today?");

  StepResult bye = agentreplay::testing::RunSync(client.StartTurn("Thanks!", tools));
  ASSERT_EQ(bye.outcome, StepResult::Outcome::kCompleted) << bye.error->message;
  EXPECT_EQ(bye.text, "You're welcome.");

  ASSERT_EQ(backend.request_log().size(), 3U);
  for (const auto& entry : backend.request_log()) {
    EXPECT_EQ(entry.endpoint, "chat.completions.create");
    EXPECT_EQ(entry.status, 200);
  }
  std::vector<std::string> states;
  for (const auto& state : backend.state_log()) states.push_back(state.status);
  EXPECT_EQ(states, (std::vector<std::string>{"requires_action", "completed", "completed"}));
}

INSTANTIATE_TEST_SUITE_P(StreamedAndWhole, ChatRoundTripTest, ::testing::Bool());

}  // namespace
}  // namespace agentreplay::mocks
