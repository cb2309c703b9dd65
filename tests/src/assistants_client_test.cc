// The assistants client following runs by polling, with the lean handler (p0 on) and the
// legacy one (p0 off), and the requests it builds.
#include "llm/assistants_client.h"

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include "tests/src/assistants_test_util.h"

namespace agentreplay::testing {
namespace {

using ::testing::ElementsAre;

TEST_F(AssistantsClientTest, LeanPollingTurnWithOneToolRound) {
  Script(ThreadJson());
  Script(UserMessageJson());
  Script(RunJson("queued"));
  Script(RunJson("in_progress"));
  Script(RequiresActionRun());
  Script(RunJson("queued"));  // submit_tool_outputs answers the run
  Script(CompletedRun());
  Script(MessagesJson("Wear a coat."));
  auto client = MakeClient(Options(/*stream=*/false));

  StepResult first = RunSync(client.StartTurn("What should I wear?", Tools()));
  ASSERT_EQ(first.outcome, StepResult::Outcome::kToolCalls);
  ASSERT_EQ(first.tool_calls.size(), 1u);
  EXPECT_EQ(first.tool_calls[0].call_id, "call_1");
  EXPECT_EQ(first.tool_calls[0].name, "get_weather");
  EXPECT_EQ(first.tool_calls[0].arguments, R"({"city":"Paris"})");
  EXPECT_EQ(first.tool_schema_bytes, NestedToolJson().size());
  EXPECT_FALSE(first.usage.reported);
  EXPECT_EQ(client.run_id(), "run_1");

  StepResult second =
      RunSync(client.SubmitToolOutputs({{"call_1", "8C and rain", false, {}}}, Tools()));
  ASSERT_EQ(second.outcome, StepResult::Outcome::kCompleted);
  EXPECT_EQ(second.text, "Wear a coat.");
  EXPECT_FALSE(second.used_file_search);
  EXPECT_EQ(second.tool_schema_bytes, 0u);
  EXPECT_TRUE(second.usage.reported);
  EXPECT_EQ(second.usage.input_tokens, 120);
  EXPECT_EQ(second.usage.output_tokens, 9);
  EXPECT_EQ(client.run_id(), "");

  EXPECT_THAT(Targets(transport_.requests),
              ElementsAre("POST /v1/threads", "POST /v1/threads/thread_1/messages",
                          "POST /v1/threads/thread_1/runs", "GET /v1/threads/thread_1/runs/run_1",
                          "GET /v1/threads/thread_1/runs/run_1",
                          "POST /v1/threads/thread_1/runs/run_1/submit_tool_outputs",
                          "GET /v1/threads/thread_1/runs/run_1",
                          "GET /v1/threads/thread_1/messages?order=desc&limit=1"));
  EXPECT_EQ(transport_.requests[0].body, "{}");
  EXPECT_EQ(transport_.requests[1].body, R"({"role":"user","content":"What should I wear?"})");
  EXPECT_EQ(transport_.requests[2].body,
            R"({"assistant_id":"asst_agentreplay","tools":[)" + NestedToolJson() + "]}");
  EXPECT_EQ(transport_.requests[5].body,
            R"({"tool_outputs":[{"tool_call_id":"call_1","output":"8C and rain"}]})");
  EXPECT_THAT(clock_.sleeps, ElementsAre(Ms(250), Ms(250), Ms(250)));

  EXPECT_THAT(EventNames(sink_.events),
              ElementsAre("status", "status", "status", "tool_call_started", "tool_call_ready",
                          "status", "status", "text_delta", "text_done"));
  EXPECT_THAT(Statuses(sink_.events),
              ElementsAre("queued", "in_progress", "requires_action", "queued", "completed"));
  EXPECT_EQ(sink_.events[4].text, R"({"city":"Paris"})");
  EXPECT_EQ(sink_.events[7].text, "Wear a coat.");
  EXPECT_EQ(sink_.events[7].at - TimePoint{}, Ms(750));  // ttft: when the answer was fetched
}

TEST_F(AssistantsClientTest, LegacyPollingAddsRunsListPauseAndMessagesAfterEveryChange) {
  Script(ThreadJson());
  Script(UserMessageJson());
  Script(RunsListJson("in_progress"));  // an earlier run still open: wait
  Script(RunsListJson("completed"));
  Script(RunJson("queued"));
  Script(UserOnlyMessagesJson());
  Script(RunJson("in_progress"));
  Script(UserOnlyMessagesJson());
  Script(RequiresActionRun());
  Script(UserOnlyMessagesJson());
  Script(RunJson("queued"));
  Script(UserOnlyMessagesJson());
  Script(CompletedRun());
  Script(MessagesJson("Wear a coat."));  // after the change to completed: also the answer
  auto client = MakeClient(Legacy(Options(/*stream=*/false)));

  StepResult first = RunSync(client.StartTurn("What should I wear?", Tools()));
  ASSERT_EQ(first.outcome, StepResult::Outcome::kToolCalls);
  StepResult second = RunSync(client.SubmitToolOutputs({{"call_1", "8C", false, {}}}, Tools()));
  ASSERT_EQ(second.outcome, StepResult::Outcome::kCompleted);
  EXPECT_EQ(second.text, "Wear a coat.");

  const std::string messages = "GET /v1/threads/thread_1/messages";
  const std::string poll = "GET /v1/threads/thread_1/runs/run_1";
  EXPECT_THAT(Targets(transport_.requests),
              ElementsAre("POST /v1/threads", "POST /v1/threads/thread_1/messages",
                          "GET /v1/threads/thread_1/runs?limit=10",
                          "GET /v1/threads/thread_1/runs?limit=10",
                          "POST /v1/threads/thread_1/runs", messages, poll, messages, poll,
                          messages, "POST /v1/threads/thread_1/runs/run_1/submit_tool_outputs",
                          messages, poll, messages));
  // Runs wait, two polls, the pause before submit, one poll.
  EXPECT_THAT(clock_.sleeps, ElementsAre(Ms(250), Ms(250), Ms(250), Ms(500), Ms(250)));
  EXPECT_EQ(SleepTotal(), Ms(1500));
  EXPECT_THAT(Statuses(sink_.events),
              ElementsAre("queued", "in_progress", "requires_action", "queued", "completed"));
  // The tool calls are ready before the legacy messages.list that follows requires_action.
  EXPECT_EQ(transport_.events_before[9], 5u);
  EXPECT_EQ(sink_.events[4].type, AgentEventType::kToolCallReady);
}

TEST_F(AssistantsClientTest, PollBackoffGrowsAndIsCapped) {
  Script(ThreadJson());
  Script(UserMessageJson());
  Script(RunJson("queued"));
  for (int i = 0; i < 5; ++i) Script(RunJson("in_progress"));
  Script(CompletedRun());
  Script(MessagesJson("Done."));
  LlmClientOptions options = Options(/*stream=*/false);
  options.assistants.poll_interval = Ms(100);
  options.assistants.poll_backoff = 2.0;
  options.assistants.poll_interval_max = Ms(500);
  auto client = MakeClient(options);

  StepResult step = RunSync(client.StartTurn("Hi", {}));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kCompleted);
  EXPECT_THAT(clock_.sleeps, ElementsAre(Ms(100), Ms(200), Ms(400), Ms(500), Ms(500), Ms(500)));
  // Only changes are shown: five identical in_progress polls make one status event.
  EXPECT_THAT(Statuses(sink_.events), ElementsAre("queued", "in_progress", "completed"));
  EXPECT_EQ(transport_.requests[2].body, R"({"assistant_id":"asst_agentreplay"})");
}

TEST_F(AssistantsClientTest, RunThatNeverFinishesTimesOut) {
  Script(ThreadJson());
  Script(UserMessageJson());
  Script(RunJson("queued"));
  for (int i = 0; i < 10; ++i) Script(RunJson("in_progress"));
  LlmClientOptions options = Options(/*stream=*/false);
  options.assistants.run_timeout = std::chrono::seconds(1);
  auto client = MakeClient(options);

  StepResult step = RunSync(client.StartTurn("Hi", {}));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kFailed);
  EXPECT_EQ(step.error->kind, ErrorKind::kTimeout);
  EXPECT_EQ(step.error->reason, "run_wait_timeout");
  EXPECT_EQ(clock_.sleeps.size(), 4u);
  EXPECT_EQ(transport_.requests.size(), 3u + 4u);
}

