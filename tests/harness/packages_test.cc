// Every package's effect, exactly, in the simulated world; and the registry's rules.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/packages/registry.h"
#include "harness/packages/shipped_files.h"
#include "harness/packages/tool_packs_file.h"
#include "harness/run/matrix_runner.h"
#include "tests/harness/test_variants.h"
#include "tools/tool_catalog.h"

namespace agentreplay::harness {
namespace {

using mocks::Dist;
using ::testing::HasSubstr;

const Registry& Shipped() { return ShippedPackages(); }
Variant V(std::string_view spec) { return ShippedVariant(spec); }

// A fixed-latency scenario: one tool round (get_current_time, 40 ms) then a text answer.
mocks::Scenario ToolScenario(int calls = 1) {
  mocks::Scenario s;
  s.name = "fixed";
  s.description = "fixed latencies";
  s.latency.network_rtt_ms = Dist::Fixed(40);
  s.latency.processing_ms = Dist::Fixed(10);
  s.proxy_hop_ms = Dist::Fixed(12);
  s.tools["get_current_time"].latency_ms = Dist::Fixed(40);
  mocks::TurnScript turn;
  turn.user = "What time is it?";
  mocks::StepScript call;
  call.ttft_ms = Dist::Fixed(300);
  call.chunk_gap_ms = Dist::Fixed(10);
  for (int i = 0; i < calls; ++i) {
    call.tool_calls.push_back({"get_current_time", R"({"timezone":"UTC"})", 2});
  }
  mocks::StepScript answer;
  answer.ttft_ms = Dist::Fixed(200);
  answer.chunk_gap_ms = Dist::Fixed(20);
  answer.text_chunks = {"It", " is", " noon", " in", " UTC", " today", "."};
  turn.steps = {call, answer};
  turn.expect.tools_called = {"get_current_time"};
  s.turns.push_back(turn);
  return s;
}

results::Cell RunVariant(const mocks::Scenario& s, std::string_view variant,
                         std::optional<Runtime> runtime = std::nullopt, int reps = 1) {
  auto world = MakeSimWorld();
  MatrixOptions options;
  options.repetitions = reps;
  const Variant v = V(variant);
  return RunCell(*world, s, v, runtime.value_or(v.settings.runtime), options);
}

double M(const results::Cell& cell, const std::string& metric) {
  EXPECT_EQ(cell.error_samples, 0) << cell.variant << ": " << cell.samples[0].error_reason << " "
                                   << cell.samples[0].error_message;
  return cell.samples.at(0).metrics.at(metric);
}

TEST(RegistryTest, ShippedRegistryHasEveryPackageAndTheDefaultLadder) {
  std::vector<std::string> ids;
  for (const auto& p : Shipped().packages()) ids.push_back(p.id);
  EXPECT_THAT(ids,
              ::testing::ElementsAre("p0", "p1", "p2", "p3", "p4", "p5", "px", "pr", "pb", "pc"));
  const auto& ladder = Shipped().ladders().at("default");
  EXPECT_THAT(ladder, ::testing::ElementsAre("baseline", "p0", "p0+p2", "p0+p2+p1", "p0+p2+p1+p3",
                                             "p0+p2+p1+p3+p4", "p0+p2+p1+p3+p4+p5"));
}

TEST(RegistryTest, VariantsResolveToTypedSettings) {
  const Variant base = V("baseline");
  EXPECT_EQ(base.settings.runtime, Runtime::kAssistants);
  EXPECT_FALSE(base.settings.stream);
  EXPECT_TRUE(base.settings.proxy_dispatch);
  EXPECT_TRUE(base.settings.assistants.list_runs_before_create);
  EXPECT_EQ(base.settings.assistants.poll_interval, std::chrono::milliseconds(1000));
  const Variant v = V("p5+p3+p2");
  EXPECT_EQ(v.name, "p5+p3+p2");  // the order given is kept in the name
  EXPECT_EQ(v.settings.runtime, Runtime::kResponses);
  EXPECT_TRUE(v.settings.stream);
  EXPECT_FALSE(v.settings.proxy_dispatch);
  EXPECT_EQ(V("pr").settings.retry.max_attempts, 4);
  EXPECT_EQ(V("pb").settings.batching.max_chars, 64u);
}

TEST(RegistryTest, BadVariantsAreExplained) {
  auto unknown = Shipped().ResolveVariant("p0+p9");
  ASSERT_FALSE(unknown);
  EXPECT_THAT(unknown.error(), HasSubstr("unknown package 'p9'"));
  auto twice = Shipped().ResolveVariant("p0+p0");
  EXPECT_THAT(twice.error(), HasSubstr("twice"));
  auto list = Shipped().ResolveList("default,p0,p2+p0+p0");
  EXPECT_THAT(list.error(), HasSubstr("twice"));
}

TEST(RegistryTest, LaddersExpandWithoutDuplicates) {
  auto list = Shipped().ResolveList("baseline,default,p2+p0");
  const auto& variants = *list;
  ASSERT_EQ(variants.size(), 7u);  // baseline and p0+p2 are already in the ladder
  EXPECT_EQ(variants.front().name, "baseline");
}

TEST(RegistryTest, RegistryErrorsNameTheFileAndPointer) {
  auto bad = Registry::Parse(R"({"schema":"agentreplay.packages/v1","legacy":{"stream":"yes"},
                                 "packages":[],"ladders":{"default":["baseline"]}})",
                             "packages.json");
  EXPECT_EQ(bad.error(), "packages.json: /legacy/stream: expected true or false");
  auto conflict = Registry::Parse(
      R"({"schema":"agentreplay.packages/v1","legacy":{},"packages":[
          {"id":"a","name":"a","description":"a","sets":{"stream":true}},
          {"id":"b","name":"b","description":"b","sets":{"stream":false}}],
          "ladders":{"default":["a+b"]}})",
      "packages.json");
  EXPECT_THAT(conflict.error(), HasSubstr("both set 'stream' differently"));
}

