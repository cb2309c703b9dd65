#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "harness/packages/shipped_files.h"
#include "harness/run/matrix_runner.h"
#include "harness/scenario/scenario_loader.h"
#include "tests/harness/test_variants.h"

namespace agentreplay::harness {
namespace {

using mocks::Dist;

mocks::Scenario NoisyScenario() {
  mocks::Scenario s;
  s.name = "noisy";
  s.description = "seeded distributions everywhere";
  s.latency.network_rtt_ms = Dist::Lognormal(40, 0.3);
  s.latency.processing_ms = Dist::Uniform(5, 30);
  s.latency.prefill_ms_per_1k_input_tokens = 8;
  s.tools["get_current_time"].latency_ms = Dist::Lognormal(3, 0.5);
  mocks::TurnScript turn;
  turn.user = "What time is it in Warsaw?";
  mocks::StepScript call;
  call.ttft_ms = Dist::Lognormal(400, 0.25);
  call.chunk_gap_ms = Dist::Uniform(5, 15);
  call.tool_calls.push_back({"get_current_time", R"({"timezone":"Europe/Warsaw"})", 3});
  mocks::StepScript answer;
  answer.ttft_ms = Dist::Lognormal(300, 0.25);
  answer.chunk_gap_ms = Dist::Uniform(15, 35);
  answer.text_chunks = {"It", " is", " one", " in", " Warsaw."};
  turn.steps = {call, answer};
  s.turns = {turn, turn};
  return s;
}

// Everything but CPU time, which is measured, not simulated.
void ExpectSameSamples(const results::Cell& a, const results::Cell& b) {
  ASSERT_EQ(a.samples.size(), b.samples.size());
  for (size_t i = 0; i < a.samples.size(); ++i) {
    auto ma = a.samples[i].metrics;
    auto mb = b.samples[i].metrics;
    ma.erase("agent_cpu_us");
    mb.erase("agent_cpu_us");
    EXPECT_EQ(ma, mb) << "sample " << i;
    EXPECT_EQ(a.samples[i].segments, b.samples[i].segments);
    EXPECT_EQ(a.samples[i].itl_ms, b.samples[i].itl_ms);
    EXPECT_EQ(a.samples[i].requests_by_endpoint, b.samples[i].requests_by_endpoint);
  }
}

TEST(RunnerTest, SameSeedGivesIdenticalSamples) {
  auto world = MakeSimWorld();
  MatrixOptions options;
  options.repetitions = 10;
  options.seed = 42;
  const auto a = RunCell(*world, NoisyScenario(), StreamingResponses("baseline"),
                         Runtime::kResponses, options);
  const auto b = RunCell(*world, NoisyScenario(), StreamingResponses("baseline"),
                         Runtime::kResponses, options);
  EXPECT_EQ(a.samples.size(), 20u);
  EXPECT_EQ(a.error_samples, 0);
  ExpectSameSamples(a, b);

  options.seed = 43;
  const auto c = RunCell(*world, NoisyScenario(), StreamingResponses("baseline"),
                         Runtime::kResponses, options);
  EXPECT_NE(a.samples[0].metrics.at("e2e_ms"), c.samples[0].metrics.at("e2e_ms"));
}

TEST(RunnerTest, RepetitionsDifferButEveryVariantSeesTheSameDraws) {
  EXPECT_NE(RepetitionSeed(1, "noisy", 0), RepetitionSeed(1, "noisy", 1));
  auto world = MakeSimWorld();
  MatrixOptions options;
  options.repetitions = 3;
  const auto a = RunCell(*world, NoisyScenario(), StreamingResponses("baseline"),
                         Runtime::kResponses, options);
  const auto b =
      RunCell(*world, NoisyScenario(), StreamingResponses("other"), Runtime::kResponses, options);
  ExpectSameSamples(a, b);
  EXPECT_NE(a.samples[0].metrics.at("e2e_ms"), a.samples[2].metrics.at("e2e_ms"));
}

TEST(RunnerTest, AnExhaustedScriptIsAnErrorSampleNotACrash) {
  mocks::Scenario s = NoisyScenario();
  s.turns.resize(1);
  s.turns[0].steps.pop_back();  // the model calls a tool and the script has no next step
  auto world = MakeSimWorld();
  MatrixOptions options;
  options.repetitions = 2;
  const auto cell =
      RunCell(*world, s, StreamingResponses("baseline"), Runtime::kResponses, options);
  ASSERT_EQ(cell.samples.size(), 2u);
  EXPECT_EQ(cell.error_samples, 2);
  EXPECT_FALSE(cell.samples[0].ok);
  EXPECT_EQ(cell.samples[0].error_kind, "http_status");
  EXPECT_THAT(cell.samples[0].error_reason, ::testing::StartsWith("http_500"));
  ASSERT_FALSE(cell.checks.empty());
  EXPECT_FALSE(cell.checks[0].ok);
  EXPECT_EQ(cell.checks[0].passed, 0);
  EXPECT_EQ(cell.checks[0].total, 2);
  // Error samples are kept but do not enter the statistics.
  EXPECT_EQ(cell.stats.count("e2e_ms"), 0u);
}

TEST(RunnerTest, ASlowToolTimesOutAndTheTurnGoesOnWithoutWaitingForIt) {
  mocks::Scenario s = NoisyScenario();
  s.turns.resize(1);
  auto& tool = s.tools["get_current_time"];
  tool.latency_ms = Dist::Fixed(5000);
  tool.timeout_ms = 1200;
  tool.progress = {"connecting", "querying"};
  auto world = MakeSimWorld();
  MatrixOptions options;
  options.repetitions = 1;
  const auto cell =
      RunCell(*world, s, StreamingResponses("baseline"), Runtime::kResponses, options);
  ASSERT_EQ(cell.samples.size(), 1u);
  const auto& sample = cell.samples[0];
  ASSERT_TRUE(sample.ok) << sample.error_message;
  // The agent waited 1200 ms, not the 5000 the tool took in the background.
  EXPECT_DOUBLE_EQ(sample.metrics.at("tool_exec_ms"), 1200.0);
  double sum = 0;
  for (const auto& [name, ms] : sample.segments) sum += ms;
  EXPECT_NEAR(sum, sample.metrics.at("e2e_ms"), 1e-6);
  EXPECT_LT(sample.metrics.at("e2e_ms"), 5000.0);
}

const results::Check* FindCheck(const results::Cell& cell, const std::string& name) {
  for (const auto& c : cell.checks) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

// A tool that fails no longer passes every check: the turn completes, the answer is there, but
// "no tool call failed" says what went wrong. A tool's output can be asked for, and a scenario
// whose point is a failing tool can allow it.
TEST(RunnerTest, ToolResultsAreChecked) {
  mocks::Scenario s = NoisyScenario();
  s.turns.resize(1);
  s.turns[0].expect.tools_called = {"get_current_time"};
  s.turns[0].expect.tool_output_contains["get_current_time"] = {"Europe/Warsaw"};
  auto world = MakeSimWorld();
  MatrixOptions options;
  options.repetitions = 1;
  const auto good =
      RunCell(*world, s, StreamingResponses("baseline"), Runtime::kResponses, options);
  const auto* no_failure = FindCheck(good, "turn 1: no tool call failed");
  ASSERT_NE(no_failure, nullptr);
  EXPECT_TRUE(no_failure->ok) << no_failure->detail;
  const auto* output =
      FindCheck(good, "turn 1: get_current_time output contains \"Europe/Warsaw\"");
  ASSERT_NE(output, nullptr);
  EXPECT_TRUE(output->ok) << output->detail;

  // A time zone the tool refuses: the turn still completes, the checks say what failed.
  s.turns[0].steps[0].tool_calls[0].arguments = R"({"timezone":"Mars/Olympus"})";
  const auto bad = RunCell(*world, s, StreamingResponses("baseline"), Runtime::kResponses, options);
  ASSERT_EQ(bad.error_samples, 0);
  const auto* failed = FindCheck(bad, "turn 1: no tool call failed");
  ASSERT_NE(failed, nullptr);
  EXPECT_FALSE(failed->ok);
  EXPECT_THAT(failed->detail, ::testing::StartsWith("get_current_time failed: "));
  EXPECT_FALSE(FindCheck(bad, "turn 1: get_current_time output contains \"Europe/Warsaw\"")->ok);

  s.turns[0].expect.tool_errors_allowed = true;
  s.turns[0].expect.tool_output_contains.clear();
  const auto allowed =
      RunCell(*world, s, StreamingResponses("baseline"), Runtime::kResponses, options);
  EXPECT_EQ(FindCheck(allowed, "turn 1: no tool call failed"), nullptr);
}

// With every package that helps a scenario's checks (p1 for the knowledge base, pr for the
// rate limit), every shipped scenario completes on every runtime with its checks passing.
TEST(RunnerTest, EveryShippedScenarioCompletesOnEveryRuntime) {
  std::vector<mocks::Scenario> scenarios;
  for (const auto& entry : std::filesystem::directory_iterator(AGENTREPLAY_SCENARIOS_DIR)) {
    const auto name = entry.path().filename().string();
    if (entry.path().extension() != ".json" || name.find(".schema.") != std::string::npos) continue;
    auto loaded = LoadScenarioFile(entry.path());
    ASSERT_TRUE(loaded) << name << ": " << loaded.error();
    scenarios.push_back(std::move(*loaded));
  }
  ASSERT_GE(scenarios.size(), 9u);
  auto registry = Registry::Load(shipped::PackagesFile());
  ASSERT_TRUE(registry.ok());
  auto variants = registry->ResolveList("p0+p2+p1+p3+pr");
  ASSERT_TRUE(variants.ok());

  MatrixOptions options;
  options.repetitions = 2;
  options.variants = *variants;
  options.runtimes = {Runtime::kAssistants, Runtime::kResponses, Runtime::kChat};
  results::Results results;
  int callbacks = 0;
  ASSERT_TRUE(RunMatrix([] { return Expected<std::unique_ptr<World>>(MakeSimWorld()); }, scenarios,
                        options, results,
                        [&](const results::Cell& cell) {
                          ++callbacks;
                          EXPECT_EQ(&results.cells.back(), &cell);
                          EXPECT_EQ(results.cells.size(), static_cast<size_t>(callbacks));
                        }));
  EXPECT_EQ(callbacks, static_cast<int>(scenarios.size() * 3));
  for (const auto& cell : results.cells) {
    EXPECT_EQ(cell.error_samples, 0) << cell.scenario << "/" << cell.runtime << ": "
                                     << (cell.samples.empty() ? "" : cell.samples[0].error_message);
    for (const auto& check : cell.checks) {
      // Chat Completions has no file_search: the knowledge-base citation cannot appear there.
      if (cell.runtime == "chat" && cell.scenario == "knowledge_base_question") continue;
      EXPECT_TRUE(check.ok) << cell.scenario << "/" << cell.runtime << ": " << check.name << ": "
                            << check.detail;
    }
  }
}

}  // namespace
}  // namespace agentreplay::harness
