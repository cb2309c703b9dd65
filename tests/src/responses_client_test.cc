#include "llm/responses_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "json/json_text.h"
#include "tests/src/fake_ports.h"

namespace agentreplay {
namespace {

using ::agentreplay::testing::CannedResponse;
using ::agentreplay::testing::FixedClock;
using ::agentreplay::testing::ReadFile;
using ::agentreplay::testing::RecordedBody;
using ::agentreplay::testing::RecordingSink;
using ::agentreplay::testing::RunSync;
using ::agentreplay::testing::ScriptedTransport;
using ::testing::ElementsAre;

std::string Fixture(const std::string& name) {
  return ReadFile(std::string(AGENTREPLAY_FIXTURES_DIR) + "/" + name);
}

// The text of every event of `type`, joined, and how many there were.
std::pair<std::string, int> Joined(const std::vector<AgentEvent>& events, AgentEventType type) {
  std::pair<std::string, int> out;
  for (const auto& e : events) {
    if (e.type != type) continue;
    out.first += e.text;
    ++out.second;
  }
  return out;
}

std::vector<std::string> EventNames(const std::vector<AgentEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.emplace_back(AgentEventTypeName(e.type));
  return out;
}

// Splits `body` into pieces of `size` bytes, as a network might.
std::vector<std::string> Pieces(const std::string& body, size_t size) {
  std::vector<std::string> out;
  for (size_t i = 0; i < body.size(); i += size) out.push_back(body.substr(i, size));
  return out;
}

class ResponsesClientTest : public ::testing::Test {
 protected:
  ResponsesClient MakeClient(bool stream = true) {
    LlmClientOptions options;
    options.model = "gpt-4o-mini";
    options.instructions = "Be brief.";
    options.stream = stream;
    return ResponsesClient(options, LlmClientPorts{clock_, transport_, sink_});
  }
  std::vector<ToolSpec> Tools() const {
    return {ToolSpec{"get_weather_at_location", "Gets the weather",
                     R"({"type":"object","properties":{"location":{"type":"string"}}})"}};
  }
  FixedClock clock_;
  ScriptedTransport transport_;
  RecordingSink sink_;
};

TEST_F(ResponsesClientTest, DecodesTheRecordedTextStreamInSmallPieces) {
  transport_.responses.push_back(
      CannedResponse{200, Pieces(RecordedBody("dotnet-responses-streaming-text.json", 0), 7)});
  auto client = MakeClient();
  StepResult step = RunSync(client.StartTurn("Hello", {}));

  EXPECT_EQ(step.outcome, StepResult::Outcome::kCompleted);
  EXPECT_EQ(step.text, "Hello! How can I assist you today?");
  EXPECT_TRUE(step.usage.reported);
  EXPECT_EQ(step.usage.input_tokens, 11);
  EXPECT_EQ(step.usage.output_tokens, 10);
  EXPECT_EQ(client.previous_response_id(),
            "resp_0b70e4946283a4df0068c9ef5ef4d88194adeeb6e2283d609a");
  EXPECT_THAT(EventNames(sink_.events),
              ElementsAre("status", "status", "text_delta", "text_delta", "text_delta",
                          "text_delta", "text_delta", "text_delta", "text_delta", "text_delta",
                          "text_delta", "text_done", "status"));
  EXPECT_EQ(sink_.events[0].text, "created");
  EXPECT_EQ(sink_.events[2].text, "Hello");
  EXPECT_EQ(sink_.events.back().text, "completed");
}

TEST_F(ResponsesClientTest, DecodesTheRecordedFunctionCallStream) {
  transport_.responses.push_back(
      CannedResponse{200, {RecordedBody("dotnet-responses-function-call-streaming.json", 0)}});
  auto client = MakeClient();
  StepResult step = RunSync(client.StartTurn("What should I wear?", Tools()));

  ASSERT_EQ(step.outcome, StepResult::Outcome::kToolCalls);
  ASSERT_EQ(step.tool_calls.size(), 1u);
  EXPECT_EQ(step.tool_calls[0].call_id, "call_0UFGPwrziw5rbinYp7rthrTb");
  EXPECT_EQ(step.tool_calls[0].name, "get_weather_at_location");
  EXPECT_EQ(step.tool_calls[0].arguments, R"({"location":"San Francisco, CA"})");
  const auto names = EventNames(sink_.events);
  EXPECT_EQ(std::count(names.begin(), names.end(), "tool_call_args_delta"), 8);
  EXPECT_EQ(names[2], "tool_call_started");
  EXPECT_EQ(sink_.events[names.size() - 2].type, AgentEventType::kToolCallReady);
  EXPECT_EQ(step.usage.input_tokens, 74);
}

TEST_F(ResponsesClientTest, NonStreamingContinuationCarriesPreviousResponseId) {
  transport_.responses.push_back(
      CannedResponse{200, {RecordedBody("dotnet-responses-function-call-nonstreaming.json", 0)}});
  transport_.responses.push_back(
      CannedResponse{200, {RecordedBody("dotnet-responses-function-call-nonstreaming.json", 1)}});
  auto client = MakeClient(/*stream=*/false);
  StepResult first = RunSync(client.StartTurn("What should I wear?", Tools()));
  ASSERT_EQ(first.outcome, StepResult::Outcome::kToolCalls);
  ToolOutput out{first.tool_calls[0].call_id, "22 celcius and windy", false, {}};
  StepResult second = RunSync(client.SubmitToolOutputs({out}, Tools()));
  ASSERT_EQ(second.outcome, StepResult::Outcome::kCompleted);
  EXPECT_THAT(second.text, ::testing::StartsWith("The weather in San Francisco"));

  ASSERT_EQ(transport_.requests.size(), 2u);
  rapidjson::Document body;
  ASSERT_TRUE(json::Parse(transport_.requests[1].body, body));
  EXPECT_STREQ(body["previous_response_id"].GetString(),
               "resp_0df7c3d8927b3a940068c9ef43dce481949ab7ac4c9f676d61");
  EXPECT_STREQ(body["input"][0]["type"].GetString(), "function_call_output");
  EXPECT_STREQ(body["input"][0]["call_id"].GetString(), "call_S2X9KuEJpYvFcF4hgv1XwM0j");
  EXPECT_STREQ(body["input"][0]["output"].GetString(), "22 celcius and windy");
  EXPECT_FALSE(body.HasMember("stream"));
}

TEST_F(ResponsesClientTest, BuildsTheRequestTheApiExpects) {
  transport_.responses.push_back(
      CannedResponse{200, {RecordedBody("dotnet-responses-streaming-text.json", 0)}});
  auto client = MakeClient();
  StepResult step = RunSync(client.StartTurn("Hi \"there\"", Tools()));
  ASSERT_EQ(transport_.requests.size(), 1u);
  const HttpRequest& req = transport_.requests[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/v1/responses");
  EXPECT_EQ(FindHeader(req.headers, "content-type").value_or(""), "application/json");
  EXPECT_EQ(req.body,
            R"({"model":"gpt-4o-mini","instructions":"Be brief.","tools":[{"type":"function",)"
            R"("name":"get_weather_at_location","description":"Gets the weather","parameters":)"
            R"({"type":"object","properties":{"location":{"type":"string"}}},"strict":false}],)"
            R"("input":[{"type":"message","role":"user","content":[{"type":"input_text","text":)"
            R"("Hi \"there\""}]}],"stream":true})");
  const std::string tools_json =
      R"({"type":"function","name":"get_weather_at_location","description":"Gets the weather",)"
      R"("parameters":{"type":"object","properties":{"location":{"type":"string"}}},"strict":false})";
  EXPECT_EQ(step.tool_schema_bytes, tools_json.size());
}

