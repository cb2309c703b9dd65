// The Responses API's request handling in the mock: validation errors with the API's exact
// bodies, continuation (previous_response_id, stateless history), retrieve, the request log.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "mocks/api/mock_backend.h"
#include "tests/mocks/mock_test_util.h"

namespace agentreplay::mocks {
namespace {

using testing::Concat;
using testing::Get;
using testing::ParseJson;
using testing::Post;
using testing::SplitSse;

constexpr const char* kFirstRequest = R"({"model":"gpt-4o-mini","input":"weather?"})";

struct Created {
  std::string id;
  std::vector<std::string> call_ids;
  std::string text;  // the message text, when the output has one
};

// Reads the response object of a non-streamed 200 response.
Created ReadCreated(const MockResponse& response) {
  EXPECT_EQ(response.status, 200) << Concat(response);
  Created out;
  const auto doc = ParseJson(Concat(response));
  if (!doc.IsObject() || !doc.HasMember("id")) return out;
  out.id = doc["id"].GetString();
  for (const auto& item : doc["output"].GetArray()) {
    if (std::string(item["type"].GetString()) == "function_call") {
      out.call_ids.emplace_back(item["call_id"].GetString());
    } else {
      out.text += item["content"][0]["text"].GetString();
    }
  }
  return out;
}

std::string ToolOutput(const std::string& call_id) {
  return R"({"type":"function_call_output","call_id":")" + call_id + R"(","output":"22C"})";
}

std::string Continue(const std::string& previous, const std::string& input_items) {
  return R"({"model":"gpt-4o-mini","previous_response_id":")" + previous + R"(","input":[)" +
         input_items + "]}";
}

void ExpectError(const MockResponse& response, int status, const std::string& message,
                 const char* type, const char* param, const char* code) {
  EXPECT_EQ(response.status, status);
  EXPECT_EQ(*FindHeader(response.headers, "content-type"), "application/json");
  const auto doc = ParseJson(Concat(response));
  ASSERT_TRUE(doc.IsObject() && doc.HasMember("error")) << Concat(response);
  const auto& e = doc["error"];
  EXPECT_EQ(std::string(e["message"].GetString()), message);
  EXPECT_EQ(std::string(e["type"].GetString()), type);
  if (param == nullptr) {
    EXPECT_TRUE(e["param"].IsNull());
  } else {
    EXPECT_EQ(std::string(e["param"].GetString()), param);
  }
  if (code == nullptr) {
    EXPECT_TRUE(e["code"].IsNull());
  } else {
    EXPECT_EQ(std::string(e["code"].GetString()), code);
  }
}

// A request body nested 300,000 levels deep killed `serve` (the DOM parser's recursion overflowed
// the stack); now every API answers it as the malformed JSON it is, and the back end goes on.
TEST(ResponsesApiTest, ADeeplyNestedBodyIsMalformedJsonOnEveryApi) {
  MockBackend backend(testing::WeatherScenario(), 1);
  const std::string arrays = std::string(300'000, '[') + std::string(300'000, ']');
  std::string objects = R"({"model":"gpt-4o-mini","input":)";
  for (int i = 0; i < 300'000; ++i) objects += "{\"a\":";
  for (const std::string path : {"/v1/responses", "/v1/chat/completions"}) {
    for (const std::string& body : {arrays, objects}) {
      EXPECT_EQ(backend.Handle(Post(path, body), {}).status, 400) << path;
    }
  }
  EXPECT_EQ(backend.Handle(Post("/v1/responses", kFirstRequest), {}).status, 200);
}

// Found by fuzzing the request path: text that is not UTF-8 made the error body's ASCII writer
// read past its end (a request target) or abort half-way (a string echoed from the body). A
// target is echoed repaired; a body that is not UTF-8 is malformed JSON, as the API says.
TEST(ResponsesApiTest, TextThatIsNotUtf8IsNeverEchoedAsIs) {
  MockBackend backend(testing::WeatherScenario(), 1);
  const auto lost = backend.Handle(Get("/v1/x\xf3"), {});
  EXPECT_EQ(lost.status, 404);
  const auto doc = ParseJson(Concat(lost));
  ASSERT_TRUE(doc.IsObject()) << Concat(lost);
  EXPECT_NE(std::string(doc["error"]["message"].GetString()).find("/v1/x\uFFFD"),
            std::string::npos);
  const auto bad_body = backend.Handle(
      Post("/v1/responses",
           R"({"model":"gpt-4o-mini","input":"hi","tools":[{"type":"web_search","x":")"
           "\xe5"
           R"("}]})"),
      {});
  EXPECT_EQ(bad_body.status, 400);
  EXPECT_TRUE(ParseJson(Concat(bad_body)).IsObject());
}