TEST_F(AssistantsClientTest, RecordedPollingRunIsDecoded) {
  const std::string file = "dotnet-assistants-polling-run.json";
  for (size_t entry : {1u, 3u, 4u, 5u, 8u, 9u, 10u}) Script(RecordedBody(file, entry));
  auto client = MakeClient(Options(/*stream=*/false));

  StepResult step = RunSync(client.StartTurn("Hello, assistant!", {}));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kCompleted);
  EXPECT_EQ(step.text, "Hello! How can I assist you today?");
  EXPECT_EQ(step.usage.input_tokens, 32);
  EXPECT_EQ(step.usage.output_tokens, 11);
  EXPECT_EQ(client.thread_id(), "thread_VVo2xsJmQsaNxuYdqPloUXQm");
  EXPECT_EQ(transport_.requests[1].body, RecordedRequestBody(file, 3));
  EXPECT_EQ(transport_.requests[4].target,
            "/v1/threads/thread_VVo2xsJmQsaNxuYdqPloUXQm/runs/run_qESlsiZnlYfeC0h6lJTOMVcy");
  EXPECT_THAT(Statuses(sink_.events), ElementsAre("queued", "in_progress", "completed"));
  EXPECT_EQ(SleepTotal(), Ms(750));
}

TEST_F(AssistantsClientTest, RecordedPollingRunWithLegacyListsReusesTheLastMessagesList) {
  const std::string file = "dotnet-assistants-polling-run.json";
  // threads, messages, runs.list (empty), run queued, messages.list, polls, messages.list...
  for (size_t entry : {1u, 3u, 2u, 4u, 7u, 5u, 8u, 7u, 9u, 10u}) Script(RecordedBody(file, entry));
  LlmClientOptions options = Options(/*stream=*/false);
  options.assistants.list_runs_before_create = true;
  options.assistants.list_messages_each_state_change = true;
  auto client = MakeClient(options);

  StepResult step = RunSync(client.StartTurn("Hello, assistant!", {}));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kCompleted);
  EXPECT_EQ(step.text, "Hello! How can I assist you today?");
  EXPECT_EQ(transport_.requests.size(), 10u);  // no extra messages.list at the end
  EXPECT_EQ(transport_.requests.back().target,
            "/v1/threads/thread_VVo2xsJmQsaNxuYdqPloUXQm/messages");
  EXPECT_EQ(SleepTotal(), Ms(750));
}