TEST_F(ResponsesClientTest, StreamCutBeforeCompletionIsATruncationError) {
  std::string body = RecordedBody("dotnet-responses-streaming-text.json", 0);
  body = body.substr(0, body.find("event: response.completed"));
  transport_.responses.push_back(CannedResponse{200, {body}});
  auto client = MakeClient();
  StepResult step = RunSync(client.StartTurn("Hello", {}));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kFailed);
  EXPECT_EQ(step.error->kind, ErrorKind::kProtocol);
  EXPECT_EQ(step.error->reason, "stream_truncated");
}

TEST_F(ResponsesClientTest, ConnectionResetMidStreamIsATransportError) {
  std::string body = RecordedBody("dotnet-responses-streaming-text.json", 0);
  transport_.responses.push_back(CannedResponse{200, {body.substr(0, 2000)}, true});
  auto client = MakeClient();
  StepResult step = RunSync(client.StartTurn("Hello", {}));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kFailed);
  EXPECT_EQ(step.error->reason, "connection_reset");
}

TEST_F(ResponsesClientTest, HttpErrorCarriesOpenAiMessageAndCode) {
  transport_.responses.push_back(
      CannedResponse{400,
                     {R"({"error":{"message":"Previous response with id 'resp_x' not found.",)"
                      R"("type":"invalid_request_error","param":"previous_response_id",)"
                      R"("code":"previous_response_not_found"}})"}});
  auto client = MakeClient();
  StepResult step = RunSync(client.StartTurn("Hello", {}));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kFailed);
  EXPECT_EQ(step.error->kind, ErrorKind::kHttpStatus);
  EXPECT_EQ(step.error->http_status, 400);
  EXPECT_EQ(step.error->reason, "http_400:previous_response_not_found");
  EXPECT_EQ(step.error->message, "HTTP 400: Previous response with id 'resp_x' not found.");
}

