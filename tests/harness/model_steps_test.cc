// What a scenario can say beyond text and function calls — reasoning, hosted tool calls,
// refusals, answers cut off — played by the mock in each runtime's wire format and measured
// through the agent core in the simulated world. Every figure is exact.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "harness/run/matrix_runner.h"
#include "harness/run/world.h"
#include "harness/scenario/scenario_loader.h"
#include "harness/scenario/scenario_writer.h"
#include "llm/responses_stream.h"
#include "mocks/api/responses/responses_renderer.h"
#include "sse/sse_decoder.h"
#include "tests/harness/test_variants.h"
#include "tests/src/fake_ports.h"

namespace agentreplay::harness {
namespace {

using mocks::Dist;

// rtt 40 (20 up, 20 down) and processing 10: every response starts 50 ms after its request.
mocks::Scenario Base() {
  mocks::Scenario s;
  s.name = "model_steps";
  s.description = "exact timelines for the step kinds";
  s.latency.network_rtt_ms = Dist::Fixed(40);
  s.latency.processing_ms = Dist::Fixed(10);
  return s;
}

mocks::TurnScript AnswerTurn(mocks::StepScript step) {
  mocks::TurnScript turn;
  turn.user = "Hello";
  turn.steps.push_back(std::move(step));
  return turn;
}

Variant VariantFor(Runtime runtime, bool stream) {
  Variant v = StreamingResponses(fmt::format("{}{}", RuntimeName(runtime), stream ? "" : "-poll"));
  v.settings.runtime = runtime;
  v.settings.stream = stream;
  // Fixed 10 ms polls, without the legacy handler's extra calls, for exact polled timelines.
  v.settings.assistants.poll_interval = FromMillis(10);
  v.settings.assistants.poll_backoff = 1.0;
  v.settings.assistants.pause_before_submit = Duration{0};
  v.settings.assistants.list_runs_before_create = false;
  v.settings.assistants.list_messages_each_state_change = false;
  return v;
}

results::Sample OneSample(const mocks::Scenario& scenario, Runtime runtime, bool stream) {
  auto world = MakeSimWorld();
  MatrixOptions options;
  options.repetitions = 1;
  results::Cell cell = RunCell(*world, scenario, VariantFor(runtime, stream), runtime, options);
  EXPECT_EQ(cell.samples.size(), 1u);
  return cell.samples.empty() ? results::Sample{} : cell.samples.front();
}

double Metric(const results::Sample& s, const std::string& name) {
  auto it = s.metrics.find(name);
  return it == s.metrics.end() ? std::nan("") : it->second;
}

// Reasoning: ttfr 100 after the response start (50) → 150, then 170 and 190. The answer's
// ttft (100) would put its first delta at 150, but it waits for the last reasoning delta: 190.
mocks::StepScript ReasoningStep() {
  mocks::StepScript step;
  step.reasoning = mocks::ReasoningScript{};
  step.reasoning->chunks = {"The user", " says hello,", " so I greet back."};
  step.reasoning->ttfr_ms = Dist::Fixed(100);
  step.reasoning->chunk_gap_ms = Dist::Fixed(20);
  step.ttft_ms = Dist::Fixed(100);
  step.chunk_gap_ms = Dist::Fixed(10);
  step.text_chunks = {"Hi", " there."};
  return step;
}

TEST(ReasoningStepTest, StreamedResponsesShowReasoningWithItsOwnTimeToFirstDelta) {
  mocks::Scenario s = Base();
  s.turns.push_back(AnswerTurn(ReasoningStep()));
  const results::Sample sample = OneSample(s, Runtime::kResponses, true);
  ASSERT_TRUE(sample.ok) << sample.error_reason << ": " << sample.error_message;
  EXPECT_DOUBLE_EQ(Metric(sample, "ttfs_ms"), 50.0);
  EXPECT_DOUBLE_EQ(Metric(sample, "ttfr_ms"), 150.0);
  EXPECT_DOUBLE_EQ(Metric(sample, "ttft_ms"), 190.0);
  EXPECT_DOUBLE_EQ(Metric(sample, "e2e_ms"), 200.0);
}

TEST(ReasoningStepTest, RuntimesThatHideReasoningStillSpendItsTime) {
  mocks::Scenario s = Base();
  s.turns.push_back(AnswerTurn(ReasoningStep()));
  // Chat streams no reasoning: no ttfr, and the first token still waits for it.
  const results::Sample chat = OneSample(s, Runtime::kChat, true);
  ASSERT_TRUE(chat.ok) << chat.error_reason << ": " << chat.error_message;
  EXPECT_TRUE(std::isnan(Metric(chat, "ttfr_ms")));
  EXPECT_DOUBLE_EQ(Metric(chat, "ttft_ms"), 190.0);
  const results::Sample assistants = OneSample(s, Runtime::kAssistants, true);
  ASSERT_TRUE(assistants.ok) << assistants.error_reason << ": " << assistants.error_message;
  EXPECT_TRUE(std::isnan(Metric(assistants, "ttfr_ms")));
}

TEST(ReasoningStepTest, ReasoningTokensAreOutputTokens) {
  mocks::Scenario plain = Base();
  mocks::StepScript without = ReasoningStep();
  without.reasoning.reset();
  plain.turns.push_back(AnswerTurn(without));
  mocks::Scenario reasoning = Base();
  reasoning.turns.push_back(AnswerTurn(ReasoningStep()));
  for (Runtime runtime : {Runtime::kResponses, Runtime::kChat, Runtime::kAssistants}) {
    const double base = Metric(OneSample(plain, runtime, true), "output_tokens");
    const double more = Metric(OneSample(reasoning, runtime, true), "output_tokens");
    // "The user" (2), " says hello," (3), " so I greet back." (5): ceil(bytes / 4) each.
    EXPECT_DOUBLE_EQ(more - base, 10.0) << RuntimeName(runtime);
  }
}

// Hosted tools: a web search of 300 ms and a code interpreter run of 200 ms, one after the
// other from the first token (50 + ttft 100 = 150): the answer's first delta comes at 650.
mocks::StepScript HostedStep() {
  mocks::StepScript step;
  step.ttft_ms = Dist::Fixed(100);
  mocks::HostedToolScript search;
  search.type = "web_search";
  search.input = "weather in Oslo";
  search.latency_ms = Dist::Fixed(300);
  mocks::HostedToolScript code;
  code.type = "code_interpreter";
  code.input = "print(2 + 2)";
  code.output = "4\n";
  code.latency_ms = Dist::Fixed(200);
  step.hosted_tools = {search, code};
  step.text_chunks = {"It is", " 4."};
  return step;
}

TEST(HostedToolStepTest, TheAnswerWaitsForEveryHostedCallInEveryRuntime) {
  mocks::Scenario s = Base();
  s.turns.push_back(AnswerTurn(HostedStep()));
  mocks::Scenario plain = Base();
  mocks::StepScript without = HostedStep();
  without.hosted_tools.clear();
  plain.turns.push_back(AnswerTurn(without));
  const results::Sample responses = OneSample(s, Runtime::kResponses, true);
  ASSERT_TRUE(responses.ok) << responses.error_reason << ": " << responses.error_message;
  EXPECT_DOUBLE_EQ(Metric(responses, "ttft_ms"), 650.0);
  // Assistants creates a thread and a message first (50 ms each); Chat shows no hosted call.
  // In every runtime the two calls cost exactly their 500 ms.
  for (Runtime runtime : {Runtime::kResponses, Runtime::kChat, Runtime::kAssistants}) {
    const results::Sample with = OneSample(s, runtime, true);
    ASSERT_TRUE(with.ok) << RuntimeName(runtime) << ": " << with.error_reason << ": "
                         << with.error_message;
    EXPECT_DOUBLE_EQ(Metric(with, "ttft_ms") - Metric(OneSample(plain, runtime, true), "ttft_ms"),
                     500.0)
        << RuntimeName(runtime);
  }
}

// A refusal is what the user sees: the agent's answer, in each runtime's refusal field.
TEST(RefusalStepTest, TheRefusalIsTheAnswerInEveryRuntimeStreamedOrNot) {
  mocks::Scenario s = Base();
  mocks::StepScript step;
  step.text_chunks = {"I can't", " help with that."};
  step.refusal = true;
  s.turns.push_back(AnswerTurn(step));
  s.turns.back().expect.answer_contains = {"I can't help with that."};
  for (Runtime runtime : {Runtime::kResponses, Runtime::kChat, Runtime::kAssistants}) {
    for (bool stream : {true, false}) {
      auto world = MakeSimWorld();
      MatrixOptions options;
      options.repetitions = 1;
      results::Cell cell = RunCell(*world, s, VariantFor(runtime, stream), runtime, options);
      ASSERT_EQ(cell.samples.size(), 1u);
      EXPECT_TRUE(cell.samples[0].ok) << RuntimeName(runtime) << " stream=" << stream;
      for (const auto& check : cell.checks) {
        EXPECT_TRUE(check.ok) << RuntimeName(runtime) << " stream=" << stream << ": " << check.name
                              << ": " << check.detail;
      }
    }
  }
}

// An answer cut off at max_output_tokens is an error sample, named by each runtime's reason.
TEST(IncompleteStepTest, AnAnswerCutOffIsAnErrorSampleWithTheRuntimesReason) {
  mocks::Scenario s = Base();
  mocks::StepScript step;
  step.text_chunks = {"The first", " half of"};
  step.incomplete = mocks::Incompletion::kMaxOutputTokens;
  s.turns.push_back(AnswerTurn(step));
  const struct {
    Runtime runtime;
    bool stream;
    const char* reason;
  } kCases[] = {
      {Runtime::kResponses, true, "response_incomplete:max_output_tokens"},
      {Runtime::kResponses, false, "response_incomplete:max_output_tokens"},
      {Runtime::kAssistants, true, "run_incomplete:max_completion_tokens"},
      {Runtime::kAssistants, false, "run_incomplete:max_completion_tokens"},
  };
  for (const auto& c : kCases) {
    const results::Sample sample = OneSample(s, c.runtime, c.stream);
    EXPECT_FALSE(sample.ok) << RuntimeName(c.runtime) << " stream=" << c.stream;
    EXPECT_EQ(sample.error_reason, c.reason) << RuntimeName(c.runtime) << " stream=" << c.stream;
  }
  for (bool stream : {true, false}) {
    const results::Sample chat = OneSample(s, Runtime::kChat, stream);
    EXPECT_FALSE(chat.ok) << "chat stream=" << stream;
    EXPECT_NE(chat.error_reason.find("length"), std::string::npos) << chat.error_reason;
  }
}

// What the mock renders for the Responses API, the core decodes: every hosted tool call comes
// out as hosted_tool events with its item id and phases, the reasoning as reasoning deltas,
// and nothing the mock sends is unrecognised.
TEST(HostedToolStepTest, TheCoreReadsEveryEventTheMockRendersForTheNewStepKinds) {
  mocks::Scenario s = Base();
  mocks::StepScript step = HostedStep();
  step.reasoning = ReasoningStep().reasoning;
  mocks::HostedToolScript image;
  image.type = "image_generation";
  image.input = "a cat";
  image.output = "aGVsbG8=";
  mocks::HostedToolScript mcp;
  mcp.type = "mcp_call";
  mcp.name = "search_issues";
  mcp.server_label = "tracker";
  mcp.input = R"({"q":"crash"})";
  mcp.fails = true;
  step.hosted_tools.push_back(image);
  step.hosted_tools.push_back(mcp);
  s.turns.push_back(AnswerTurn(step));
  Rng rng(1);
  const mocks::StepPlan plan = mocks::PlanStep(s, 0, 0, 100, rng);
  mocks::ResponsesRenderContext ctx;
  ctx.response_id = "resp_1";
  ctx.model = s.model;
  for (size_t i = 0; i < plan.outputs.size(); ++i) {
    ctx.item_ids.push_back(fmt::format("item_{}", i));
    ctx.call_ids.push_back(fmt::format("call_{}", i));
  }
  std::string body;
  for (const auto& chunk : mocks::RenderResponsesStream(plan, ctx)) body += chunk.bytes;

  testing::RecordingSink sink;
  testing::FixedClock clock;
  ResponsesStreamState state(sink, clock);
  SseDecoder decoder;
  std::vector<SseEvent> events;
  decoder.Feed(body, events);
  for (const auto& event : events) state.OnEvent(event);
  ASSERT_TRUE(state.terminal());
  const StepResult result = state.TakeResult();
  EXPECT_EQ(result.outcome, StepResult::Outcome::kCompleted);
  EXPECT_EQ(result.text, "It is 4.");

  std::map<std::string, std::vector<std::string>> phases;  // item id → phases, in order
  std::map<std::string, std::string> tool_of;
  std::string reasoning;
  for (const auto& ev : sink.events) {
    EXPECT_NE(ev.type, AgentEventType::kUnrecognisedEvent) << ev.text;
    if (ev.type == AgentEventType::kReasoningDelta) reasoning += ev.text;
    if (ev.type != AgentEventType::kHostedToolActivity) continue;
    phases[ev.call_id].push_back(ev.detail);
    tool_of[ev.call_id] = ev.tool_name;
  }
  EXPECT_EQ(reasoning, "The user says hello, so I greet back.");
  // Outputs: reasoning (item_0), then the four hosted calls (item_1 … item_4), then the text.
  ASSERT_EQ(phases.size(), 4u);
  EXPECT_EQ(tool_of["item_1"], "web_search");
  EXPECT_EQ(tool_of["item_2"], "code_interpreter");
  EXPECT_EQ(tool_of["item_3"], "image_generation");
  EXPECT_EQ(tool_of["item_4"], "mcp_call");
  for (const auto& [id, list] : phases) {
    ASSERT_FALSE(list.empty()) << id;
    EXPECT_EQ(list.front(), "added") << id;
  }
  EXPECT_EQ(phases["item_1"].back(), "completed");
  EXPECT_EQ(phases["item_4"].back(), "failed");
  EXPECT_NE(std::find(phases["item_1"].begin(), phases["item_1"].end(), "searching"),
            phases["item_1"].end());
  EXPECT_NE(std::find(phases["item_2"].begin(), phases["item_2"].end(), "interpreting"),
            phases["item_2"].end());
}

// The new fields survive writing and loading, so a lifted recording keeps them.
TEST(ModelStepsFormatTest, WriterAndLoaderRoundTripTheNewFields) {
  mocks::Scenario s = Base();
  mocks::StepScript tools = HostedStep();
  tools.reasoning = ReasoningStep().reasoning;
  tools.reasoning->summary = false;
  tools.hosted_tools[1].fails = true;
  mocks::HostedToolScript mcp;
  mcp.type = "mcp_call";
  mcp.name = "search_issues";
  mcp.server_label = "tracker";
  mcp.input = R"({"q":"crash"})";
  mcp.output = "3 issues";
  tools.hosted_tools.push_back(mcp);
  s.turns.push_back(AnswerTurn(tools));
  mocks::StepScript refusal;
  refusal.text_chunks = {"No."};
  refusal.refusal = true;
  s.turns.push_back(AnswerTurn(refusal));
  mocks::StepScript cut;
  cut.text_chunks = {"Half"};
  cut.incomplete = mocks::Incompletion::kContentFilter;
  s.turns.push_back(AnswerTurn(cut));

  const std::string text = ScenarioToJson(s);
  auto loaded = ParseScenario(text, "s.json");
  ASSERT_TRUE(loaded) << loaded.failure().ToString() << "\n" << text;
  const mocks::StepScript& step = loaded->turns[0].steps[0];
  ASSERT_TRUE(step.reasoning.has_value());
  EXPECT_EQ(step.reasoning->chunks, ReasoningStep().reasoning->chunks);
  EXPECT_FALSE(step.reasoning->summary);
  EXPECT_EQ(step.reasoning->ttfr_ms.Describe(), Dist::Fixed(100).Describe());
  ASSERT_EQ(step.hosted_tools.size(), 3u);
  EXPECT_EQ(step.hosted_tools[0].type, "web_search");
  EXPECT_EQ(step.hosted_tools[0].input, "weather in Oslo");
  EXPECT_TRUE(step.hosted_tools[1].fails);
  EXPECT_EQ(step.hosted_tools[1].output, "4\n");
  EXPECT_EQ(step.hosted_tools[2].name, "search_issues");
  EXPECT_EQ(step.hosted_tools[2].server_label, "tracker");
  EXPECT_TRUE(loaded->turns[1].steps[0].refusal);
  EXPECT_EQ(loaded->turns[2].steps[0].incomplete, mocks::Incompletion::kContentFilter);
}

}  // namespace
}  // namespace agentreplay::harness
