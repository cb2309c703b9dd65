#include "llm/responses_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "json/json_text.h"
#include "tests/src/fake_ports.h"

namespace agentreplay {
namespace {

using ::agentreplay::testing::CannedResponse;
using ::agentreplay::testing::FixedClock;
using ::agentreplay::testing::RecordedBody;
using ::agentreplay::testing::RecordingSink;
using ::agentreplay::testing::RunSync;
using ::agentreplay::testing::ScriptedTransport;
using ::testing::ElementsAre;

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

}  // namespace
}  // namespace agentreplay