TEST_F(AssistantsClientTest, EveryRequestCarriesTheBetaHeader) {
  Script(ThreadJson());
  Script(UserMessageJson());
  Script(RunJson("queued"));
  Script(CompletedRun());
  Script(MessagesJson("Hi."));
  auto client = MakeClient(Options(/*stream=*/false));
  ASSERT_EQ(RunSync(client.StartTurn("Hi", {})).outcome, StepResult::Outcome::kCompleted);
  ASSERT_EQ(transport_.requests.size(), 5u);
  for (const auto& req : transport_.requests) {
    EXPECT_EQ(FindHeader(req.headers, "openai-beta").value_or(""), "assistants=v2") << req.target;
    EXPECT_EQ(FindHeader(req.headers, "accept").value_or(""), "application/json");
    EXPECT_EQ(FindHeader(req.headers, "content-type").has_value(), req.method == "POST");
  }
}

TEST_F(AssistantsClientTest, VectorStoreAttachedSendsToolResourcesAndFileSearch) {
  auto ring = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(16);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", ring));
  spdlog::set_level(spdlog::level::info);

  Script(ThreadJson());
  Script(UserMessageJson());
  Script(RunJson("queued"));
  Script(CompletedRun());
  Script(MessagesJson("Found it."));
  LlmClientOptions options = Options(/*stream=*/false);
  options.vector_store.attach = true;
  auto client = MakeClient(options);
  StepResult step = RunSync(client.StartTurn("Search", Tools()));

  spdlog::set_default_logger(previous);
  ASSERT_EQ(step.outcome, StepResult::Outcome::kCompleted);
  EXPECT_EQ(transport_.requests[0].body,
            R"({"tool_resources":{"file_search":{"vector_store_ids":["vs_agentreplay_kb"]}}})");
  EXPECT_EQ(transport_.requests[2].body, R"({"assistant_id":"asst_agentreplay","tools":[)" +
                                             NestedToolJson() + R"(,{"type":"file_search"}]})");
  EXPECT_EQ(step.tool_schema_bytes, NestedToolJson().size() + 23);  // ,{"type":"file_search"}
  const auto logged = ring->last_formatted();
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_THAT(logged[0], ::testing::HasSubstr("[info] assistants: vector store attached OK"));
}