TEST_F(ResponsesClientTest, ErrorEventAndFailedResponseAreApiErrors) {
  transport_.responses.push_back(
      CannedResponse{200,
                     {"event: response.created\ndata: "
                      "{\"type\":\"response.created\",\"response\":{\"id\":\"r1\"}}\n\n"
                      "event: error\ndata: "
                      "{\"type\":\"error\",\"code\":\"server_error\",\"message\":\"boom\"}\n\n"}});
  transport_.responses.push_back(CannedResponse{
      200,
      {"event: response.failed\ndata: {\"type\":\"response.failed\",\"response\":{\"id\":\"r2\","
       "\"status\":\"failed\",\"error\":{\"code\":\"rate_limit_exceeded\",\"message\":\"slow "
       "down\"}}}\n\n"}});
  auto client = MakeClient();
  StepResult first = RunSync(client.StartTurn("Hello", {}));
  EXPECT_EQ(first.error->reason, "stream_error:server_error");
  EXPECT_EQ(first.error->message, "boom");
  StepResult second = RunSync(client.StartTurn("Hello", {}));
  EXPECT_EQ(second.error->kind, ErrorKind::kApi);
  EXPECT_EQ(second.error->reason, "response_failed:rate_limit_exceeded");
}

TEST_F(ResponsesClientTest, UnknownEventsAreSkippedAndBadJsonIsAProtocolError) {
  std::string body = RecordedBody("dotnet-responses-streaming-text.json", 0);
  body.insert(0,
              "event: response.brand_new_thing\ndata: {\"type\":\"response.brand_new_thing\"}\n\n");
  transport_.responses.push_back(CannedResponse{200, {body}});
  transport_.responses.push_back(CannedResponse{200, {"event: response.created\ndata: {oops\n\n"}});
  auto client = MakeClient();
  EXPECT_EQ(RunSync(client.StartTurn("Hello", {})).outcome, StepResult::Outcome::kCompleted);
  StepResult bad = RunSync(client.StartTurn("Hello", {}));
  ASSERT_EQ(bad.outcome, StepResult::Outcome::kFailed);
  EXPECT_EQ(bad.error->reason, "bad_event_json");
}

// --- error events (recorded shape: tests/fixtures/recorded/responses-error-event-nested.sse) ---

