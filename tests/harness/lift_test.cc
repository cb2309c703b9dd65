// Lifting recordings into scenarios. The round trip that matters: a shipped scenario played by
// the mock in the simulated world and recorded (CaptureTransport between the agent and the
// mock), lifted, and played again on the same runtime and variant, gives the agent the same
// text, the same tool calls and the same per-event offsets to the nanosecond (ttfs, ttft, e2e
// and every inter-token gap equal); played on the other runtimes, the same text and tool calls.
// Also: every recorded fixture lifts into a valid scenario with its text and tool calls.
#include "harness/recording/lift.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "harness/packages/registry.h"
#include "harness/packages/shipped_files.h"
#include "harness/recording/capture_transport.h"
#include "harness/recording/conversations.h"
#include "harness/recording/import.h"
#include "harness/run/matrix_runner.h"
#include "harness/scenario/scenario_loader.h"
#include "harness/scenario/scenario_writer.h"

namespace agentreplay::harness {
namespace {

using mocks::Dist;
using ::testing::HasSubstr;

// --- Recording what the agent and the mock say to each other ---

class CapturingSession : public WorldSession {
 public:
  CapturingSession(std::unique_ptr<WorldSession> inner, mocks::Cassette& cassette)
      : inner_(std::move(inner)),
        capture_(inner_->transport(), inner_->clock(), inner_->clock().Now(), {},
                 [&cassette](mocks::CassetteExchange e) {
                   cassette.exchanges.push_back(std::move(e));
                 }) {}

  void SetClientTimeouts(const ClientTimeouts& timeouts) override {
    inner_->SetClientTimeouts(timeouts);
  }
  Clock& clock() override { return inner_->clock(); }
  Transport& transport() override { return capture_; }
  std::string api_prefix() const override { return inner_->api_prefix(); }
  std::chrono::sys_seconds wall_origin() const override { return inner_->wall_origin(); }
  std::optional<TurnResult> Drive(Task<TurnResult> turn) override {
    return inner_->Drive(std::move(turn));
  }
  Duration foreign_cpu_time() const override { return inner_->foreign_cpu_time(); }
  const std::vector<mocks::StateTransition>& state_log() const override {
    return inner_->state_log();
  }
  std::unique_ptr<ToolDispatcher> ProxyHop(ToolDispatcher& in_process, const ToolCatalog& catalog,
                                           const ToolContext& context, uint64_t seed) override {
    return inner_->ProxyHop(in_process, catalog, context, seed);
  }

 private:
  std::unique_ptr<WorldSession> inner_;
  CaptureTransport capture_;
};

// The simulated world, recording every session into a cassette of its own.
class CapturingWorld : public World {
 public:
  explicit CapturingWorld(Runtime runtime) : runtime_(runtime) {}
  std::string_view name() const override { return "sim"; }
  std::unique_ptr<WorldSession> Open(const mocks::Scenario& scenario, uint64_t seed) override {
    mocks::Cassette& cassette = cassettes.emplace_back();
    cassette.name = scenario.name + "-" + std::string(RuntimeName(runtime_));
    cassette.runtime = RuntimeName(runtime_);
    cassette.model = scenario.model;
    cassette.source.kind = "record";
    cassette.source.origin = "the simulated world";
    return std::make_unique<CapturingSession>(sim_->Open(scenario, seed), cassette);
  }
  std::deque<mocks::Cassette> cassettes;