TEST_F(AssistantsClientTest, WithoutVectorStoreNothingIsSentAndTheWarningIsLoggedOnce) {
  auto ring = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(16);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", ring));
  for (int i = 0; i < 2; ++i) {
    Script(ThreadJson());
    Script(UserMessageJson());
    Script(RunJson("queued"));
    Script(CompletedRun());
    Script(MessagesJson("No idea."));
    auto client = MakeClient(Options(/*stream=*/false));
    ASSERT_EQ(RunSync(client.StartTurn("Search", {})).outcome, StepResult::Outcome::kCompleted);
  }
  spdlog::set_default_logger(previous);
  EXPECT_EQ(transport_.requests[0].body, "{}");
  EXPECT_EQ(transport_.requests[2].body, R"({"assistant_id":"asst_agentreplay"})");
  // Once per process: an earlier test in this binary may already have used it up.
  EXPECT_LE(ring->last_formatted().size(), 1u);
  for (const auto& line : ring->last_formatted()) {
    EXPECT_THAT(line, ::testing::HasSubstr("[warning] assistants: client does not support "
                                           "tool_resources for this assistant; falling back to "
                                           "no vector store"));
  }
}

TEST_F(AssistantsClientTest, HttpAndTransportErrorsAreValues) {
  Script(ThreadJson());
  Script(UserMessageJson());
  Script(404, R"({"error":{"message":"No assistant found with id 'asst_agentreplay'.",)"
              R"("type":"invalid_request_error","param":null,"code":null}})");
  auto client = MakeClient(Options(/*stream=*/false));
  StepResult step = RunSync(client.StartTurn("Hi", Tools()));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kFailed);
  EXPECT_EQ(step.error->kind, ErrorKind::kHttpStatus);
  EXPECT_EQ(step.error->reason, "http_404");
  EXPECT_EQ(step.error->message, "HTTP 404: No assistant found with id 'asst_agentreplay'.");

  // The thread is kept; the script is empty, so the transport itself fails next.
  StepResult next = RunSync(client.StartTurn("Hi", Tools()));
  EXPECT_EQ(next.error->reason, "no_script");
  EXPECT_EQ(transport_.requests.back().target, "/v1/threads/thread_1/messages");

  StepResult submit = RunSync(client.SubmitToolOutputs({{"call_1", "x", false, {}}}, Tools()));
  EXPECT_EQ(submit.error->reason, "no_run_awaiting_outputs");
}

TEST_F(AssistantsClientTest, FactoryBuildsTheAssistantsClient) {
  auto client =
      MakeLlmClient(Runtime::kAssistants, Options(true), LlmClientPorts{clock_, transport_, sink_});
  EXPECT_NE(dynamic_cast<AssistantsClient*>(client.get()), nullptr);
}

}  // namespace
}  // namespace agentreplay::testing
