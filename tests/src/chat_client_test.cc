// The `chat` runtime's client: decoding the recorded Chat Completions streams, the ways a
// stream can end, errors, non-streamed bodies, and the exact requests it sends.
#include "llm/chat_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "json/json_text.h"
#include "tests/src/fake_ports.h"

namespace agentreplay {
namespace {

using ::agentreplay::testing::CannedResponse;
using ::agentreplay::testing::FixedClock;
using ::agentreplay::testing::ReadFile;
using ::agentreplay::testing::RecordingSink;
using ::agentreplay::testing::RunSync;
using ::agentreplay::testing::ScriptedTransport;
using ::testing::ElementsAreArray;

constexpr const char* kTextAnswer =
    "I'm unable to provide real-time weather updates. To get the current weather in San "
    "Francisco, I recommend checking a reliable weather website or a weather app.";

std::string Fixture(const std::string& name) {
  return ReadFile(std::string(AGENTREPLAY_FIXTURES_DIR) + "/" + name);
}
std::string TextFixture() { return Fixture("python-chat-text-with-usage.sse"); }
std::string ParallelFixture() { return Fixture("python-chat-parallel-tool-calls.sse"); }

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

// `body` cut right before the data line that contains `marker`.
std::string CutBefore(const std::string& body, const std::string& marker) {
  const size_t at = body.find(marker);
  EXPECT_NE(at, std::string::npos) << marker;
  return body.substr(0, body.rfind("data: ", at));
}

class ChatClientTest : public ::testing::Test {
 protected:
  ChatClient MakeClient(bool stream = true) {
    LlmClientOptions options;
    options.model = "gpt-4o-mini";
    options.instructions = "Be brief.";
    options.stream = stream;
    return ChatClient(options, LlmClientPorts{clock_, transport_, sink_});
  }
  std::vector<ToolSpec> Tools() const {
    return {ToolSpec{"get_weather", "Gets the weather",
                     R"({"type":"object","properties":{"city":{"type":"string"}}})"}};
  }
  void Canned(std::vector<std::string> chunks, int status = 200, bool break_at_end = false) {
    transport_.responses.push_back(CannedResponse{status, std::move(chunks), break_at_end});
  }
  FixedClock clock_;
  ScriptedTransport transport_;
  RecordingSink sink_;
};

TEST_F(ChatClientTest, DecodesTheRecordedTextStreamInSmallPieces) {
  Canned(Pieces(TextFixture(), 7));
  auto client = MakeClient();
  StepResult step = RunSync(client.StartTurn("What's the weather in San Francisco?", {}));

  ASSERT_EQ(step.outcome, StepResult::Outcome::kCompleted);
  EXPECT_EQ(step.text, kTextAnswer);
  EXPECT_TRUE(step.tool_calls.empty());
  EXPECT_TRUE(step.usage.reported);
  EXPECT_EQ(step.usage.input_tokens, 14);
  EXPECT_EQ(step.usage.output_tokens, 30);

  // status, the 30 non-empty content deltas (the first chunk's "" is none), text_done.
  std::vector<std::string> expected = {"status"};
  expected.insert(expected.end(), 30, "text_delta");
  expected.emplace_back("text_done");
  EXPECT_THAT(EventNames(sink_.events), ElementsAreArray(expected));
  EXPECT_EQ(sink_.events[0].text, "in_progress");
  EXPECT_EQ(sink_.events[1].text, "I'm");
  EXPECT_EQ(sink_.events[2].text, " unable");
  EXPECT_EQ(sink_.events.back().text, kTextAnswer);
}

TEST_F(ChatClientTest, DecodesTheRecordedParallelToolCallsInIndexOrder) {
  Canned(Pieces(ParallelFixture(), 13));
  auto client = MakeClient();
  StepResult step = RunSync(client.StartTurn("Weather in Edinburgh and AAPL?", Tools()));

  ASSERT_EQ(step.outcome, StepResult::Outcome::kToolCalls);
  ASSERT_EQ(step.tool_calls.size(), 2U);
  EXPECT_EQ(step.tool_calls[0].call_id, "call_JMW1whyEaYG438VE1OIflxA2");
  EXPECT_EQ(step.tool_calls[0].name, "GetWeatherArgs");
  EXPECT_EQ(step.tool_calls[0].arguments,
            R"({"city": "Edinburgh", "country": "GB", "units": "c"})");
  EXPECT_EQ(step.tool_calls[1].call_id, "call_DNYTawLBoN8fj3KN6qU9N1Ou");
  EXPECT_EQ(step.tool_calls[1].name, "get_stock_price");
  EXPECT_EQ(step.tool_calls[1].arguments, R"({"ticker": "AAPL", "exchange": "NASDAQ"})");
  EXPECT_EQ(step.text, "");
  EXPECT_EQ(step.usage.input_tokens, 149);
  EXPECT_EQ(step.usage.output_tokens, 60);

  // status; call 0 starts, 11 argument pieces; call 1 starts, 9 pieces; both ready at the
  // finish, in index order. No text, so no text_done.
  std::vector<std::string> expected = {"status", "tool_call_started"};
  expected.insert(expected.end(), 11, "tool_call_args_delta");
  expected.emplace_back("tool_call_started");
  expected.insert(expected.end(), 9, "tool_call_args_delta");
  expected.insert(expected.end(), {"tool_call_ready", "tool_call_ready"});
  ASSERT_THAT(EventNames(sink_.events), ElementsAreArray(expected));
  EXPECT_EQ(sink_.events[1].call_id, "call_JMW1whyEaYG438VE1OIflxA2");
  EXPECT_EQ(sink_.events[1].tool_name, "GetWeatherArgs");
  EXPECT_EQ(sink_.events[2].text, R"({"ci)");
  EXPECT_EQ(sink_.events[2].call_id, "call_JMW1whyEaYG438VE1OIflxA2");
  EXPECT_EQ(sink_.events[13].tool_name, "get_stock_price");
  EXPECT_EQ(sink_.events[23].call_id, "call_JMW1whyEaYG438VE1OIflxA2");
  EXPECT_EQ(sink_.events[23].text, step.tool_calls[0].arguments);
  EXPECT_EQ(sink_.events[24].call_id, "call_DNYTawLBoN8fj3KN6qU9N1Ou");
}

TEST_F(ChatClientTest, StreamCutBeforeTheFinishIsTruncated) {
  Canned({CutBefore(TextFixture(), R"("content":" app")")});
  auto client = MakeClient();
  StepResult step = RunSync(client.StartTurn("Hi", {}));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kFailed);
  EXPECT_EQ(step.error->kind, ErrorKind::kProtocol);
  EXPECT_EQ(step.error->reason, "stream_truncated");
}

TEST_F(ChatClientTest, ConnectionResetBeforeTheFinishIsATransportError) {
  Canned({CutBefore(TextFixture(), R"("finish_reason":"stop")")}, 200, /*break_at_end=*/true);
  auto client = MakeClient();
  StepResult step = RunSync(client.StartTurn("Hi", {}));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kFailed);
  EXPECT_EQ(step.error->reason, "connection_reset");
}