// Settings are bounded too: 1e308 would overflow where it becomes nanoseconds or an int.
TEST(RegistryTest, SettingsPastTheirBoundAreRefused) {
  for (const auto& [setting, bound] :
       {std::pair{"poll_interval_ms", "3600000"}, std::pair{"retry_max_ms", "3600000"},
        std::pair{"max_parallel_tools", "1024"}, std::pair{"retry_max_attempts", "100"}}) {
    auto bad =
        Registry::Parse(fmt::format(R"({{"schema":"agentreplay.packages/v1","legacy":{{"{}":1e308}},
                         "packages":[],"ladders":{{"default":["baseline"]}}}})",
                                    setting),
                        "packages.json");
    EXPECT_EQ(bad.error(), fmt::format("packages.json: /legacy/{}: expected a number from 0 to {}",
                                       setting, bound));
  }
}

TEST(PackagesTest, P2RemovesExactlyTheProxyHop) {
  const auto s = ToolScenario();
  const auto hop = RunVariant(s, "p3+p5");  // proxy hop (12 ms) around the 40 ms tool
  const auto local = RunVariant(s, "p3+p5+p2");
  EXPECT_DOUBLE_EQ(M(hop, "tool_exec_ms"), 40.0);
  EXPECT_DOUBLE_EQ(M(local, "tool_exec_ms"), 40.0);
  EXPECT_DOUBLE_EQ(M(hop, "tool_overhead_ms") - M(local, "tool_overhead_ms"), 12.0);
  EXPECT_DOUBLE_EQ(M(hop, "e2e_ms") - M(local, "e2e_ms"), 12.0);
}

