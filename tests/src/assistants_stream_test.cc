// The assistants client following runs by streaming (package p3): the recorded streams,
// terminal statuses, truncation, error events, and the legacy habits on a stream.
#include "llm/assistants_stream.h"

#include <algorithm>

#include "tests/src/assistants_test_util.h"

namespace agentreplay::testing {
namespace {

using ::testing::ElementsAre;

constexpr char kRunFile[] = "dotnet-assistants-streaming-run.json";
constexpr char kToolFile[] = "dotnet-assistants-streaming-tool-call.json";

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + needle.size())) {
    ++n;
  }
  return n;
}

std::string RunEvent(const std::string& status, const std::string& run_json) {
  return "event: thread.run." + status + "\ndata: " + run_json + "\n\n";
}

constexpr char kDone[] = "event: done\ndata: [DONE]\n\n";

// Pieces of a dozen bytes or so split events, lines and UTF-8 text. (The fake transport's
// chunks complete synchronously, and at -O0 each one nests a frame, so not single bytes.)
TEST_F(AssistantsClientTest, RecordedTextStreamIsAssembledExactly) {
  const std::string body = RecordedBody(kRunFile, 2);
  Script(RecordedBody(kRunFile, 1));
  Script(UserMessageJson("thread_Wq2ScOs1iInUsyhUUDmN5NZH"));
  transport_.responses.push_back(CannedResponse{200, Pieces(body, 13), false});
  auto client = MakeClient(Options(/*stream=*/true));

  StepResult step = RunSync(client.StartTurn("Hello there, assistant! How are you today?", {}));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kCompleted);
  EXPECT_EQ(step.text,
            "Hello! I'm just a program, so I don't have feelings, but I'm here and ready to "
            "help you with whatever you need. How can I assist you today?");
  EXPECT_TRUE(step.usage.reported);
  EXPECT_EQ(step.usage.input_tokens, 38);
  EXPECT_EQ(step.usage.output_tokens, 35);
  EXPECT_EQ(client.run_id(), "");

  const auto names = EventNames(sink_.events);
  const auto deltas = static_cast<size_t>(std::count(names.begin(), names.end(), "text_delta"));
  EXPECT_EQ(deltas, Count(body, "event: thread.message.delta"));
  EXPECT_EQ(sink_.events[3].text, "Hello");
  EXPECT_EQ(names[names.size() - 2], "text_done");
  EXPECT_EQ(sink_.events[names.size() - 2].text, step.text);
  EXPECT_THAT(Statuses(sink_.events), ElementsAre("created", "queued", "in_progress", "completed"));

  ASSERT_EQ(transport_.requests.size(), 3u);
  const HttpRequest& create = transport_.requests[2];
  EXPECT_EQ(create.target, "/v1/threads/thread_Wq2ScOs1iInUsyhUUDmN5NZH/runs");
  EXPECT_EQ(create.body, R"({"assistant_id":"asst_agentreplay","stream":true})");
  EXPECT_EQ(FindHeader(create.headers, "accept").value_or(""), "text/event-stream");
  EXPECT_EQ(FindHeader(create.headers, "openai-beta").value_or(""), "assistants=v2");
  EXPECT_TRUE(clock_.sleeps.empty());
}

TEST_F(AssistantsClientTest, BodiesHeldOpenAfterTheStepsTerminalEventDoNotHoldTheTurn) {
  // requires_action ends the first stream's step, thread.run.completed the second's; neither
  // waits for the `done` event or the body's end.
  Script(ThreadJson("thread_6oUGUBxLwhyApwhYBhWjHI5f"));
  Script(UserMessageJson("thread_6oUGUBxLwhyApwhYBhWjHI5f"));
  for (size_t entry : {size_t{1}, size_t{2}}) {
    std::string body = RecordedBody(kToolFile, entry);
    body = body.substr(0, body.find(kDone));
    transport_.responses.push_back(CannedResponse{200, Pieces(body, 29), false, true});
  }
  auto client = MakeClient(Options(/*stream=*/true));
  StepResult first = RunSync(client.StartTurn("What should I wear outside right now?", {}));
  ASSERT_EQ(first.outcome, StepResult::Outcome::kToolCalls);
  ToolOutput out{first.tool_calls[0].call_id, "22 celcius and windy", false, {}};
  StepResult second = RunSync(client.SubmitToolOutputs({out}, {}));
  ASSERT_EQ(second.outcome, StepResult::Outcome::kCompleted);
  EXPECT_FALSE(second.text.empty());
  EXPECT_EQ(transport_.unfinished_bodies, 2);
}