TEST_F(ChatClientTest, FinishReasonWithoutDoneIsAccepted) {
  // Without [DONE], but with the usage chunk.
  Canned({CutBefore(TextFixture(), "[DONE]")});
  // Without the usage chunk and [DONE].
  Canned({CutBefore(TextFixture(), R"("choices":[],"usage")")});
  // Broken by the network right after the finish chunk.
  Canned({CutBefore(TextFixture(), R"("choices":[],"usage")")}, 200, /*break_at_end=*/true);
  auto client = MakeClient();
  for (int i = 0; i < 3; ++i) {
    StepResult step = RunSync(client.StartTurn("Hi", {}));
    ASSERT_EQ(step.outcome, StepResult::Outcome::kCompleted) << i;
    EXPECT_EQ(step.text, kTextAnswer) << i;
    EXPECT_EQ(step.usage.reported, i == 0) << i;
  }
}

TEST_F(ChatClientTest, DoneWithoutAFinishReasonInfersIt) {
  // Some compatible servers never send a finish_reason; [DONE] still ends the step cleanly.
  std::string body = ParallelFixture();
  const size_t finish = body.find(R"("finish_reason":"tool_calls")");
  const size_t line = body.rfind("data: ", finish);
  body.erase(line, body.find("\n\n", finish) + 2 - line);
  Canned({body});
  auto client = MakeClient();
  StepResult step = RunSync(client.StartTurn("Hi", Tools()));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kToolCalls);
  ASSERT_EQ(step.tool_calls.size(), 2U);
  EXPECT_EQ(step.tool_calls[1].name, "get_stock_price");
  EXPECT_EQ(sink_.events.back().type, AgentEventType::kToolCallReady);
}