TEST_F(ResponsesClientTest, ANestedErrorEventGivesTheStepsReasonAndTheFailedEventEndsIt) {
  // The body stays open after response.failed: only reading that event can end the step.
  transport_.responses.push_back(
      CannedResponse{200, Pieces(Fixture("responses-error-event-nested.sse"), 9), false, true});
  auto client = MakeClient();
  StepResult step = RunSync(client.StartTurn("Hello", {}));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kFailed);
  EXPECT_EQ(step.error->kind, ErrorKind::kApi);
  // The code is null: the error's type names it.
  EXPECT_EQ(step.error->reason, "stream_error:service_unavailable_error");
  EXPECT_EQ(step.error->message, "Unable to verify model access right now. Please retry.");
  EXPECT_EQ(transport_.unfinished_bodies, 1);
  EXPECT_EQ(client.previous_response_id(), "resp_68e1a2b3c4d5e6f70011223344556677");
}

TEST_F(ResponsesClientTest, AnErrorEventWithoutTheFailedEventStillGivesItsReason) {
  std::string body = Fixture("responses-error-event-nested.sse");
  body = body.substr(0, body.find("event: response.failed"));
  transport_.responses.push_back(CannedResponse{200, {body}});
  auto client = MakeClient();
  StepResult step = RunSync(client.StartTurn("Hello", {}));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kFailed);
  EXPECT_EQ(step.error->reason, "stream_error:service_unavailable_error");
}

TEST_F(ResponsesClientTest, TheDocumentedFlatErrorEventAndANestedCodeAreReadToo) {
  // The API reference's shape (code and message on the event), then the nested one with a code.
  transport_.responses.push_back(CannedResponse{
      200,
      {"event: error\ndata: {\"type\":\"error\",\"code\":\"ERR_SOMETHING\",\"message\":"
       "\"Something went wrong\",\"param\":null,\"sequence_number\":1}\n\n"}});
  transport_.responses.push_back(CannedResponse{
      200,
      {"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
       "\"code\":\"context_length_exceeded\",\"message\":\"Too long.\",\"param\":\"input\"},"
       "\"sequence_number\":2}\n\n"}});
  auto client = MakeClient();
  StepResult flat = RunSync(client.StartTurn("Hello", {}));
  EXPECT_EQ(flat.error->reason, "stream_error:ERR_SOMETHING");
  EXPECT_EQ(flat.error->message, "Something went wrong");
  StepResult nested = RunSync(client.StartTurn("Hello", {}));
  EXPECT_EQ(nested.error->reason, "stream_error:context_length_exceeded");
  EXPECT_EQ(nested.error->message, "Too long.");
}

// --- reasoning ---

TEST_F(ResponsesClientTest, RecordedReasoningSummaryDeltasReachTheSinkApartFromTheAnswer) {
  transport_.responses.push_back(CannedResponse{
      200, Pieces(RecordedBody("dotnet-responses-reasoning-summary-streaming.json", 0), 64)});
  auto client = MakeClient();
  StepResult step = RunSync(client.StartTurn("Plan my trip", {}));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kCompleted);
  EXPECT_EQ(step.text,
            "New York City offers an incredible blend of art and food, and with just three");
  const auto [reasoning, deltas] = Joined(sink_.events, AgentEventType::kReasoningDelta);
  EXPECT_EQ(deltas, 95);
  EXPECT_THAT(reasoning, ::testing::StartsWith("**Planning a New York itinerary**\n\nThe user is"));
  EXPECT_THAT(step.text, ::testing::Not(::testing::HasSubstr("Planning")));
  // All of it before the answer's first word, and marked as a summary.
  const auto first_text = std::find_if(sink_.events.begin(), sink_.events.end(), [](const auto& e) {
    return e.type == AgentEventType::kTextDelta;
  });
  for (auto it = first_text; it != sink_.events.end(); ++it) {
    EXPECT_NE(it->type, AgentEventType::kReasoningDelta);
  }
  for (const auto& e : sink_.events) {
    if (e.type == AgentEventType::kReasoningDelta) {
      EXPECT_EQ(e.detail, "summary");
    }
  }
}