TEST_F(AssistantsClientTest, RecordedToolCallStreamThenSubmitStreamsToCompletion) {
  Script(ThreadJson("thread_6oUGUBxLwhyApwhYBhWjHI5f"));
  Script(UserMessageJson("thread_6oUGUBxLwhyApwhYBhWjHI5f"));
  transport_.responses.push_back(
      CannedResponse{200, Pieces(RecordedBody(kToolFile, 1), 11), false});
  transport_.responses.push_back(
      CannedResponse{200, Pieces(RecordedBody(kToolFile, 2), 17), false});
  auto client = MakeClient(Options(/*stream=*/true));

  StepResult first = RunSync(client.StartTurn("What should I wear outside right now?", {}));
  ASSERT_EQ(first.outcome, StepResult::Outcome::kToolCalls);
  ASSERT_EQ(first.tool_calls.size(), 1u);
  EXPECT_EQ(first.tool_calls[0].call_id, "call_xyFYaEeyocjyE6jN64QTcxip");
  EXPECT_EQ(first.tool_calls[0].name, "get_current_weather");
  EXPECT_EQ(first.tool_calls[0].arguments, "{}");
  EXPECT_FALSE(first.usage.reported);  // the run's usage arrives with its end
  EXPECT_EQ(client.run_id(), "run_oyfV44CrJXYJkvb2qsd80LvJ");
  EXPECT_THAT(EventNames(sink_.events),
              ElementsAre("status", "status", "status", "tool_call_started", "tool_call_args_delta",
                          "status", "tool_call_ready"));
  EXPECT_EQ(sink_.events[3].call_id, "call_xyFYaEeyocjyE6jN64QTcxip");
  EXPECT_EQ(sink_.events[4].text, "{}");
  EXPECT_EQ(sink_.events[5].text, "requires_action");

  sink_.events.clear();
  StepResult second = RunSync(client.SubmitToolOutputs(
      {{"call_xyFYaEeyocjyE6jN64QTcxip", "warm and sunny", false, {}}}, {}));
  ASSERT_EQ(second.outcome, StepResult::Outcome::kCompleted);
  EXPECT_EQ(second.text,
            "Since it's warm and sunny outside, you should consider wearing lightweight, "
            "breathable clothing such as a t-shirt, shorts, or a light dress. Don't forget "
            "sunglasses and sunscreen to protect yourself from the sun!");
  EXPECT_EQ(second.usage.input_tokens, 544);  // the whole run's usage
  EXPECT_EQ(second.usage.output_tokens, 54);
  EXPECT_THAT(Statuses(sink_.events), ElementsAre("queued", "in_progress", "completed"));

  const HttpRequest& submit = transport_.requests[3];
  EXPECT_EQ(submit.target,
            "/v1/threads/thread_6oUGUBxLwhyApwhYBhWjHI5f/runs/run_oyfV44CrJXYJkvb2qsd80LvJ/"
            "submit_tool_outputs");
  EXPECT_EQ(submit.body, RecordedRequestBody(kToolFile, 2));  // exactly what the SDK sent
}