TEST_F(ChatClientTest, ErrorObjectInTheStreamIsAnApiError) {
  const std::string first = CutBefore(TextFixture(), R"("content":" unable")");
  Canned({first + R"(data: {"error":{"message":"The server had an error.","type":"server_error",)"
                  R"("param":null,"code":null}})"
                  "\n\n"});
  Canned({R"(data: {"error":{"message":"Slow down.","type":"requests","param":null,)"
          R"("code":"rate_limit_exceeded"}})"
          "\n\n"});
  auto client = MakeClient();
  StepResult step = RunSync(client.StartTurn("Hi", {}));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kFailed);
  EXPECT_EQ(step.error->kind, ErrorKind::kApi);
  // A null code falls back to the error's type.
  EXPECT_EQ(step.error->reason, "stream_error:server_error");
  EXPECT_EQ(step.error->message, "The server had an error.");
  EXPECT_EQ(step.text, "I'm");

  step = RunSync(client.StartTurn("Hi", {}));
  EXPECT_EQ(step.error->reason, "stream_error:rate_limit_exceeded");
}

TEST_F(ChatClientTest, LengthAndContentFilterFailTheStep) {
  for (const std::string reason : {"length", "content_filter"}) {
    std::string body = TextFixture();
    const std::string stop = R"("finish_reason":"stop")";
    body.replace(body.find(stop), stop.size(), R"("finish_reason":")" + reason + "\"");
    Canned({body});
    auto client = MakeClient();
    StepResult step = RunSync(client.StartTurn("Hi", {}));
    ASSERT_EQ(step.outcome, StepResult::Outcome::kFailed) << reason;
    EXPECT_EQ(step.error->kind, ErrorKind::kApi);
    EXPECT_EQ(step.error->reason, "finish_reason:" + reason);
    // The usage chunk after the cut still counts: the tokens were spent (and billed).
    EXPECT_TRUE(step.usage.reported) << reason;
    EXPECT_EQ(step.usage.output_tokens, 30) << reason;
  }
}

TEST_F(ChatClientTest, TheRecordedUsageAfterALengthFinishIsRead) {
  Canned(Pieces(Fixture("python-chat-max-tokens-length.sse"), 11));
  auto client = MakeClient();
  StepResult step = RunSync(client.StartTurn("Hi", {}));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kFailed);
  EXPECT_EQ(step.error->reason, "finish_reason:length");
  EXPECT_EQ(step.text, "{\"");
  ASSERT_TRUE(step.usage.reported);
  EXPECT_EQ(step.usage.input_tokens, 79);
  EXPECT_EQ(step.usage.output_tokens, 1);
}

TEST_F(ChatClientTest, RecordedChoicesAreTakenByTheirIndex) {
  // n=3: every chunk carries one choice, interleaved; only choice 0 is the agent's answer.
  Canned(Pieces(Fixture("python-chat-multiple-choices.sse"), 17));
  auto client = MakeClient();
  StepResult step = RunSync(client.StartTurn("What's the weather like in SF?", {}));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kCompleted);
  EXPECT_EQ(step.text, R"({"city":"San Francisco","temperature":65,"units":"f"})");
  EXPECT_EQ(sink_.events.back().type, AgentEventType::kTextDone);
  EXPECT_EQ(sink_.events.back().text, step.text);
  EXPECT_EQ(step.usage.input_tokens, 79);
  EXPECT_EQ(step.usage.output_tokens, 42);
}