TEST(ResponsesApiTest, UnknownPreviousResponseIsAnExact400) {
  MockBackend backend(testing::WeatherScenario(), 1);
  const auto response =
      backend.Handle(Post("/v1/responses", Continue("resp_nope", ToolOutput("call_x"))), {});
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(Concat(response),
            "{\n"
            "  \"error\": {\n"
            "    \"message\": \"Previous response with id 'resp_nope' not found.\",\n"
            "    \"type\": \"invalid_request_error\",\n"
            "    \"param\": \"previous_response_id\",\n"
            "    \"code\": \"previous_response_not_found\"\n"
            "  }\n"
            "}");
}

TEST(ResponsesApiTest, OutputForAnUnknownCallIsRejected) {
  MockBackend backend(testing::WeatherScenario(), 1);
  const Created first = ReadCreated(backend.Handle(Post("/v1/responses", kFirstRequest), {}));
  ASSERT_EQ(first.call_ids.size(), 1U);
  const auto response = backend.Handle(
      Post("/v1/responses",
           Continue(first.id, ToolOutput(first.call_ids[0]) + "," + ToolOutput("call_bogus"))),
      {});
  ExpectError(response, 400, "No tool call found for function call output with call_id call_bogus.",
              "invalid_request_error", "input", nullptr);
}

TEST(ResponsesApiTest, StatelessOutputWithoutItsCallIsRejected) {
  MockBackend backend(testing::WeatherScenario(), 1);
  const auto response = backend.Handle(
      Post("/v1/responses", R"({"model":"gpt-4o-mini","input":[{"role":"user","content":"hi"},)" +
                                ToolOutput("call_a") + "]}"),
      {});
  ExpectError(response, 400, "No tool call found for function call output with call_id call_a.",
              "invalid_request_error", "input", nullptr);
}

TEST(ResponsesApiTest, CallLeftWithoutOutputIsRejected) {
  MockBackend backend(testing::WeatherScenario(), 1);
  const Created first = ReadCreated(backend.Handle(Post("/v1/responses", kFirstRequest), {}));
  const auto response = backend.Handle(
      Post("/v1/responses",
           Continue(first.id, R"({"type":"message","role":"user","content":"never mind"})")),
      {});
  ExpectError(response, 400, "No tool output found for function call " + first.call_ids[0] + ".",
              "invalid_request_error", "input", nullptr);
}

TEST(ResponsesApiTest, MissingModel) {
  MockBackend backend(testing::WeatherScenario(), 1);
  ExpectError(backend.Handle(Post("/v1/responses", R"({"input":"hi"})"), {}), 400,
              "Missing required parameter: 'model'.", "invalid_request_error", "model",
              "missing_required_parameter");
}

TEST(ResponsesApiTest, MalformedJson) {
  MockBackend backend(testing::WeatherScenario(), 1);
  for (const char* body : {R"({"model": "gpt-4o-mini", )", "", "[1,2]"}) {
    const auto response = backend.Handle(Post("/v1/responses", body), {});
    EXPECT_EQ(response.status, 400) << body;
    const auto doc = ParseJson(Concat(response));
    EXPECT_EQ(std::string(doc["error"]["type"].GetString()), "invalid_request_error");
    EXPECT_TRUE(std::string(doc["error"]["message"].GetString())
                    .starts_with("We could not parse the JSON body of your request."));
  }
}