TEST_F(AssistantsClientTest, LegacyHabitsApplyToStreamedRunsToo) {
  Script(ThreadJson("thread_6oUGUBxLwhyApwhYBhWjHI5f"));
  Script(UserMessageJson("thread_6oUGUBxLwhyApwhYBhWjHI5f"));
  Script(R"({"object":"list","data":[],"has_more":false})");
  Script(RecordedBody(kToolFile, 1));
  for (int i = 0; i < 4; ++i) Script(UserOnlyMessagesJson());
  Script(RecordedBody(kToolFile, 2));
  for (int i = 0; i < 3; ++i) Script(UserOnlyMessagesJson());
  auto client = MakeClient(Legacy(Options(/*stream=*/true)));

  ASSERT_EQ(RunSync(client.StartTurn("What should I wear?", {})).outcome,
            StepResult::Outcome::kToolCalls);
  StepResult done =
      RunSync(client.SubmitToolOutputs({{"call_xyFYaEeyocjyE6jN64QTcxip", "warm", false, {}}}, {}));
  ASSERT_EQ(done.outcome, StepResult::Outcome::kCompleted);

  const std::string thread = "/v1/threads/thread_6oUGUBxLwhyApwhYBhWjHI5f";
  const std::string messages = "GET " + thread + "/messages";
  EXPECT_THAT(
      Targets(transport_.requests),
      ElementsAre("POST /v1/threads", "POST " + thread + "/messages",
                  "GET " + thread + "/runs?limit=10", "POST " + thread + "/runs", messages,
                  messages, messages, messages,
                  "POST " + thread + "/runs/run_oyfV44CrJXYJkvb2qsd80LvJ/submit_tool_outputs",
                  messages, messages, messages));
  EXPECT_THAT(clock_.sleeps, ElementsAre(Ms(500)));  // the pause before submit
  // Each messages.list went out right after a status event (and the calls it made ready),
  // before the next event of the stream.
  for (size_t i = 0; i < transport_.requests.size(); ++i) {
    if (Targets(transport_.requests)[i] != messages) continue;
    size_t last = transport_.events_before[i];
    while (last > 0 && sink_.events[last - 1].type == AgentEventType::kToolCallReady) --last;
    ASSERT_GT(last, 0u);
    EXPECT_EQ(sink_.events[last - 1].type, AgentEventType::kStatus) << "request " << i;
  }
}

// A streamed run that ends in `status` with the given run object.
class StreamTerminalTest : public AssistantsClientTest,
                           public ::testing::WithParamInterface<bool> {};

TEST_P(StreamTerminalTest, EachTerminalStatusFailsTheStep) {
  struct Case {
    std::string status;
    std::string extra;
    std::string reason;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"failed", R"(,"last_error":{"code":"rate_limit_exceeded","message":"Slow down."})",
       "run_failed:rate_limit_exceeded", "Slow down."},
      {"cancelled", "", "run_cancelled", "the run ended cancelled"},
      {"expired", "", "run_expired", "the run ended expired"},
      {"incomplete", R"(,"incomplete_details":{"reason":"max_completion_tokens"})",
       "run_incomplete:max_completion_tokens", "the run ended incomplete (max_completion_tokens)"},
  };
  const bool stream = GetParam();
  for (const auto& c : cases) {
    SCOPED_TRACE(c.status);
    transport_.responses.clear();
    Script(ThreadJson());
    Script(UserMessageJson());
    const std::string end = RunJson(c.status, c.extra);
    if (stream) {
      Script(RunEvent("created", RunJson("queued")) + RunEvent(c.status, end) + kDone);
    } else {
      Script(RunJson("queued"));
      Script(end);
    }
    auto client = MakeClient(Options(stream));
    StepResult step = RunSync(client.StartTurn("Hi", {}));
    ASSERT_EQ(step.outcome, StepResult::Outcome::kFailed);
    EXPECT_EQ(step.error->kind, ErrorKind::kApi);
    EXPECT_EQ(step.error->reason, c.reason);
    EXPECT_EQ(step.error->message, c.message);
    EXPECT_EQ(Statuses(sink_.events).back(), c.status);
    EXPECT_EQ(client.run_id(), "");
  }
}

INSTANTIATE_TEST_SUITE_P(PollingAndStreaming, StreamTerminalTest, ::testing::Bool());

TEST_F(AssistantsClientTest, StreamCutBeforeTheEndIsTruncated) {
  std::string body = RecordedBody(kRunFile, 2);
  body = body.substr(0, body.find("event: thread.run.completed"));
  Script(ThreadJson());
  Script(UserMessageJson());
  Script(body);
  auto client = MakeClient(Options(/*stream=*/true));
  StepResult step = RunSync(client.StartTurn("Hi", {}));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kFailed);
  EXPECT_EQ(step.error->kind, ErrorKind::kProtocol);
  EXPECT_EQ(step.error->reason, "stream_truncated");

  // [DONE] before any terminal event is a truncation as well.
  Script(UserMessageJson());
  Script(RunEvent("created", RunJson("queued")) + kDone);
  EXPECT_EQ(RunSync(client.StartTurn("Hi", {})).error->reason, "stream_truncated");
}