TEST_F(ChatClientTest, ChoiceZeroIsFoundWhereverTheArrayHoldsIt) {
  // Two choices in one chunk, choice 1 first (the recorded chunks' shape, joined).
  const std::string chunk =
      R"(data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1727346170,)"
      R"("model":"gpt-4o-2024-08-06","choices":[)"
      R"({"index":1,"delta":{"content":"second"},"logprobs":null,"finish_reason":"stop"},)"
      R"({"index":0,"delta":{"content":"first"},"logprobs":null,"finish_reason":"stop"}]})"
      "\n\ndata: [DONE]\n\n";
  Canned({chunk});
  auto client = MakeClient();
  StepResult step = RunSync(client.StartTurn("Hi", {}));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kCompleted);
  EXPECT_EQ(step.text, "first");
}

TEST_F(ChatClientTest, ABodyHeldOpenAfterTheUsageChunkDoesNotHoldTheStep) {
  // The finish and the usage are in: nothing the server could still send changes the step.
  transport_.responses.push_back(
      CannedResponse{200, {CutBefore(TextFixture(), "[DONE]")}, false, /*hold_open=*/true});
  transport_.responses.push_back(CannedResponse{200, {TextFixture()}, false, /*hold_open=*/true});
  auto client = MakeClient();
  for (int i = 0; i < 2; ++i) {
    StepResult step = RunSync(client.StartTurn("Hi", {}));  // throws if it waited for the end
    ASSERT_EQ(step.outcome, StepResult::Outcome::kCompleted) << i;
    EXPECT_EQ(step.text, kTextAnswer) << i;
    EXPECT_EQ(step.usage.output_tokens, 30) << i;
  }
  EXPECT_EQ(transport_.unfinished_bodies, 2);
}

TEST_F(ChatClientTest, ReasoningContentOfCompatibleServersIsReasoning) {
  // vLLM and DeepSeek stream a reasoning model's thinking as delta.reasoning_content.
  Canned({R"(data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,)"
          R"("delta":{"role":"assistant","reasoning_content":"Think."},"finish_reason":null}]})"
          "\n\n"
          R"(data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,)"
          R"("delta":{"content":"Answer."},"finish_reason":"stop"}]})"
          "\n\ndata: [DONE]\n\n"});
  auto client = MakeClient();
  StepResult step = RunSync(client.StartTurn("Hi", {}));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kCompleted);
  EXPECT_EQ(step.text, "Answer.");
  EXPECT_THAT(EventNames(sink_.events),
              ElementsAreArray({"status", "reasoning_delta", "text_delta", "text_done"}));
  EXPECT_EQ(sink_.events[1].text, "Think.");
}

TEST_F(ChatClientTest, BadChunkJsonIsAProtocolError) {
  Canned({"data: {\"id\":\"chatcmpl-x\",\"choices\":[\n\ndata: [DONE]\n\n"});
  auto client = MakeClient();
  StepResult step = RunSync(client.StartTurn("Hi", {}));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kFailed);
  EXPECT_EQ(step.error->kind, ErrorKind::kProtocol);
  EXPECT_EQ(step.error->reason, "bad_chunk_json");
}

TEST_F(ChatClientTest, HttpErrorCarriesOpenAiMessageAndCode) {
  Canned({R"({"error":{"message":"Rate limit reached.","type":"requests","param":null,)"
          R"("code":"rate_limit_exceeded"}})"},
         429);
  auto client = MakeClient();
  StepResult step = RunSync(client.StartTurn("Hi", Tools()));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kFailed);
  EXPECT_EQ(step.error->kind, ErrorKind::kHttpStatus);
  EXPECT_EQ(step.error->http_status, 429);
  EXPECT_EQ(step.error->reason, "http_429:rate_limit_exceeded");
  EXPECT_EQ(step.error->message, "HTTP 429: Rate limit reached.");
  EXPECT_GT(step.tool_schema_bytes, 0U);
}