TEST_F(ResponsesClientTest, RawReasoningTextDeltasAreReasoningToo) {
  // The documented shape of a raw reasoning delta (open-weight models), written for this test.
  std::string body = RecordedBody("dotnet-responses-streaming-text.json", 0);
  body.insert(body.find("event: response.output_item.added"),
              "event: response.reasoning_text.delta\ndata: {\"type\":\"response.reasoning_text."
              "delta\",\"item_id\":\"rs_1\",\"output_index\":0,\"content_index\":0,\"delta\":"
              "\"Greet back.\",\"sequence_number\":2}\n\n");
  transport_.responses.push_back(CannedResponse{200, {body}});
  auto client = MakeClient();
  StepResult step = RunSync(client.StartTurn("Hello", {}));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kCompleted);
  const auto [reasoning, deltas] = Joined(sink_.events, AgentEventType::kReasoningDelta);
  EXPECT_EQ(reasoning, "Greet back.");
  EXPECT_EQ(deltas, 1);
  const auto it = std::find_if(sink_.events.begin(), sink_.events.end(), [](const auto& e) {
    return e.type == AgentEventType::kReasoningDelta;
  });
  EXPECT_EQ(it->detail, "text");
  EXPECT_EQ(step.text, "Hello! How can I assist you today?");
}

TEST_F(ResponsesClientTest, AWholeResponsesReasoningIsReplayedBeforeItsAnswer) {
  transport_.responses.push_back(
      CannedResponse{200, {RecordedBody("dotnet-responses-reasoning-nonstreaming.json", 0)}});
  auto client = MakeClient(/*stream=*/false);
  StepResult step = RunSync(client.StartTurn("How do I fold a burrito?", {}));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kCompleted);
  EXPECT_THAT(step.text, ::testing::StartsWith("For a tight, leak-resistant burrito:"));
  const auto names = EventNames(sink_.events);
  ASSERT_GE(names.size(), 2u);
  EXPECT_EQ(names[0], "reasoning_delta");
  EXPECT_THAT(sink_.events[0].text, ::testing::StartsWith("**Creating clear instructions**"));
  EXPECT_EQ(names[1], "text_delta");
}

// --- where the step ends ---

TEST_F(ResponsesClientTest, ABodyHeldOpenAfterResponseCompletedDoesNotHoldTheStep) {
  transport_.responses.push_back(CannedResponse{
      200, Pieces(RecordedBody("dotnet-responses-streaming-text.json", 0), 50), false, true});
  auto client = MakeClient();
  StepResult step = RunSync(client.StartTurn("Hello", {}));  // throws if it waited for the end
  EXPECT_EQ(step.outcome, StepResult::Outcome::kCompleted);
  EXPECT_EQ(step.text, "Hello! How can I assist you today?");
  EXPECT_EQ(transport_.unfinished_bodies, 1);  // dropped unread: its connection is not reused
}

// --- a whole response that ended early ---

TEST_F(ResponsesClientTest, AWholeIncompleteResponseKeepsItsPartialText) {
  transport_.responses.push_back(
      CannedResponse{200, {RecordedBody("dotnet-responses-max-output-tokens.json", 0)}});
  auto client = MakeClient(/*stream=*/false);
  StepResult step = RunSync(client.StartTurn("Write three haikus about tropical fruit", {}));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kFailed);
  EXPECT_EQ(step.error->reason, "response_incomplete:max_output_tokens");
  const std::string partial =
      "Mango sun-kissed sweet,  \nGolden nectar drips like rain,  \nSummer's bliss revealed";
  EXPECT_EQ(step.text, partial);
  EXPECT_EQ(step.usage.output_tokens, 20);
  EXPECT_THAT(EventNames(sink_.events), ElementsAre("text_delta", "text_done"));
  EXPECT_EQ(sink_.events[0].text, partial);
  EXPECT_EQ(transport_.unfinished_bodies, 0);  // a whole body is read to its end
}