 private:
  Runtime runtime_;
  std::unique_ptr<World> sim_ = MakeSimWorld();
};

Variant ShippedVariant(const std::string& spec) {
  auto registry = Registry::Load(shipped::PackagesFile());
  EXPECT_TRUE(registry) << registry.error();
  auto variant = registry->ResolveVariant(spec);
  EXPECT_TRUE(variant) << variant.error();
  return *variant;
}

mocks::Scenario Shipped(const std::string& name) {
  auto s = LoadScenarioFile(shipped::Dir() / (name + ".json"));
  EXPECT_TRUE(s) << s.error();
  return *s;
}

// A scenario can give a tool one latency distribution, not one latency per call: the tools
// (and the proxy hop) are pinned at their medians, so that the client's time between steps
// is the same wherever a tool is called. The model's timing stays random. Assistants also
// pins the network and the back end's processing, which its quick replies (thread and
// message creation) take from the scenario's latency rather than from a step.
mocks::Scenario Pinned(mocks::Scenario s, Runtime runtime) {
  for (auto& [name, tool] : s.tools) tool.latency_ms = Dist::Fixed(tool.latency_ms.Median());
  s.proxy_hop_ms = Dist::Fixed(s.proxy_hop_ms.Median());
  if (runtime == Runtime::kAssistants) {
    s.latency.network_rtt_ms = Dist::Fixed(s.latency.network_rtt_ms.Median());
    s.latency.queue_ms = Dist::Fixed(s.latency.queue_ms.Median());
    s.latency.processing_ms = Dist::Fixed(s.latency.processing_ms.Median());
  }
  return s;
}

struct Played {
  results::Cell cell;
  mocks::Cassette cassette;
};

Played Play(const mocks::Scenario& scenario, const Variant& variant, Runtime runtime) {
  CapturingWorld world(runtime);
  MatrixOptions options;
  options.repetitions = 1;
  options.seed = 7;
  Played played{RunCell(world, scenario, variant, runtime, options), {}};
  EXPECT_EQ(world.cassettes.size(), 1U);
  if (!world.cassettes.empty()) played.cassette = std::move(world.cassettes.front());
  std::stable_sort(played.cassette.exchanges.begin(), played.cassette.exchanges.end(),
                   [](const auto& a, const auto& b) { return a.sent_at < b.sent_at; });
  return played;
}

Transcript Decode(const mocks::Cassette& cassette) {
  auto t = DecodeTranscript(cassette);
  EXPECT_TRUE(t) << t.error();
  return t ? std::move(*t) : Transcript{};
}

// What the model said in a transcript: per turn, the final text and each call (name and
// arguments, as JSON text).
std::vector<std::string> Said(const Transcript& t) {
  std::vector<std::string> out;
  for (const auto& turn : t.turns) {
    for (const auto& step : turn.steps) {
      for (const auto& call : step.tool_calls) out.push_back(call.name + call.arguments);
    }
    out.push_back(turn.steps.empty() ? "" : turn.steps.back().Text());
  }
  return out;
}

// Every offset the agent saw, step by step: send, headers, each delta, the end.
void ExpectSameTimeline(const Transcript& a, const Transcript& b) {
  ASSERT_EQ(a.turns.size(), b.turns.size());
  for (std::size_t t = 0; t < a.turns.size(); ++t) {
    ASSERT_EQ(a.turns[t].steps.size(), b.turns[t].steps.size()) << "turn " << t;
    for (std::size_t k = 0; k < a.turns[t].steps.size(); ++k) {
      SCOPED_TRACE(testing::Message() << "turn " << t << " step " << k);
      const TranscriptStep& x = a.turns[t].steps[k];
      const TranscriptStep& y = b.turns[t].steps[k];
      EXPECT_EQ(x.sent_at, y.sent_at);
      EXPECT_EQ(x.headers_at, y.headers_at);
      EXPECT_EQ(x.response_start, y.response_start);
      EXPECT_EQ(x.first_output_at, y.first_output_at);
      EXPECT_EQ(x.end_at, y.end_at);
      ASSERT_EQ(x.text.size(), y.text.size());
      for (std::size_t i = 0; i < x.text.size(); ++i) {
        EXPECT_EQ(x.text[i].at, y.text[i].at) << "delta " << i;
        EXPECT_EQ(x.text[i].text, y.text[i].text) << "delta " << i;
      }
      ASSERT_EQ(x.tool_calls.size(), y.tool_calls.size());
      for (std::size_t c = 0; c < x.tool_calls.size(); ++c) {
        EXPECT_EQ(x.tool_calls[c].name, y.tool_calls[c].name);
        EXPECT_EQ(x.tool_calls[c].arguments, y.tool_calls[c].arguments);
        ASSERT_EQ(x.tool_calls[c].pieces.size(), y.tool_calls[c].pieces.size());
        for (std::size_t i = 0; i < x.tool_calls[c].pieces.size(); ++i) {
          EXPECT_EQ(x.tool_calls[c].pieces[i].at, y.tool_calls[c].pieces[i].at);
        }
      }
    }
  }
}

void ExpectSameMetrics(const results::Cell& a, const results::Cell& b) {
  ASSERT_EQ(a.samples.size(), b.samples.size());
  for (std::size_t i = 0; i < a.samples.size(); ++i) {
    SCOPED_TRACE(testing::Message() << "sample " << i);
    ASSERT_TRUE(a.samples[i].ok) << a.samples[i].error_message;
    ASSERT_TRUE(b.samples[i].ok) << b.samples[i].error_message;
    for (const char* metric : {"ttfs_ms", "ttft_ms", "e2e_ms", "requests", "polls"}) {
      const auto& ma = a.samples[i].metrics;
      const auto& mb = b.samples[i].metrics;
      ASSERT_EQ(ma.count(metric), mb.count(metric)) << metric;
      if (ma.count(metric) != 0) {
        EXPECT_EQ(ma.at(metric), mb.at(metric)) << metric;
      }
    }
    EXPECT_EQ(a.samples[i].itl_ms, b.samples[i].itl_ms);
  }
}

void ExpectChecksPass(const results::Cell& cell) {
  for (const auto& check : cell.checks) {
    // Chat Completions has no file_search: the search cannot happen there.
    if (cell.runtime == "chat" && check.name.find("file_search") != std::string::npos) continue;
    EXPECT_TRUE(check.ok) << cell.runtime << ": " << check.name << ": " << check.detail;
  }
}

struct RoundTrip {
  const char* scenario;
  Runtime runtime;
  const char* variant;
};

std::ostream& operator<<(std::ostream& os, const RoundTrip& r) {
  return os << r.scenario << "/" << RuntimeName(r.runtime) << "/" << r.variant;
}

class LiftRoundTripTest : public ::testing::TestWithParam<RoundTrip> {};

TEST_P(LiftRoundTripTest, ReplaysTheRecordingExactlyAndOnEveryRuntime) {
  const RoundTrip& param = GetParam();
  const Variant variant = ShippedVariant(param.variant);
  const mocks::Scenario original = Pinned(Shipped(param.scenario), param.runtime);
  const Played recorded = Play(original, variant, param.runtime);
  ExpectChecksPass(recorded.cell);

  auto lifted = LiftConversation(recorded.cassette, LiftOptions{});
  ASSERT_TRUE(lifted) << lifted.error();
  // A lifted scenario is a scenario like any other: it writes and loads back.
  auto reloaded = ParseScenario(ScenarioToJson(lifted->scenario), "lifted.json");
  ASSERT_TRUE(reloaded) << reloaded.error() << "\n" << ScenarioToJson(lifted->scenario);
  EXPECT_EQ(ScenarioToJson(*reloaded), ScenarioToJson(lifted->scenario));
  EXPECT_EQ(reloaded->turns.size(), original.turns.size());
  // A recording holds no workspace: the user gives the lifted scenario the one the agent had.
  reloaded->workspace = original.workspace;

  const Played replayed = Play(*reloaded, variant, param.runtime);
  ExpectChecksPass(replayed.cell);
  ExpectSameMetrics(recorded.cell, replayed.cell);
  const Transcript before = Decode(recorded.cassette);
  const Transcript after = Decode(replayed.cassette);
  ExpectSameTimeline(before, after);
  EXPECT_EQ(Said(before), Said(after));

  for (Runtime other : {Runtime::kResponses, Runtime::kChat, Runtime::kAssistants}) {
    if (other == param.runtime) continue;
    SCOPED_TRACE(RuntimeName(other));
    const Played migrated = Play(*reloaded, variant, other);
    ExpectChecksPass(migrated.cell);
    for (const auto& sample : migrated.cell.samples) EXPECT_TRUE(sample.ok) << sample.error_message;
    EXPECT_EQ(Said(Decode(migrated.cassette)), Said(before));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shipped, LiftRoundTripTest,
    ::testing::Values(RoundTrip{"text_answer", Runtime::kResponses, "p0+p2+p1+p3"},
                      RoundTrip{"one_tool_call", Runtime::kResponses, "p0+p2+p1+p3"},
                      RoundTrip{"two_tool_rounds", Runtime::kResponses, "p0+p2+p1+p3"},
                      RoundTrip{"two_tool_rounds", Runtime::kResponses, "p0+p1"},
                      RoundTrip{"knowledge_base_question", Runtime::kResponses, "p0+p2+p1+p3"},
                      RoundTrip{"parallel_tools", Runtime::kResponses, "p0+p2+p1+p3"},
                      RoundTrip{"long_answer", Runtime::kChat, "p0+p2+p1+p3"},
                      RoundTrip{"two_tool_rounds", Runtime::kChat, "p0+p2+p1+p3"},
                      RoundTrip{"multi_round_tools", Runtime::kChat, "p0+p2+p1"},
                      RoundTrip{"one_tool_call", Runtime::kAssistants, "p0+p2+p1+p3"},
                      RoundTrip{"two_tool_rounds", Runtime::kAssistants, "p0+p2+p1+p3"},
                      RoundTrip{"knowledge_base_question", Runtime::kAssistants, "p0+p2+p1+p3"}),
    [](const ::testing::TestParamInfo<RoundTrip>& round_trip) {
      const RoundTrip& r = round_trip.param;
      std::string name =
          std::string(r.scenario) + "_" + std::string(RuntimeName(r.runtime)) + "_" + r.variant;
      std::replace(name.begin(), name.end(), '+', '_');
      return name;
    });

// --- Polled runs: the timing is estimated, the behaviour is not ---

class LiftPollingTest : public ::testing::TestWithParam<const char*> {};

TEST_P(LiftPollingTest, APolledRecordingLiftsWithItsTextAndToolCalls) {
  for (const char* spec : {"baseline", "p0"}) {
    SCOPED_TRACE(spec);
    const Variant variant = ShippedVariant(spec);
    const Played recorded =
        Play(Pinned(Shipped(GetParam()), Runtime::kAssistants), variant, Runtime::kAssistants);
    ExpectChecksPass(recorded.cell);
    const Transcript before = Decode(recorded.cassette);
    for (const auto& turn : before.turns) {
      for (const auto& step : turn.steps) EXPECT_EQ(step.timing, StepTiming::kPolled);
    }
    auto lifted = LiftConversation(recorded.cassette, LiftOptions{});
    ASSERT_TRUE(lifted) << lifted.error();
    auto reloaded = ParseScenario(ScenarioToJson(lifted->scenario), "lifted.json");
    ASSERT_TRUE(reloaded) << reloaded.error();
    for (Runtime runtime : {Runtime::kAssistants, Runtime::kResponses, Runtime::kChat}) {
      SCOPED_TRACE(RuntimeName(runtime));
      const Played replayed = Play(*reloaded, ShippedVariant("p0+p2+p1+p3"), runtime);
      ExpectChecksPass(replayed.cell);
      EXPECT_EQ(Said(Decode(replayed.cassette)), Said(before));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shipped, LiftPollingTest,
                         ::testing::Values("text_answer", "one_tool_call", "two_tool_rounds",
                                           "parallel_tools"));

// --- The recorded fixtures ---

std::vector<mocks::Cassette> FixtureConversations(const std::string& file) {
  ImportOptions options;
  options.split_conversations = true;
  auto imported = ImportFile(std::filesystem::path(AGENTREPLAY_FIXTURES_DIR) / file, options);
  EXPECT_TRUE(imported) << imported.error();
  return imported ? std::move(*imported) : std::vector<mocks::Cassette>{};
}

struct FixtureCase {
  const char* file;
  std::size_t conversation;
  std::vector<std::string> users;  // per turn
  std::vector<std::string> tools;  // called in the last turn
  std::string answer;              // the last turn's, "" when the recording has none
};

class LiftFixtureTest : public ::testing::TestWithParam<FixtureCase> {};

TEST_P(LiftFixtureTest, LiftsIntoAValidScenarioThatPlaysOnEveryRuntime) {
  const FixtureCase& c = GetParam();
  const auto conversations = FixtureConversations(c.file);
  ASSERT_GT(conversations.size(), c.conversation);
  auto lifted = LiftConversation(conversations[c.conversation], LiftOptions{});
  ASSERT_TRUE(lifted) << lifted.error();
  const mocks::Scenario& s = lifted->scenario;
  EXPECT_EQ(s.source_kind, "lifted");
  EXPECT_THAT(s.description, HasSubstr("Lifted from " + conversations[c.conversation].name));
  ASSERT_EQ(s.turns.size(), c.users.size());
  for (std::size_t t = 0; t < c.users.size(); ++t) EXPECT_EQ(s.turns[t].user, c.users[t]);
  const mocks::TurnScript& last = s.turns.back();
  EXPECT_EQ(last.expect.tools_called, c.tools);
  // The SDKs' recordings call tools this agent does not have: their errors are expected.
  EXPECT_EQ(last.expect.tool_errors_allowed, !c.tools.empty());
  if (c.answer.empty()) {
    EXPECT_TRUE(last.expect.answer_contains.empty());
    EXPECT_EQ(last.steps.back().text_chunks,
              std::vector<std::string>{LiftOptions{}.unrecorded_answer});
  } else {
    ASSERT_EQ(last.expect.answer_contains.size(), 1U);
    EXPECT_THAT(last.expect.answer_contains[0], ::testing::StartsWith(c.answer));
  }

  const std::string json = ScenarioToJson(s);
  auto reloaded = ParseScenario(json, "lifted.json");
  ASSERT_TRUE(reloaded) << reloaded.error() << "\n" << json;
  EXPECT_EQ(ScenarioToJson(*reloaded), json);
  for (Runtime runtime : {Runtime::kAssistants, Runtime::kResponses, Runtime::kChat}) {
    SCOPED_TRACE(RuntimeName(runtime));
    const Played played = Play(*reloaded, ShippedVariant("p0+p2+p1+p3"), runtime);
    for (const auto& sample : played.cell.samples) EXPECT_TRUE(sample.ok) << sample.error_message;
    ExpectChecksPass(played.cell);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Recorded, LiftFixtureTest,
    ::testing::Values(
        FixtureCase{"dotnet-responses-function-call-streaming.json",
                    0,
                    {"What should I wear for the weather in San Francisco, CA?"},
                    {"get_weather_at_location"},
                    ""},
        FixtureCase{"dotnet-responses-function-call-nonstreaming.json",
                    0,
                    {"What should I wear for the weather in San Francisco, CA?"},
                    {"get_weather_at_location"},
                    "The weather in San Francisco is currently about 22°C (72°F) and windy."},
        FixtureCase{"dotnet-responses-streaming-text.json",
                    0,
                    {"Hello, world!"},
                    {},
                    "Hello! How can I assist you today?"},
        FixtureCase{"dotnet-assistants-streaming-run.json",
                    0,
                    {"Hello there, assistant! How are you today?"},
                    {},
                    "Hello! I'm just a program, so I don't have feelings"},
        FixtureCase{"dotnet-assistants-streaming-tool-call.json",
                    0,
                    {"What should I wear outside right now?"},
                    {"get_current_weather"},
                    "Since it's warm and sunny outside, you should consider wearing lightweight"},
        FixtureCase{"dotnet-assistants-polling-run.json",
                    0,
                    {"Hello, assistant!"},
                    {},
                    "Hello! How can I assist you today?"},
        FixtureCase{"python-chat-text-with-usage.sse",
                    0,
                    {LiftOptions{}.unknown_user},
                    {},
                    "I'm unable to provide real-time weather updates."},
        FixtureCase{"python-chat-parallel-tool-calls.sse",
                    0,
                    {LiftOptions{}.unknown_user},
                    {"GetWeatherArgs", "get_stock_price"},
                    ""},
        FixtureCase{"chrome-responses-streaming.har",
                    0,
                    {"Write a haiku about latency.", "Now one about caching."},
                    {},
                    "Warm cache answers fast,"},
        FixtureCase{
            "chrome-responses-streaming.har", 1, {"Say hello."}, {}, "Hello! How can I help?"}),
    [](const ::testing::TestParamInfo<FixtureCase>& fixture) {
      std::string name =
          std::string(fixture.param.file) + "_" + std::to_string(fixture.param.conversation);
      for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return name;
    });

// A recording's own offsets survive the lift: replayed on the runtime it was recorded on, every
// delta reaches the agent as many microseconds after its request as it did in the recording.
TEST(LiftFixtureTimingTest, ARecordedStreamReplaysAtItsRecordedOffsets) {
  const struct {
    const char* file;
    Runtime runtime;
  } cases[] = {{"chrome-responses-streaming.har", Runtime::kResponses},
               {"dotnet-assistants-streaming-tool-call.json", Runtime::kAssistants},
               {"python-chat-parallel-tool-calls.sse", Runtime::kChat},
               // Reasoning and hosted tools are lifted too, at their offsets. (Not the code
               // interpreter fixture: its model writes text before it runs the code, and a
               // scenario step runs its hosted tools before its text; the lift notes that.)
               {"dotnet-responses-reasoning-summary-streaming.json", Runtime::kResponses},
               {"dotnet-responses-web-search-streaming.json", Runtime::kResponses}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    const mocks::Cassette recording = FixtureConversations(c.file).front();
    const Transcript recorded = Decode(recording);
    auto lifted = LiftScenario(recording, LiftOptions{});
    ASSERT_TRUE(lifted) << lifted.error();
    const Played replayed = Play(*lifted, ShippedVariant("p0+p2+p1+p3"), c.runtime);
    const Transcript replay = Decode(replayed.cassette);
    ASSERT_EQ(replay.turns.size(), recorded.turns.size());
    for (std::size_t t = 0; t < recorded.turns.size(); ++t) {
      for (std::size_t k = 0; k < recorded.turns[t].steps.size(); ++k) {
        SCOPED_TRACE(testing::Message() << "turn " << t << " step " << k);
        const TranscriptStep& x = recorded.turns[t].steps[k];
        const TranscriptStep& y = replay.turns[t].steps.at(k);
        EXPECT_EQ(x.response_start, y.response_start);
        EXPECT_EQ(x.first_output_at, y.first_output_at);
        ASSERT_EQ(x.text.size(), y.text.size());
        for (std::size_t i = 0; i < x.text.size(); ++i) EXPECT_EQ(x.text[i].at, y.text[i].at);
        EXPECT_EQ(x.refusal, y.refusal);
        ASSERT_EQ(x.reasoning.size(), y.reasoning.size());
        for (std::size_t i = 0; i < x.reasoning.size(); ++i) {
          EXPECT_EQ(x.reasoning[i].at, y.reasoning[i].at);
          EXPECT_EQ(x.reasoning[i].text, y.reasoning[i].text);
        }
        ASSERT_EQ(x.hosted.size(), y.hosted.size());
        for (std::size_t i = 0; i < x.hosted.size(); ++i) {
          EXPECT_EQ(x.hosted[i].kind, y.hosted[i].kind);
          EXPECT_EQ(x.hosted[i].started_at, y.hosted[i].started_at);
        }
        ASSERT_EQ(x.tool_calls.size(), y.tool_calls.size());
        for (std::size_t i = 0; i < x.tool_calls.size(); ++i) {
          EXPECT_EQ(x.tool_calls[i].arguments, y.tool_calls[i].arguments);
          ASSERT_EQ(x.tool_calls[i].pieces.size(), y.tool_calls[i].pieces.size());
          for (std::size_t p = 0; p < x.tool_calls[i].pieces.size(); ++p) {
            EXPECT_EQ(x.tool_calls[i].pieces[p].at, y.tool_calls[i].pieces[p].at);
            EXPECT_EQ(x.tool_calls[i].pieces[p].text, y.tool_calls[i].pieces[p].text);
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace agentreplay::harness