TEST_F(ChatClientTest, NonStreamedCompletionsGiveCallsThenText) {
  Canned({R"({"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-mini",)"
          R"("choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[)"
          R"({"id":"call_a","type":"function","function":{"name":"get_weather",)"
          R"("arguments":"{\"city\":\"Oslo\"}"}}],"refusal":null,"annotations":[]},)"
          R"("logprobs":null,"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":50,)"
          R"("completion_tokens":7,"total_tokens":57}})"});
  Canned({R"({"id":"chatcmpl-2","object":"chat.completion","created":1,"model":"gpt-4o-mini",)"
          R"("choices":[{"index":0,"message":{"role":"assistant","content":"Cold.",)"
          R"("refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],)"
          R"("usage":{"prompt_tokens":70,"completion_tokens":2,"total_tokens":72}})"});
  auto client = MakeClient(/*stream=*/false);
  StepResult first = RunSync(client.StartTurn("Weather in Oslo?", Tools()));
  ASSERT_EQ(first.outcome, StepResult::Outcome::kToolCalls);
  ASSERT_EQ(first.tool_calls.size(), 1U);
  EXPECT_EQ(first.tool_calls[0].call_id, "call_a");
  EXPECT_EQ(first.tool_calls[0].name, "get_weather");
  EXPECT_EQ(first.tool_calls[0].arguments, R"({"city":"Oslo"})");
  EXPECT_EQ(first.usage.input_tokens, 50);
  EXPECT_THAT(EventNames(sink_.events), ElementsAreArray({"tool_call_started", "tool_call_ready"}));

  StepResult second = RunSync(client.SubmitToolOutputs({ToolOutput{"call_a", "-5C"}}, Tools()));
  ASSERT_EQ(second.outcome, StepResult::Outcome::kCompleted);
  EXPECT_EQ(second.text, "Cold.");
  EXPECT_EQ(second.usage.output_tokens, 2);
  ASSERT_EQ(transport_.requests.size(), 2U);
  EXPECT_EQ(FindHeader(transport_.requests[0].headers, "accept").value_or(""), "application/json");
  rapidjson::Document body;
  ASSERT_TRUE(json::Parse(transport_.requests[1].body, body));
  EXPECT_FALSE(body.HasMember("stream"));
  EXPECT_FALSE(body.HasMember("stream_options"));
}

