// Recordings made by agentreplay itself (`run --record`) replay verbatim through the same agent:
// in the simulated world exactly (the same events at the same offsets), and a recording made
// over real sockets replays in the simulated world within the noise measured while recording.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>

#include "harness/packages/registry.h"
#include "harness/packages/shipped_files.h"
#include "harness/recording/cassette_reader.h"
#include "harness/recording/import.h"
#include "harness/recording/replay_sources.h"
#include "harness/recording/transcript.h"
#include "harness/recording/verbatim.h"
#include "harness/run/matrix_runner.h"
#include "harness/scenario/scenario_loader.h"

namespace agentreplay::harness {
namespace {

namespace fs = std::filesystem;

const Registry& Packages() {
  static const Registry registry = [] {
    auto loaded = Registry::Load(shipped::PackagesFile());
    return std::move(*loaded);
  }();
  return registry;
}

mocks::Scenario Shipped(const std::string& name) {
  auto loaded = LoadScenarioFile(shipped::Dir() / (name + ".json"));
  EXPECT_TRUE(loaded) << loaded.error();
  return std::move(*loaded);
}

class ReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("agentreplay-replay-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs one cell, recording every repetition.
  results::Cell Record(World& world, const mocks::Scenario& scenario, const Variant& variant,
                       Runtime runtime, int repetitions) {
    MatrixOptions options;
    options.repetitions = repetitions;
    options.seed = 11;
    options.record_dir = dir_;
    return RunCell(world, scenario, variant, runtime, options);
  }

  fs::path Cassette(const results::Cell& cell, int rep) const {
    return dir_ / cell.scenario / cell.runtime / cell.variant /
           ("rep" + std::to_string(rep) + ".cassette.jsonl");
  }

  // Replays one recorded repetition verbatim in the simulated world.
  results::Cell Replay(const fs::path& cassette, const Variant& variant, Runtime runtime) {
    auto sources = LoadReplaySources(cassette, ReplayMode::kVerbatim);
    EXPECT_TRUE(sources) << sources.error();
    EXPECT_EQ(sources->size(), 1u);
    MatrixOptions options;
    options.repetitions = 1;
    auto sim = MakeSimWorld();
    return RunCell(*sim, sources->front(), variant, runtime, options);
  }

  fs::path dir_;
};

double Metric(const results::Sample& s, const std::string& name) {
  auto it = s.metrics.find(name);
  return it == s.metrics.end() ? std::nan("") : it->second;
}

// Cassettes store offsets with microsecond resolution; each value is rounded once, so a
// difference of two (an inter-token gap) may be off by up to two rounding steps.
constexpr double kMicrosecondMs = 0.0010001;

struct Case {
  const char* scenario;
  const char* variant;
  Runtime runtime;
};

class SimRecordingTest : public ReplayTest, public ::testing::WithParamInterface<Case> {};

// Tool latencies and the proxy hop are the agent's side, not the recording's (a verbatim replay
// plays the back end; the agent under test runs its own tools): the recording is made with
// neither, so every event of the replay lands where it was recorded.
TEST_P(SimRecordingTest, ReplaysEveryEventAtItsRecordedOffset) {
  const Case c = GetParam();
  mocks::Scenario scenario = Shipped(c.scenario);
  scenario.tools.clear();
  scenario.proxy_hop_ms = mocks::Dist::Fixed(0);
  auto variant = Packages().ResolveVariant(c.variant);
  ASSERT_TRUE(variant) << variant.error();
  auto sim = MakeSimWorld();
  const results::Cell recorded = Record(*sim, scenario, *variant, c.runtime, 2);
  ASSERT_EQ(recorded.error_samples, 0);
  for (int rep = 0; rep < 2; ++rep) {
    const fs::path cassette = Cassette(recorded, rep);
    ASSERT_TRUE(fs::exists(cassette)) << cassette;
    const results::Cell replayed = Replay(cassette, *variant, c.runtime);
    EXPECT_EQ(replayed.source.kind, "cassette");
    ASSERT_EQ(replayed.error_samples, 0)
        << replayed.samples.at(0).error_reason << ": " << replayed.samples.at(0).error_message;
    const auto& original_turns = recorded.samples;
    for (size_t t = 0; t < replayed.samples.size(); ++t) {
      const results::Sample& want =
          original_turns.at(static_cast<size_t>(rep) * replayed.samples.size() + t);
      const results::Sample& got = replayed.samples[t];
      for (const char* m : {"ttfs_ms", "ttft_ms", "e2e_ms", "requests", "tool_calls", "steps",
                            "input_tokens", "output_tokens", "bytes_down"}) {
        const double w = Metric(want, m);
        const double g = Metric(got, m);
        if (std::isnan(w)) {
          EXPECT_TRUE(std::isnan(g)) << m;
        } else {
          // Cassettes keep offsets to the microsecond: each request of the turn adds at most
          // one rounding step to when the next one is sent.
          const double requests = Metric(want, "requests");
          EXPECT_NEAR(g, w, kMicrosecondMs * std::max(1.0, requests)) << m << " turn " << t;
        }
      }
      ASSERT_EQ(got.itl_ms.size(), want.itl_ms.size());
      for (size_t i = 0; i < got.itl_ms.size(); ++i) {
        EXPECT_NEAR(got.itl_ms[i], want.itl_ms[i], 2 * kMicrosecondMs) << "gap " << i;
      }
      EXPECT_EQ(got.requests_by_endpoint, want.requests_by_endpoint);
    }
  }
}

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  std::string name = std::string(info.param.scenario) + "_" + info.param.variant + "_" +
                     std::string(RuntimeName(info.param.runtime));
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(
    Recordings, SimRecordingTest,
    ::testing::Values(Case{"two_tool_rounds", "p0+p2+p3+p5", Runtime::kResponses},
                      Case{"two_tool_rounds", "p0+p2+p3", Runtime::kChat},
                      Case{"two_tool_rounds", "p0+p2+p3", Runtime::kAssistants},
                      Case{"text_answer", "p0+p2", Runtime::kResponses},
                      Case{"one_tool_call", "baseline", Runtime::kAssistants}),
    CaseName);

TEST_F(ReplayTest, AVariantThatAsksForOtherRequestsEndsInAnExplainedMismatch) {
  mocks::Scenario scenario = Shipped("one_tool_call");
  auto streaming = Packages().ResolveVariant("p0+p2+p3");
  auto polling = Packages().ResolveVariant("p0+p2");
  ASSERT_TRUE(streaming && polling);
  auto sim = MakeSimWorld();
  const results::Cell recorded = Record(*sim, scenario, *streaming, Runtime::kAssistants, 1);
  ASSERT_EQ(recorded.error_samples, 0);
  // The polling agent asks for a JSON run where the recording holds a stream.
  const results::Cell replayed = Replay(Cassette(recorded, 0), *polling, Runtime::kAssistants);
  ASSERT_EQ(replayed.error_samples, 1);
  EXPECT_EQ(replayed.samples[0].error_reason, "http_400:replay_mismatch");
  EXPECT_THAT(replayed.samples[0].error_message,
              ::testing::HasSubstr("a streamed answer to it (the agent asked for JSON)"));
}

// Recorded over loopback sockets against the served mock, replayed in the simulated world: the
// replay's latencies equal the recording's within the noise the real run measured itself
// (timing fidelity) plus the agent's own CPU time, which the recording holds and the simulated
// clock does not.
TEST_F(ReplayTest, ARealWorldRecordingReplaysInTheSimulatedWorldWithinTheNoiseFloor) {
  mocks::Scenario scenario = Shipped("two_tool_rounds");
  scenario.tools.clear();
  auto variant = Packages().ResolveVariant("p0+p2+p3+p5");
  ASSERT_TRUE(variant);
  auto real = MakeRealWorld(RealWorldOptions{});
  ASSERT_TRUE(real) << real.error();
  const results::Cell recorded = Record(**real, scenario, *variant, Runtime::kResponses, 2);
  ASSERT_EQ(recorded.error_samples, 0);
  double noise_ms = 0;
  for (const auto& s : recorded.samples) {
    for (double f : s.fidelity_ms) noise_ms = std::max(noise_ms, std::abs(f));
  }
  for (int rep = 0; rep < 2; ++rep) {
    const results::Cell replayed = Replay(Cassette(recorded, rep), *variant, Runtime::kResponses);
    ASSERT_EQ(replayed.error_samples, 0) << replayed.samples.at(0).error_message;
    for (size_t t = 0; t < replayed.samples.size(); ++t) {
      const auto& want =
          recorded.samples.at(static_cast<size_t>(rep) * replayed.samples.size() + t);
      const auto& got = replayed.samples[t];
      // The recorded run's latencies hold the agent's own CPU time, which the simulated world's
      // clock does not advance by: it is part of the tolerance, with the noise floor and 2 ms
      // for the scheduler.
      const double tolerance_ms = noise_ms + Metric(want, "agent_cpu_us") / 1000.0 + 2.0;
      for (const char* m : {"ttft_ms", "e2e_ms"}) {
        EXPECT_NEAR(Metric(got, m), Metric(want, m), tolerance_ms) << m;
        RecordProperty(std::string(m) + "_rep" + std::to_string(rep) + "_diff_us",
                       static_cast<int>(1000 * (Metric(got, m) - Metric(want, m))));
      }
    }
  }
  RecordProperty("noise_floor_us", static_cast<int>(1000 * noise_ms));
}

// --- The recorded fixtures, verbatim ---

// What the agent received, step after step across the turns: the text, the tool calls (name and
// arguments) and the usage of every model response.
struct Received {
  std::string text;
  std::vector<std::string> calls;
  std::optional<TokenUsage> usage;
};

std::vector<Received> Steps(const Transcript& transcript) {
  std::vector<Received> out;
  for (const auto& turn : transcript.turns) {
    for (const auto& step : turn.steps) {
      Received r{step.Text(), {}, step.usage};
      for (const auto& call : step.tool_calls) r.calls.push_back(call.name + call.arguments);
      out.push_back(std::move(r));
    }
  }
  return out;
}

// Every recorded fixture, imported and replayed verbatim on the runtime it was recorded on,
// gives the agent what the recording holds: the same text, tool calls and usage, step by step,
// and tokens in the results that are the recorded usage. Where the recording ends before the
// agent is done (a fixture that stops at a tool call), the turn ends in an explained mismatch
// after every recorded step was played.
TEST_F(ReplayTest, EveryRecordedFixtureReplaysVerbatimWithWhatItRecorded) {
  int replayed_conversations = 0;
  int reasoning_turns = 0;
  for (const auto& entry : fs::directory_iterator(AGENTREPLAY_FIXTURES_DIR)) {
    if (entry.path().filename() == "SOURCES.md") continue;
    SCOPED_TRACE(entry.path().filename().string());
    ImportOptions import;
    import.split_conversations = true;
    auto conversations = ImportFile(entry.path(), import);
    ASSERT_TRUE(conversations) << conversations.error();
    for (const mocks::Cassette& conversation : *conversations) {
      SCOPED_TRACE(conversation.name);
      auto recorded = DecodeTranscript(conversation);
      ASSERT_TRUE(recorded) << recorded.error();
      auto scenario = VerbatimScenario(conversation);
      ASSERT_TRUE(scenario) << scenario.error();
      const auto runtime = ParseRuntime(recorded->runtime);
      ASSERT_TRUE(runtime);
      // The agent asks as the recorded client did: streamed (p3) when the recording streamed.
      bool streamed = false;
      for (const auto& turn : recorded->turns) {
        for (const auto& step : turn.steps) streamed |= step.timing == StepTiming::kStreamed;
      }
      auto variant = Packages().ResolveVariant(streamed ? "p0+p2+p3" : "p0+p2");
      ASSERT_TRUE(variant);
      MatrixOptions options;
      options.repetitions = 1;
      const fs::path recorded_to = dir_ / conversation.name;
      options.record_dir = recorded_to;
      auto sim = MakeSimWorld();
      const results::Cell cell = RunCell(*sim, *scenario, *variant, *runtime, options);
      EXPECT_EQ(cell.source.kind, "cassette");
      auto replay_cassette = LoadCassetteFile(recorded_to / cell.scenario / cell.runtime /
                                              cell.variant / "rep0.cassette.jsonl");
      ASSERT_TRUE(replay_cassette) << replay_cassette.error();
      auto replay = DecodeTranscript(*replay_cassette);
      ASSERT_TRUE(replay) << replay.error();

      const std::vector<Received> want = Steps(*recorded);
      const std::vector<Received> got = Steps(*replay);
      ASSERT_GE(got.size(), want.size());
      for (std::size_t i = 0; i < want.size(); ++i) {
        SCOPED_TRACE(::testing::Message() << "step " << i);
        EXPECT_EQ(got[i].text, want[i].text);
        EXPECT_EQ(got[i].calls, want[i].calls);
        ASSERT_EQ(got[i].usage.has_value(), want[i].usage.has_value());
        if (want[i].usage) {
          EXPECT_EQ(got[i].usage->input_tokens, want[i].usage->input_tokens);
          EXPECT_EQ(got[i].usage->output_tokens, want[i].usage->output_tokens);
        }
      }
      // Tokens in the results are the recorded usage, summed over the turn's steps.
      std::size_t step = 0;
      for (std::size_t t = 0; t < cell.samples.size() && t < recorded->turns.size(); ++t) {
        const results::Sample& sample = cell.samples[t];
        int64_t output = 0;
        bool all_usage = !recorded->turns[t].steps.empty();
        for (const auto& s : recorded->turns[t].steps) {
          if (s.usage) output += s.usage->output_tokens;
          all_usage = all_usage && s.usage.has_value();
          ++step;
        }
        if (sample.ok && all_usage) {
          EXPECT_EQ(Metric(sample, "output_tokens"), static_cast<double>(output)) << "turn " << t;
        }
        // Recorded reasoning gives the turn a time to first reasoning delta, before its text.
        bool reasoned = false;
        for (const auto& s : recorded->turns[t].steps) reasoned |= !s.reasoning.empty();
        if (reasoned && sample.ok) {
          ++reasoning_turns;
          ASSERT_FALSE(std::isnan(Metric(sample, "ttfr_ms"))) << "turn " << t;
          if (!std::isnan(Metric(sample, "ttft_ms"))) {
            EXPECT_LE(Metric(sample, "ttfr_ms"), Metric(sample, "ttft_ms"));
          }
        } else if (!reasoned) {
          EXPECT_TRUE(std::isnan(Metric(sample, "ttfr_ms"))) << "turn " << t;
        }
        if (!sample.ok) {
          // A recorded turn that failed (an error event, an answer cut short) fails as
          // recorded; any other failure is the recording running out before the agent is done.
          const auto& steps = recorded->turns[t].steps;
          const std::string ended = steps.empty() ? std::string() : steps.back().status;
          if (ended.empty() || ended == "completed" || ended == "requires_action") {
            EXPECT_EQ(sample.error_reason, "http_400:replay_mismatch") << sample.error_message;
          }
          EXPECT_EQ(t + 1, recorded->turns.size()) << "only the last recorded turn runs out";
        }
      }
      ++replayed_conversations;
    }
  }
  EXPECT_GE(replayed_conversations, 10);
  EXPECT_GE(reasoning_turns, 1);  // the reasoning fixtures
}

}  // namespace
}  // namespace agentreplay::harness