TEST_F(AssistantsClientTest, ErrorEventIsAnApiError) {
  Script(ThreadJson());
  Script(UserMessageJson());
  Script(RunEvent("created", RunJson("queued")) +
         "event: error\ndata: {\"code\":\"server_error\",\"message\":\"boom\"}\n\n");
  auto client = MakeClient(Options(/*stream=*/true));
  StepResult step = RunSync(client.StartTurn("Hi", {}));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kFailed);
  EXPECT_EQ(step.error->kind, ErrorKind::kApi);
  EXPECT_EQ(step.error->reason, "stream_error:server_error");
  EXPECT_EQ(step.error->message, "boom");
}

TEST_F(AssistantsClientTest, FileSearchIsSeenInStreamedStepsAndPolledCitations) {
  const std::string search_delta =
      R"({"id":"step_fs","object":"thread.run.step.delta","delta":{"step_details":{"type":)"
      R"("tool_calls","tool_calls":[{"index":0,"id":"call_fs","type":"file_search",)"
      R"("file_search":{}}]}}})";
  const std::string message =
      R"({"id":"msg_1","object":"thread.message","role":"assistant","content":[{"type":"text",)"
      R"("text":{"value":"See policy.","annotations":[]}}]})";
  Script(ThreadJson());
  Script(UserMessageJson());
  Script(RunEvent("created", RunJson("queued")) + "event: thread.run.step.delta\ndata: " +
         search_delta + "\n\nevent: thread.message.completed\ndata: " + message + "\n\n" +
         RunEvent("completed", CompletedRun()) + kDone);
  auto streaming = MakeClient(Options(/*stream=*/true));
  StepResult streamed = RunSync(streaming.StartTurn("Policy?", {}));
  ASSERT_EQ(streamed.outcome, StepResult::Outcome::kCompleted);
  EXPECT_TRUE(streamed.used_file_search);
  EXPECT_EQ(streamed.text, "See policy.");  // a message without deltas still yields its text
  EXPECT_THAT(EventNames(sink_.events),
              ElementsAre("status", "text_delta", "text_done", "status"));  // no tool events

  // Polling sees only the answer: a file_citation annotation is the trace of the search.
  Script(ThreadJson());
  Script(UserMessageJson());
  Script(RunJson("queued"));
  Script(CompletedRun());
  Script(R"({"object":"list","data":[{"id":"msg_a1","role":"assistant","run_id":"run_1",)"
         R"("content":[{"type":"text","text":{"value":"See policy.","annotations":[{"type":)"
         R"("file_citation","text":"[1]","file_citation":{"file_id":"file_1"}}]}}]}]})");
  auto polling = MakeClient(Options(/*stream=*/false));
  StepResult polled = RunSync(polling.StartTurn("Policy?", {}));
  ASSERT_EQ(polled.outcome, StepResult::Outcome::kCompleted);
  EXPECT_TRUE(polled.used_file_search);
}