TEST(ResponsesApiTest, ScriptExhaustedIsA500NamingScenarioTurnAndStep) {
  MockBackend backend(testing::WeatherScenario(), 1);
  // Three user messages: turn 2, but the scenario has two turns.
  const auto response = backend.Handle(
      Post("/v1/responses", R"({"model":"gpt-4o-mini","input":[{"role":"user","content":"a"},)"
                            R"({"role":"user","content":"b"},{"role":"user","content":"c"}]})"),
      {});
  EXPECT_EQ(response.status, 500);
  const auto doc = ParseJson(Concat(response));
  const std::string message = doc["error"]["message"].GetString();
  EXPECT_EQ(std::string(doc["error"]["type"].GetString()), "server_error");
  EXPECT_NE(message.find("'weather'"), std::string::npos) << message;
  EXPECT_NE(message.find("turn 2 step 0"), std::string::npos) << message;

  // Beyond the last step of a turn: turn 1 has one step.
  const Created t1 = ReadCreated(backend.Handle(
      Post("/v1/responses", R"({"model":"gpt-4o-mini","input":[{"role":"user","content":"a"},)"
                            R"({"role":"user","content":"b"}]})"),
      {}));
  const auto beyond = backend.Handle(
      Post("/v1/responses", Continue(t1.id, R"({"role":"developer","content":"go on"})")), {});
  EXPECT_EQ(beyond.status, 500);
  EXPECT_NE(
      std::string(ParseJson(Concat(beyond))["error"]["message"].GetString()).find("turn 1 step 1"),
      std::string::npos);
}

TEST(ResponsesApiTest, UnknownRouteIs404InOpenAiShape) {
  MockBackend backend(testing::WeatherScenario(), 1);
  ExpectError(backend.Handle(Post("/v1/xyz", "{}"), {}), 404, "Invalid URL (POST /v1/xyz)",
              "invalid_request_error", nullptr, nullptr);
}

TEST(ResponsesApiTest, RetrieveReturnsTheStoredResponse) {
  MockBackend backend(testing::WeatherScenario(), 1);
  const auto created = backend.Handle(Post("/v1/responses", kFirstRequest), {});
  const Created first = ReadCreated(created);
  const auto got = backend.Handle(testing::Get("/v1/responses/" + first.id), testing::At(10));
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(Concat(got), Concat(created));

  // A streamed response is stored as its final object (what response.completed carried).
  const auto streamed = backend.Handle(
      Post("/v1/responses", R"({"model":"gpt-4o-mini","input":"weather?","stream":true})"), {});
  const auto completed = ParseJson(SplitSse(Concat(streamed)).back().data);
  const std::string id = completed["response"]["id"].GetString();
  const auto got2 = backend.Handle(testing::Get("/v1/responses/" + id + "?include[]=x"), {});
  EXPECT_EQ(got2.status, 200);
  EXPECT_TRUE(ParseJson(Concat(got2)) == completed["response"]);

  ExpectError(backend.Handle(testing::Get("/v1/responses/resp_missing"), {}), 404,
              "Response with id 'resp_missing' not found.", "invalid_request_error", nullptr,
              nullptr);
}

TEST(ResponsesApiTest, StoreFalseCannotBeContinued) {
  MockBackend backend(testing::WeatherScenario(), 1);
  const Created first = ReadCreated(backend.Handle(
      Post("/v1/responses", R"({"model":"gpt-4o-mini","input":"weather?","store":false})"), {}));
  EXPECT_EQ(
      backend.Handle(Post("/v1/responses", Continue(first.id, ToolOutput(first.call_ids[0]))), {})
          .status,
      400);
}

TEST(ResponsesApiTest, ContinuationPlaysTheNextStepThenTheNextTurn) {
  MockBackend backend(testing::WeatherScenario(), 1);
  const Created step0 = ReadCreated(backend.Handle(Post("/v1/responses", kFirstRequest), {}));
  ASSERT_EQ(step0.call_ids.size(), 1U);
  const Created step1 = ReadCreated(
      backend.Handle(Post("/v1/responses", Continue(step0.id, ToolOutput(step0.call_ids[0]))), {}));
  EXPECT_EQ(step1.text, "Hello! How can I assist you today?");
  // A new user message on top of the chain starts turn 1.
  const Created turn1 = ReadCreated(backend.Handle(
      Post(
          "/v1/responses",
          Continue(
              step1.id,
              R"({"type":"message","role":"user","content":[{"type":"input_text","text":"Thanks!"}]})")),
      {}));
  EXPECT_EQ(turn1.text, "You're welcome.");
}

TEST(ResponsesApiTest, StatelessHistoryPlaysTheNextStep) {
  MockBackend backend(testing::WeatherScenario(), 1);
  const Created step0 = ReadCreated(backend.Handle(Post("/v1/responses", kFirstRequest), {}));
  const std::string call = step0.call_ids.at(0);
  const std::string history =
      R"({"model":"gpt-4o-mini","input":[{"role":"user","content":"weather?"},)"
      R"({"type":"function_call","call_id":")" +
      call + R"(","name":"get_weather_at_location","arguments":"{}"},)" + ToolOutput(call) + "]}";
  EXPECT_EQ(ReadCreated(backend.Handle(Post("/v1/responses", history), {})).text,
            "Hello! How can I assist you today?");
}