// --- several messages in one response ---

// The recorded text stream with its message said twice, the second time as another item
// (derived from the recording for this test: item id and output index changed).
std::string TwoMessageStream() {
  const std::string body = RecordedBody("dotnet-responses-streaming-text.json", 0);
  const size_t from = body.find("event: response.output_item.added");
  const size_t to = body.find("event: response.completed");
  std::string second = body.substr(from, to - from);
  const std::string id = "msg_0b70e4946283a4df0068c9ef5f4f3c819494718ea40dba591c";
  EXPECT_NE(second.find(id), std::string::npos);
  for (size_t at = second.find(id); at != std::string::npos; at = second.find(id, at)) {
    second.replace(at, id.size(), "msg_second");
  }
  std::string out = body;
  out.insert(to, second);
  return out;
}

TEST_F(ResponsesClientTest, SeparateMessagesOfOneStreamedResponseStaySeparate) {
  transport_.responses.push_back(CannedResponse{200, {TwoMessageStream()}});
  auto client = MakeClient();
  StepResult step = RunSync(client.StartTurn("Hello", {}));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kCompleted);
  EXPECT_EQ(step.text, "Hello! How can I assist you today?\n\nHello! How can I assist you today?");
  const auto names = EventNames(sink_.events);
  EXPECT_EQ(std::count(names.begin(), names.end(), "text_done"), 2);
}

TEST_F(ResponsesClientTest, SeparateMessagesOfOneWholeResponseStaySeparate) {
  rapidjson::Document doc;
  ASSERT_TRUE(
      json::Parse(RecordedBody("dotnet-responses-function-call-nonstreaming.json", 1), doc));
  auto& output = doc["output"];
  ASSERT_EQ(output.Size(), 1u);
  rapidjson::Value second(output[0], doc.GetAllocator());
  second["id"].SetString("msg_second", doc.GetAllocator());
  second["content"][0]["text"].SetString("Anything else?", doc.GetAllocator());
  output.PushBack(second, doc.GetAllocator());
  transport_.responses.push_back(CannedResponse{200, {json::Compact(doc)}});
  auto client = MakeClient(/*stream=*/false);
  StepResult step = RunSync(client.StartTurn("Hello", {}));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kCompleted);
  EXPECT_THAT(step.text, ::testing::StartsWith("The weather in San Francisco"));
  EXPECT_THAT(step.text, ::testing::EndsWith("!\n\nAnything else?"));
  EXPECT_THAT(EventNames(sink_.events),
              ElementsAre("text_delta", "text_done", "text_delta", "text_done", "status"));
}

TEST_F(ResponsesClientTest, ARefusalIsTheTextAUserSees) {
  // The documented refusal events, in place of the recorded text events (written for this test).
  std::string body = RecordedBody("dotnet-responses-streaming-text.json", 0);
  const size_t from = body.find("event: response.output_text.delta");
  const size_t to = body.find("event: response.content_part.done");
  body.replace(from, to - from,
               "event: response.refusal.delta\ndata: {\"type\":\"response.refusal.delta\","
               "\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\"I can't "
               "help with that.\",\"sequence_number\":4}\n\nevent: response.refusal.done\ndata: "
               "{\"type\":\"response.refusal.done\",\"item_id\":\"msg_1\",\"output_index\":0,"
               "\"content_index\":0,\"refusal\":\"I can't help with that.\",\"sequence_number\":5}"
               "\n\n");
  transport_.responses.push_back(CannedResponse{200, {body}});
  auto client = MakeClient();
  StepResult step = RunSync(client.StartTurn("Hello", {}));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kCompleted);
  EXPECT_EQ(step.text, "I can't help with that.");
  const auto names = EventNames(sink_.events);
  EXPECT_EQ(std::count(names.begin(), names.end(), "text_delta"), 1);
  EXPECT_EQ(std::count(names.begin(), names.end(), "text_done"), 1);
}

}  // namespace
}  // namespace agentreplay