TEST(AssistantsStreamStateTest, RequiresActionArgumentsAreAuthoritative) {
  FixedClock clock;
  RecordingSink sink;
  AssistantsStreamState state(sink, clock);
  const std::string delta =
      R"({"id":"step_1","object":"thread.run.step.delta","delta":{"step_details":{"type":)"
      R"("tool_calls","tool_calls":[{"index":0,"id":"call_a","type":"function","function":)"
      R"({"name":"f","arguments":"{\"x\""}}]}}})";
  EXPECT_FALSE(state.OnEvent(SseEvent{"thread.run.step.delta", delta, {}}));
  // A call only named in required_action is announced there.
  const std::string run = RunJson(
      "requires_action",
      R"(,"required_action":{"type":"submit_tool_outputs","submit_tool_outputs":{"tool_calls":[)"
      R"({"id":"call_a","type":"function","function":{"name":"f","arguments":"{\"x\":1}"}},)"
      R"({"id":"call_b","type":"function","function":{"name":"g","arguments":"{}"}}]}})");
  EXPECT_TRUE(state.OnEvent(SseEvent{"thread.run.requires_action", run, {}}));
  EXPECT_TRUE(state.terminal());
  EXPECT_FALSE(state.done());
  EXPECT_FALSE(state.OnEvent(SseEvent{"done", "[DONE]", {}}));
  EXPECT_TRUE(state.done());
  StepResult step = state.TakeResult();
  ASSERT_EQ(step.tool_calls.size(), 2u);
  EXPECT_EQ(step.tool_calls[0].arguments, R"({"x":1})");
  EXPECT_THAT(EventNames(sink.events),
              ElementsAre("tool_call_started", "tool_call_args_delta", "status", "tool_call_ready",
                          "tool_call_started", "tool_call_ready"));
}

// Run steps whose tool calls the API runs itself (shapes of the Assistants API reference's
// run step object and run step delta; written for this test).
TEST(AssistantsStreamStateTest, HostedToolStepsAreReportedPhaseByPhase) {
  FixedClock clock;
  RecordingSink sink;
  AssistantsStreamState state(sink, clock);
  const std::string created =
      R"({"id":"step_1","object":"thread.run.step","type":"tool_calls","status":"in_progress",)"
      R"("step_details":{"type":"tool_calls","tool_calls":[{"id":"call_ci","type":)"
      R"("code_interpreter","code_interpreter":{"input":"","outputs":[]}},{"id":"call_fs",)"
      R"("type":"file_search","file_search":{}}]}})";
  const std::string delta1 =
      R"({"id":"step_1","object":"thread.run.step.delta","delta":{"step_details":{"type":)"
      R"("tool_calls","tool_calls":[{"index":0,"id":"call_ci","type":"code_interpreter",)"
      R"("code_interpreter":{"input":"print(","outputs":[]}}]}}})";
  const std::string delta2 =
      R"({"id":"step_1","object":"thread.run.step.delta","delta":{"step_details":{"type":)"
      R"("tool_calls","tool_calls":[{"index":0,"type":"code_interpreter",)"
      R"js("code_interpreter":{"input":"6*7)"}}]}}})js";
  const std::string completed =
      R"({"id":"step_1","object":"thread.run.step","type":"tool_calls","status":"completed",)"
      R"("step_details":{"type":"tool_calls","tool_calls":[{"id":"call_ci","type":)"
      R"js("code_interpreter","code_interpreter":{"input":"print(6*7)","outputs":[{"type":"logs",)js"
      R"("logs":"42\n"}]}},{"id":"call_fs","type":"file_search","file_search":{}}]}})";
  state.OnEvent(SseEvent{"thread.run.step.created", created, {}});
  state.OnEvent(SseEvent{"thread.run.step.delta", delta1, {}});
  state.OnEvent(SseEvent{"thread.run.step.delta", delta2, {}});
  state.OnEvent(SseEvent{"thread.run.step.completed", completed, {}});
  state.OnEvent(SseEvent{"thread.run.brand_new", RunJson("in_progress"), {}});
  state.OnEvent(SseEvent{"thread.brand_new_thing", "{}", {}});
  std::vector<std::string> seen;
  for (const auto& e : sink.events) {
    if (e.type == AgentEventType::kHostedToolActivity) {
      seen.push_back(e.call_id + " " + e.tool_name + " " + e.detail + " " + e.text);
    } else if (e.type == AgentEventType::kUnrecognisedEvent) {
      seen.push_back(e.detail + " " + e.text);
    }
  }
  EXPECT_THAT(seen,
              ElementsAre("call_ci code_interpreter added ", "call_fs file_search added ",
                          "call_ci code_interpreter code_delta print(",
                          "call_ci code_interpreter code_delta 6*7)",
                          "call_ci code_interpreter completed print(6*7)",
                          "call_fs file_search completed ", "assistants thread.brand_new_thing"));
  EXPECT_TRUE(state.TakeResult().used_file_search);
}

}  // namespace
}  // namespace agentreplay::testing