TEST(ResponsesApiTest, StatelessParallelCallsCountAsOneStep) {
  Scenario s = testing::WeatherScenario();
  s.turns[0].steps[0].tool_calls.push_back(
      ToolCallScript{"get_weather_at_location", R"({"location":"Oslo"})", 1});
  for (const bool known_ids : {true, false}) {
    MockBackend backend(s, 1);
    const Created step0 = ReadCreated(backend.Handle(Post("/v1/responses", kFirstRequest), {}));
    ASSERT_EQ(step0.call_ids.size(), 2U);
    // With the mock's own call ids the issuing step is known; with foreign ids the two
    // consecutive function_call items still count as one step.
    const std::string a = known_ids ? step0.call_ids[0] : "call_a";
    const std::string b = known_ids ? step0.call_ids[1] : "call_b";
    const std::string history =
        R"({"model":"gpt-4o-mini","input":[{"role":"user","content":"weather?"},)"
        R"({"type":"function_call","call_id":")" +
        a + R"(","name":"f","arguments":"{}"},{"type":"function_call","call_id":")" + b +
        R"(","name":"f","arguments":"{}"},)" + ToolOutput(a) + "," + ToolOutput(b) + "]}";
    EXPECT_EQ(ReadCreated(backend.Handle(Post("/v1/responses", history), {})).text,
              "Hello! How can I assist you today?")
        << known_ids;
  }
}

TEST(ResponsesApiTest, InstructionsAndToolsAreEchoed) {
  MockBackend backend(testing::WeatherScenario(), 1);
  const auto doc = ParseJson(Concat(backend.Handle(
      Post("/v1/responses",
           R"({"model":"gpt-4o-mini","instructions":"Be brief.","input":"weather?",)"
           R"("tools":[{"type":"function","name":"f","parameters":{"type":"object"}}]})"),
      {})));
  EXPECT_EQ(std::string(doc["instructions"].GetString()), "Be brief.");
  EXPECT_EQ(std::string(doc["model"].GetString()), "gpt-4o-mini");
  EXPECT_EQ(testing::Compact(doc["tools"]), R"([{"type":"function","description":null,"name":"f",)"
                                            R"("parameters":{"type":"object"},"strict":true}])");
}

TEST(ResponsesApiTest, RequestLogCountsAndBytesAreExact) {
  MockBackend backend(testing::WeatherScenario(), 1);
  const std::string body1 = kFirstRequest;
  const auto r1 = backend.Handle(Post("/v1/responses", body1), testing::At(5));
  const Created first = ReadCreated(r1);
  const std::string body2 = Continue(first.id, ToolOutput(first.call_ids[0]));
  const auto r2 = backend.Handle(Post("/v1/responses", body2), testing::At(50));
  const auto r3 = backend.Handle(testing::Get("/v1/responses/" + first.id), testing::At(60));
  const auto r4 = backend.Handle(Post("/v1/xyz", "{}"), testing::At(70));

  const auto& log = backend.request_log();
  ASSERT_EQ(log.size(), 4U);
  const std::vector<const MockResponse*> responses = {&r1, &r2, &r3, &r4};
  const std::vector<std::string> endpoints = {"responses.create", "responses.create",
                                              "responses.retrieve", "other"};
  const std::vector<size_t> request_bytes = {body1.size(), body2.size(), 0, 2};
  const std::vector<int> statuses = {200, 200, 200, 404};
  const std::vector<double> sent = {5, 50, 60, 70};
  for (size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ(log[i].endpoint, endpoints[i]) << i;
    EXPECT_EQ(log[i].request_bytes, request_bytes[i]) << i;
    EXPECT_EQ(log[i].response_bytes, Concat(*responses[i]).size()) << i;
    EXPECT_EQ(log[i].status, statuses[i]) << i;
    EXPECT_EQ(log[i].sent_at, testing::At(sent[i])) << i;
  }
  EXPECT_EQ(log[0].method, "POST");
  EXPECT_EQ(log[2].method, "GET");
  EXPECT_EQ(log[2].target, "/v1/responses/" + first.id);
  EXPECT_EQ(log[3].target, "/v1/xyz");
}