TEST(PackagesTest, PxMakesTheCriticalPathTheLongestCallNotTheSum) {
  const auto s = ToolScenario(/*calls=*/5);
  const auto serial = RunVariant(s, "p2+p3+p5");
  const auto parallel = RunVariant(s, "p2+p3+p5+px");
  EXPECT_DOUBLE_EQ(M(serial, "tool_exec_ms"), 200.0);    // five calls of 40 ms
  EXPECT_DOUBLE_EQ(M(parallel, "tool_exec_ms"), 200.0);  // the same work...
  // ...on a pool of 4 workers: two waves of 40 ms instead of five calls in a row.
  EXPECT_DOUBLE_EQ(M(serial, "e2e_ms") - M(parallel, "e2e_ms"), 120.0);
  EXPECT_DOUBLE_EQ(parallel.samples[0].segments.at("tool_exec"), 80.0);
  // The metric a gate can hold: the tool time the user waited for, not the work done.
  EXPECT_DOUBLE_EQ(M(serial, "tool_path_ms"), 200.0);
  EXPECT_DOUBLE_EQ(M(parallel, "tool_path_ms"), 80.0);
  const auto three = RunVariant(ToolScenario(/*calls=*/3), "p2+p3+p5+px");
  EXPECT_DOUBLE_EQ(three.samples[0].segments.at("tool_exec"), 40.0);  // one wave
}

TEST(PackagesTest, PrRetriesA429HonouringRetryAfter) {
  mocks::Scenario s = ToolScenario();
  s.turns[0].steps[0].faults.push_back(
      mocks::FaultScript{429, 1.5, "requests", "rate_limit_exceeded", "slow down"});
  const auto without = RunVariant(s, "p2+p3+p5");
  ASSERT_EQ(without.error_samples, 1);
  EXPECT_EQ(without.samples[0].error_reason, "http_429:rate_limit_exceeded");
  const auto with = RunVariant(s, "p2+p3+p5+pr");
  EXPECT_DOUBLE_EQ(M(with, "retries"), 1.0);
  EXPECT_DOUBLE_EQ(M(with, "sleep_ms"), 1500.0);
  EXPECT_DOUBLE_EQ(M(with, "requests"), 3.0);  // the 429, its retry, the continuation
  const auto clean = RunVariant(ToolScenario(), "p2+p3+p5+pr");
  EXPECT_DOUBLE_EQ(M(with, "e2e_ms") - M(clean, "e2e_ms"), 1500.0 + 50.0);  // wait + the 429's RTT
}

TEST(PackagesTest, PbBatchesDeltasButNotTheFirstWords) {
  const auto s = ToolScenario();
  const auto each = RunVariant(s, "p2+p3+p5");
  const auto batched = RunVariant(s, "p2+p3+p5+pb");
  EXPECT_DOUBLE_EQ(M(each, "ttft_ms"), M(batched, "ttft_ms"));
  EXPECT_EQ(each.samples[0].itl_ms.size(), 6u);
  // 7 deltas of 20 ms gaps and ~3 characters: the first alone, then batches closed by age
  // (50 ms: the third delta after the batch began), and the rest at text_done.
  EXPECT_LT(batched.samples[0].itl_ms.size(), each.samples[0].itl_ms.size());
  for (double gap : batched.samples[0].itl_ms) EXPECT_GE(gap, 20.0);
}

TEST(PackagesTest, P5MovesToTheResponsesRuntime) {
  const auto s = ToolScenario();
  const auto responses = RunVariant(s, "p2+p3+p5");
  EXPECT_EQ(responses.runtime, "responses");
  EXPECT_EQ(responses.samples[0].requests_by_endpoint.at("responses.create"), 2);
}

int64_t Requests(const results::Cell& cell, const std::string& endpoint) {
  const auto& by = cell.samples.at(0).requests_by_endpoint;
  auto it = by.find(endpoint);
  return it == by.end() ? 0 : it->second;
}