// The request bodies of a two-step turn, byte for byte: the system message from the
// instructions, the conversation so far, the nested tool definitions, stream_options.
TEST_F(ChatClientTest, SendsTheWholeConversationEveryTime) {
  Canned({ParallelFixture()});
  Canned({TextFixture()});
  auto client = MakeClient();
  StepResult first = RunSync(client.StartTurn("Weather in \"Edinburgh\"?", Tools()));
  ASSERT_EQ(first.outcome, StepResult::Outcome::kToolCalls);
  // Outputs in another order than the calls: the tool messages follow the calls' order.
  StepResult second =
      RunSync(client.SubmitToolOutputs({ToolOutput{"call_DNYTawLBoN8fj3KN6qU9N1Ou", "231.5"},
                                        ToolOutput{"call_JMW1whyEaYG438VE1OIflxA2", "12C"}},
                                       Tools()));
  ASSERT_EQ(second.outcome, StepResult::Outcome::kCompleted);

  ASSERT_EQ(transport_.requests.size(), 2U);
  const HttpRequest& req = transport_.requests[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/v1/chat/completions");
  EXPECT_EQ(FindHeader(req.headers, "content-type").value_or(""), "application/json");
  EXPECT_EQ(FindHeader(req.headers, "accept").value_or(""), "text/event-stream");
  const std::string tool_json =
      R"({"type":"function","function":{"name":"get_weather","description":"Gets the weather",)"
      R"("parameters":{"type":"object","properties":{"city":{"type":"string"}}}}})";
  const std::string head =
      R"({"model":"gpt-4o-mini","messages":[{"role":"system","content":"Be brief."},)"
      R"({"role":"user","content":"Weather in \"Edinburgh\"?"})";
  const std::string tail =
      R"(],"tools":[)" + tool_json + R"(],"stream":true,"stream_options":{"include_usage":true}})";
  EXPECT_EQ(req.body, head + tail);
  EXPECT_EQ(first.tool_schema_bytes, tool_json.size());

  EXPECT_EQ(transport_.requests[1].body,
            head +
                R"(,{"role":"assistant","content":null,"tool_calls":[)"
                R"({"id":"call_JMW1whyEaYG438VE1OIflxA2","type":"function","function":)"
                R"({"name":"GetWeatherArgs","arguments":)"
                R"("{\"city\": \"Edinburgh\", \"country\": \"GB\", \"units\": \"c\"}"}},)"
                R"({"id":"call_DNYTawLBoN8fj3KN6qU9N1Ou","type":"function","function":)"
                R"({"name":"get_stock_price","arguments":)"
                R"("{\"ticker\": \"AAPL\", \"exchange\": \"NASDAQ\"}"}}]},)"
                R"({"role":"tool","tool_call_id":"call_JMW1whyEaYG438VE1OIflxA2","content":"12C"},)"
                R"({"role":"tool","tool_call_id":"call_DNYTawLBoN8fj3KN6qU9N1Ou",)"
                R"("content":"231.5"})" +
                tail);

  // The answer joins the history, so the next turn carries it.
  ASSERT_EQ(client.conversation().size(), 5U);
  EXPECT_EQ(client.conversation().back().role, "assistant");
  EXPECT_EQ(client.conversation().back().content.value_or(""), kTextAnswer);
}

TEST_F(ChatClientTest, ANewTurnDropsToolCallsLeftUnanswered) {
  Canned({ParallelFixture()});
  Canned({TextFixture()});
  LlmClientOptions options;
  options.vector_store.attach = true;  // logs the fallback warning; sends nothing extra
  ChatClient client(options, LlmClientPorts{clock_, transport_, sink_});
  ASSERT_EQ(RunSync(client.StartTurn("one", {})).outcome, StepResult::Outcome::kToolCalls);
  ASSERT_EQ(RunSync(client.StartTurn("two", {})).outcome, StepResult::Outcome::kCompleted);
  EXPECT_EQ(transport_.requests[1].body,
            R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"one"},)"
            R"({"role":"user","content":"two"}],"stream":true,)"
            R"("stream_options":{"include_usage":true}})");
}

TEST_F(ChatClientTest, AFailedStartKeepsTheUserMessageForTheNextTurn) {
  Canned({R"({"error":{"message":"boom","type":"server_error","param":null,"code":null}})"}, 500);
  Canned({TextFixture()});
  auto client = MakeClient();
  EXPECT_EQ(RunSync(client.StartTurn("one", {})).outcome, StepResult::Outcome::kFailed);
  EXPECT_EQ(RunSync(client.StartTurn("two", {})).outcome, StepResult::Outcome::kCompleted);
  rapidjson::Document body;
  ASSERT_TRUE(json::Parse(transport_.requests[1].body, body));
  const auto& messages = body["messages"];
  ASSERT_EQ(messages.Size(), 3U);
  EXPECT_STREQ(messages[1]["content"].GetString(), "one");
  EXPECT_STREQ(messages[2]["content"].GetString(), "two");
}

TEST_F(ChatClientTest, MakeLlmClientBuildsTheChatClient) {
  auto client = MakeLlmClient(Runtime::kChat, {}, LlmClientPorts{clock_, transport_, sink_});
  ASSERT_NE(client, nullptr);
  EXPECT_NE(dynamic_cast<ChatClient*>(client.get()), nullptr);
}

}  // namespace
}  // namespace agentreplay