TEST(ResponsesApiTest, QuickRepliesUseRttPlusProcessing) {
  Scenario s = testing::WeatherScenario();
  s.latency.network_rtt_ms = Dist::Fixed(40);
  s.latency.queue_ms = Dist::Fixed(1000);  // validation happens before any queueing
  s.latency.processing_ms = Dist::Fixed(7);
  MockBackend backend(s, 1);
  const auto response = backend.Handle(Post("/v1/responses", R"({"input":"hi"})"), {});
  EXPECT_EQ(response.headers_at, testing::Ms(47));
  ASSERT_EQ(response.chunks.size(), 1U);
  EXPECT_EQ(response.chunks[0].at, testing::Ms(47));
  EXPECT_EQ(*FindHeader(response.headers, "openai-processing-ms"), "7");
}

// GET /v1/responses/{id}?stream=true&starting_after=N replays a background response's events
// after N, each at the instant it was due in the original stream (at once when already due).
TEST(ResponsesApiTest, ABackgroundStreamResumesAfterASequenceNumber) {
  Scenario s = testing::WeatherScenario();
  s.latency.network_rtt_ms = Dist::Fixed(20);
  s.latency.processing_ms = Dist::Fixed(5);
  s.turns[1].steps[0].ttft_ms = Dist::Fixed(100);
  s.turns[1].steps[0].chunk_gap_ms = Dist::Fixed(50);
  MockBackend backend(s, 1);
  const std::string request =
      R"({"model":"gpt-4o-mini","input":[{"role":"user","content":"a"},)"
      R"({"role":"user","content":"Thanks!"}],"background":true,"stream":true})";
  const auto original = backend.Handle(Post("/v1/responses", request), testing::At(1000));
  ASSERT_EQ(original.status, 200);
  const auto events = SplitSse(Concat(original));
  const std::string id = ParseJson(events.front().data)["response"]["id"].GetString();
  // Each original event with when it arrived (absolute), by sequence number.
  std::vector<std::pair<int64_t, Duration>> due;
  for (const auto& chunk : original.chunks) {
    for (const auto& e : SplitSse(chunk.bytes)) {
      due.emplace_back(ParseJson(e.data)["sequence_number"].GetInt64(),
                       testing::Ms(1000) + chunk.at);
    }
  }
  ASSERT_GT(due.size(), 6u);

  // Resumed 120 ms after the request: the first events are already due, the rest are not.
  const TimePoint resumed_at = testing::At(1120);
  const auto resumed = backend.Handle(
      testing::Get("/v1/responses/" + id + "?stream=true&starting_after=3"), resumed_at);
  ASSERT_EQ(resumed.status, 200) << Concat(resumed);
  EXPECT_EQ(*FindHeader(resumed.headers, "content-type"), "text/event-stream; charset=utf-8");
  std::vector<int64_t> sequence;
  for (const auto& chunk : resumed.chunks) {
    for (const auto& e : SplitSse(chunk.bytes)) {
      const int64_t n = ParseJson(e.data)["sequence_number"].GetInt64();
      sequence.push_back(n);
      const Duration was_due = due.at(static_cast<size_t>(n)).second;
      EXPECT_EQ(chunk.at, std::max(resumed.headers_at, was_due - testing::Ms(1120))) << n;
    }
  }
  ASSERT_EQ(sequence.size(), due.size() - 4);
  EXPECT_EQ(sequence.front(), 4);
  EXPECT_EQ(sequence.back(), due.back().first);
  EXPECT_EQ(SplitSse(Concat(resumed)).back().type, "response.completed");

  // Only a background response can be streamed from here.
  const auto plain = backend.Handle(
      Post("/v1/responses", R"({"model":"gpt-4o-mini","input":"weather?","stream":true})"), {});
  const std::string plain_id =
      ParseJson(SplitSse(Concat(plain)).front().data)["response"]["id"].GetString();
  EXPECT_EQ(backend.Handle(testing::Get("/v1/responses/" + plain_id + "?stream=true"), {}).status,
            400);
  EXPECT_EQ(
      backend.Handle(testing::Get("/v1/responses/" + id + "?stream=true&starting_after=x"), {})
          .status,
      400);
}

}  // namespace
}  // namespace agentreplay::mocks