TEST(PackagesTest, P0RemovesTheLegacyHandlersBrakes) {
  const auto s = ToolScenario();
  const auto legacy = RunVariant(s, "p2");  // polling assistants, legacy handler
  const auto lean = RunVariant(s, "p0+p2");
  EXPECT_EQ(Requests(legacy, "runs.list"), 1);
  EXPECT_GT(M(legacy, "sleep_ms"), 500.0);          // poll sleeps plus the 500 ms pause
  EXPECT_GE(Requests(legacy, "messages.list"), 3);  // after every observed state change
  EXPECT_EQ(Requests(lean, "runs.list"), 0);
  // Only the fixed poll interval sleeps: no pause before submit, no growing backoff.
  EXPECT_LT(M(lean, "sleep_ms"), M(legacy, "sleep_ms"));
  EXPECT_EQ(Requests(lean, "messages.list"), 1);  // once, for the answer
  EXPECT_LT(M(lean, "e2e_ms"), M(legacy, "e2e_ms"));
  EXPECT_LT(M(lean, "detect_lag_ms"), M(legacy, "detect_lag_ms"));
}

TEST(PackagesTest, P3StreamsRunsWithNoPollsAndNoDetectionLag) {
  const auto s = ToolScenario();
  const auto polled = RunVariant(s, "p0+p2");
  const auto streamed = RunVariant(s, "p0+p2+p3");
  EXPECT_GT(M(polled, "polls"), 0.0);
  EXPECT_GT(M(polled, "detect_lag_ms"), 0.0);
  EXPECT_DOUBLE_EQ(M(streamed, "polls"), 0.0);
  EXPECT_DOUBLE_EQ(M(streamed, "detect_lag_ms"), 0.0);
  EXPECT_DOUBLE_EQ(streamed.samples[0].segments.at("detect_lag"), 0.0);
  EXPECT_LT(M(streamed, "ttft_ms"), M(polled, "ttft_ms"));
  EXPECT_EQ(Requests(streamed, "runs.create"), 1);
  EXPECT_EQ(Requests(streamed, "runs.submit_tool_outputs"), 1);
}

mocks::Scenario KnowledgeScenario() {
  mocks::Scenario s = ToolScenario();
  mocks::StepScript answer;
  answer.ttft_ms = Dist::Fixed(200);
  answer.chunk_gap_ms = Dist::Fixed(20);
  answer.file_search = mocks::FileSearchScript{"export policy", Dist::Fixed(300), {"policy.md"}};
  answer.text_chunks = {"Not", " allowed", " (policy.md)."};
  mocks::StepScript fallback = answer;
  fallback.file_search.reset();
  fallback.text_chunks = {"Probably", " not."};
  answer.alternatives.push_back({mocks::StepCondition{"file_search", 0}, fallback});
  s.turns[0].steps = {answer};
  s.turns[0].expect = {};
  s.turns[0].expect.answer_contains = {"policy.md"};
  s.turns[0].expect.file_search_used = true;
  return s;
}

TEST(PackagesTest, P1AttachesTheVectorStoreSoTheModelCanSearchIt) {
  const auto s = KnowledgeScenario();
  for (const char* base : {"p0+p2+p3", "p0+p2", "p0+p2+p3+p5"}) {
    const auto without = RunVariant(s, base);
    const auto with = RunVariant(s, std::string(base) + "+p1");
    SCOPED_TRACE(base);
    for (const auto& check : without.checks) {
      if (check.name != "turn 1: completes") {
        EXPECT_FALSE(check.ok) << check.name;
      }
    }
    for (const auto& check : with.checks) {
      EXPECT_TRUE(check.ok) << check.name << ": " << check.detail;
    }
    // The search's 300 ms sit between the first token and the text.
    EXPECT_GT(M(with, "e2e_ms"), M(without, "e2e_ms") + 250.0);
  }
}

const ToolPacks& ShippedPacks() {
  static const ToolPacks packs = [] {
    auto loaded = LoadToolPacks(shipped::ToolPacksFile());
    if (!loaded) throw std::runtime_error(loaded.error());
    return std::move(*loaded);
  }();
  return packs;
}

TEST(ToolPacksTest, IntentRulesPickPacksByWholeWords) {
  const ToolPacks& packs = ShippedPacks();
  EXPECT_THAT(SelectPacks(packs, "How many open ORDERS are recorded?"),
              ::testing::ElementsAre("Core", "Memory"));
  EXPECT_THAT(SelectPacks(packs, "Read the March invoice file and delete the old one"),
              ::testing::ElementsAre("Core", "BlobRead", "Admin"));
  // "profile" is not "file"; nothing matches, so the unmatched default applies.
  EXPECT_THAT(SelectPacks(packs, "Update my profile picture"),
              ::testing::ElementsAre("Core", "Memory"));
}

TEST(ToolPacksTest, BadPackFilesAreExplained) {
  auto unknown = ParseToolPacks(R"({"schema":"agentreplay.tool_packs/v1","packs":{"Core":[]},
      "rules":[{"pack":"Nope","words":["x"]}]})",
                                "tool_packs.json");
  EXPECT_EQ(unknown.error(), "tool_packs.json: /rules/0/pack: unknown pack 'Nope'");
  auto schema = ParseToolPacks(R"({"schema":"v0"})", "tool_packs.json");
  EXPECT_THAT(schema.error(), HasSubstr("/schema"));
}

results::Cell RunWithPacks(const mocks::Scenario& s, std::string_view variant) {
  auto world = MakeSimWorld();
  MatrixOptions options;
  options.repetitions = 1;
  options.tool_packs = &ShippedPacks();
  const Variant v = V(variant);
  return RunCell(*world, s, v, v.settings.runtime, options);
}

// One data question; the model calls `tool` first, then answers.
mocks::Scenario DataScenario(const std::string& tool) {
  mocks::Scenario s = ToolScenario();
  s.tools.clear();
  s.turns[0].user = "How many open orders are recorded?";
  s.turns[0].steps[0].tool_calls = {{tool, R"({"prefix":"orders/"})", 1}};
  s.turns[0].expect = {};
  return s;
}

TEST(PackagesTest, P4SendsOnlyTheIntentsPack) {
  if (MakeDefaultCatalog().Specs().size() < 3) GTEST_SKIP() << "needs the full tool set";
  const auto s = DataScenario("get_filtered_data");
  const auto all = RunWithPacks(s, "p0+p2+p3+p5");
  const auto narrow = RunWithPacks(s, "p0+p2+p3+p5+p4");
  EXPECT_LT(M(narrow, "tool_schema_bytes"), M(all, "tool_schema_bytes"));
  EXPECT_LT(M(narrow, "input_tokens"), M(all, "input_tokens"));
  EXPECT_DOUBLE_EQ(M(narrow, "tool_fallbacks"), 0.0);
  EXPECT_DOUBLE_EQ(M(narrow, "requests"), M(all, "requests"));
}

TEST(PackagesTest, P4WidensThePackWhenTheModelWantsAToolOutsideIt) {
  if (MakeDefaultCatalog().Specs().size() < 3) GTEST_SKIP() << "needs the full tool set";
  const auto s = DataScenario("list_blobs");  // BlobRead: not in Core + Memory
  for (const char* variant : {"p0+p2+p3+p5+p4", "p0+p2+p3+p4"}) {
    SCOPED_TRACE(variant);
    const auto cell = RunWithPacks(s, variant);
    EXPECT_DOUBLE_EQ(M(cell, "tool_fallbacks"), 1.0);
    EXPECT_DOUBLE_EQ(M(cell, "tool_calls"), 1.0);  // the call runs once, after the retry
    const auto without =
        RunWithPacks(s, std::string(variant).substr(0, std::string(variant).size() - 3));
    EXPECT_DOUBLE_EQ(M(cell, "requests"),
                     M(without, "requests") + (cell.runtime == "responses" ? 1 : 2));
  }
}

}  // namespace
}  // namespace agentreplay::harness
