// The scenario writer and the step fields that make a recorded timeline expressible
// (processing_ms, gaps_ms, argument_pieces): every shipped scenario survives load → write →
// load unchanged and writes the same bytes twice; the new fields decode, play as the planner's
// timing rule says, and are refused with located errors when inconsistent.
#include "harness/scenario/scenario_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "harness/packages/shipped_files.h"
#include "harness/scenario/scenario_loader.h"
#include "mocks/model/step_planner.h"
#include "tests/harness/scenario_test_support.h"

namespace agentreplay::harness {
namespace {

using mocks::Dist;
using scenario_test::OnlyError;
using scenario_test::Parse;
using scenario_test::WithSteps;
using namespace std::chrono_literals;

// Field-by-field equality of what the format carries (the structs have no operator==).
void ExpectSameStep(const mocks::StepScript& a, const mocks::StepScript& b) {
  EXPECT_EQ(a.ttft_ms, b.ttft_ms);
  EXPECT_EQ(a.chunk_gap_ms, b.chunk_gap_ms);
  EXPECT_EQ(a.gaps_ms, b.gaps_ms);
  EXPECT_EQ(a.processing_ms, b.processing_ms);
  EXPECT_EQ(a.text_chunks, b.text_chunks);
  ASSERT_EQ(a.tool_calls.size(), b.tool_calls.size());
  for (std::size_t i = 0; i < a.tool_calls.size(); ++i) {
    EXPECT_EQ(a.tool_calls[i].name, b.tool_calls[i].name);
    EXPECT_EQ(a.tool_calls[i].arguments, b.tool_calls[i].arguments);
    EXPECT_EQ(a.tool_calls[i].argument_chunks, b.tool_calls[i].argument_chunks);
    EXPECT_EQ(a.tool_calls[i].argument_pieces, b.tool_calls[i].argument_pieces);
  }
  ASSERT_EQ(a.file_search.has_value(), b.file_search.has_value());
  if (a.file_search) {
    EXPECT_EQ(a.file_search->query, b.file_search->query);
    EXPECT_EQ(a.file_search->latency_ms, b.file_search->latency_ms);
    EXPECT_EQ(a.file_search->results, b.file_search->results);
  }
  ASSERT_EQ(a.faults.size(), b.faults.size());
  for (std::size_t i = 0; i < a.faults.size(); ++i) {
    EXPECT_EQ(a.faults[i].status, b.faults[i].status);
    EXPECT_EQ(a.faults[i].retry_after_s, b.faults[i].retry_after_s);
    EXPECT_EQ(a.faults[i].type, b.faults[i].type);
    EXPECT_EQ(a.faults[i].code, b.faults[i].code);
    EXPECT_EQ(a.faults[i].message, b.faults[i].message);
  }
  ASSERT_EQ(a.alternatives.size(), b.alternatives.size());
  for (std::size_t i = 0; i < a.alternatives.size(); ++i) {
    EXPECT_EQ(a.alternatives[i].when.tool_not_offered, b.alternatives[i].when.tool_not_offered);
    EXPECT_EQ(a.alternatives[i].when.tools_offered_at_least,
              b.alternatives[i].when.tools_offered_at_least);
    ExpectSameStep(a.alternatives[i].step, b.alternatives[i].step);
  }
}

void ExpectSameScenario(const mocks::Scenario& a, const mocks::Scenario& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.model, b.model);
  EXPECT_EQ(a.instructions, b.instructions);
  EXPECT_EQ(a.latency.network_rtt_ms, b.latency.network_rtt_ms);
  EXPECT_EQ(a.latency.queue_ms, b.latency.queue_ms);
  EXPECT_EQ(a.latency.processing_ms, b.latency.processing_ms);
  EXPECT_EQ(a.latency.prefill_ms_per_1k_input_tokens, b.latency.prefill_ms_per_1k_input_tokens);
  ASSERT_EQ(a.tools.size(), b.tools.size());
  for (const auto& [name, tool] : a.tools) {
    ASSERT_EQ(b.tools.count(name), 1U) << name;
    EXPECT_EQ(tool.latency_ms, b.tools.at(name).latency_ms);
    EXPECT_EQ(tool.progress, b.tools.at(name).progress);
    EXPECT_EQ(tool.timeout_ms, b.tools.at(name).timeout_ms);
  }
  EXPECT_EQ(a.proxy_hop_ms, b.proxy_hop_ms);
  EXPECT_EQ(a.documents, b.documents);
  EXPECT_EQ(a.workspace.blobs, b.workspace.blobs);
  ASSERT_EQ(a.workspace.entries.size(), b.workspace.entries.size());
  for (std::size_t i = 0; i < a.workspace.entries.size(); ++i) {
    EXPECT_EQ(a.workspace.entries[i].category, b.workspace.entries[i].category);
    EXPECT_EQ(a.workspace.entries[i].title, b.workspace.entries[i].title);
    EXPECT_EQ(a.workspace.entries[i].content, b.workspace.entries[i].content);
    EXPECT_EQ(a.workspace.entries[i].tags, b.workspace.entries[i].tags);
  }
  ASSERT_EQ(a.turns.size(), b.turns.size());
  for (std::size_t t = 0; t < a.turns.size(); ++t) {
    SCOPED_TRACE(testing::Message() << "turn " << t);
    EXPECT_EQ(a.turns[t].user, b.turns[t].user);
    EXPECT_EQ(a.turns[t].expect.answer_contains, b.turns[t].expect.answer_contains);
    EXPECT_EQ(a.turns[t].expect.tools_called, b.turns[t].expect.tools_called);
    EXPECT_EQ(a.turns[t].expect.file_search_used, b.turns[t].expect.file_search_used);
    ASSERT_EQ(a.turns[t].expect.data.size(), b.turns[t].expect.data.size());
    for (std::size_t i = 0; i < a.turns[t].expect.data.size(); ++i) {
      EXPECT_EQ(a.turns[t].expect.data[i].category, b.turns[t].expect.data[i].category);
      EXPECT_EQ(a.turns[t].expect.data[i].title_contains, b.turns[t].expect.data[i].title_contains);
      EXPECT_EQ(a.turns[t].expect.data[i].exists, b.turns[t].expect.data[i].exists);
    }
    ASSERT_EQ(a.turns[t].steps.size(), b.turns[t].steps.size());
    for (std::size_t k = 0; k < a.turns[t].steps.size(); ++k) {
      SCOPED_TRACE(testing::Message() << "step " << k);
      ExpectSameStep(a.turns[t].steps[k], b.turns[t].steps[k]);
    }
  }
  ASSERT_EQ(a.faults.size(), b.faults.size());
  for (std::size_t i = 0; i < a.faults.size(); ++i) {
    EXPECT_EQ(a.faults[i].kind, b.faults[i].kind);
    EXPECT_EQ(a.faults[i].endpoint, b.faults[i].endpoint);
    EXPECT_EQ(a.faults[i].requests, b.faults[i].requests);
    EXPECT_EQ(a.faults[i].probability, b.faults[i].probability);
    EXPECT_EQ(a.faults[i].latency_ms, b.faults[i].latency_ms);
    EXPECT_EQ(a.faults[i].status, b.faults[i].status);
    EXPECT_EQ(a.faults[i].retry_after_s, b.faults[i].retry_after_s);
    EXPECT_EQ(a.faults[i].type, b.faults[i].type);
    EXPECT_EQ(a.faults[i].code, b.faults[i].code);
    EXPECT_EQ(a.faults[i].message, b.faults[i].message);
    EXPECT_EQ(a.faults[i].after_events, b.faults[i].after_events);
  }
}

TEST(ScenarioWriterTest, EveryShippedScenarioWritesAndLoadsBackUnchanged) {
  const auto files = shipped::ScenarioFiles();
  ASSERT_GE(files.size(), 9U);
  for (const auto& file : files) {
    SCOPED_TRACE(file);
    auto loaded = LoadScenarioFile(file);
    ASSERT_TRUE(loaded) << loaded.error();
    const std::string written = ScenarioToJson(*loaded);
    auto reloaded = ParseScenario(written, "written.json");
    ASSERT_TRUE(reloaded) << reloaded.error() << "\n" << written;
    ExpectSameScenario(*loaded, *reloaded);
    EXPECT_EQ(ScenarioToJson(*reloaded), written);
  }
}

TEST(ScenarioWriterTest, WritesEveryFieldAndFaultRules) {
  auto loaded = ParseScenario(R"({
  "schema": "agentreplay.scenario/v1", "name": "all", "description": "Every field.",
  "instructions": "Be brief.",
  "source": {"kind": "lifted", "origin": "import:har chrome.har"},
  "latency": {"network_rtt_ms": {"dist": "uniform", "min": 1, "max": 2}, "processing_ms": 3.25},
  "tools": {"get_current_time": {"latency_ms": 2, "progress": ["a"], "timeout_ms": 900},
            "list_blobs": {}},
  "proxy_hop_ms": {"dist": "lognormal", "median": 8, "sigma": 0.3},
  "documents": {"a.md": "alpha", "b.md": "beta"},
  "workspace": {"entries": [{"category": "c", "title": "t", "content": "{}", "tags": ["x"]}],
                "blobs": {"d/e.txt": ""}},
  "turns": [{"user": "hi", "steps": [
    {"processing_ms": 12.5, "ttft_ms": 40, "gaps_ms": [1, 0, 2.000001, 4],
     "tool_calls": [{"name": "f", "arguments": {"city": "Oslo", "n": 1.5},
                     "argument_pieces": ["{\"city\"", ": \"Oslo\", ", "\"n\": 1.50}"]},
                    {"name": "g", "argument_chunks": 2, "arguments": {"k": [1, 2]}}],
     "faults": [{"status": 503, "code": null}, {"status": 429, "retry_after_s": 1.5}],
     "alternatives": [{"when": {"tool_not_offered": "file_search", "tools_offered_at_least": 2},
                       "step": {"chunks": ["No", " search."], "gaps_ms": [3]}}]},
    {"file_search": {"query": "q", "latency_ms": 5, "results": ["b.md"]},
     "chunks": ["Hello", "  world "], "chunk_gap_ms": {"dist": "uniform", "min": 1, "max": 3}}],
    "expect": {"answer_contains": ["world"], "tools_called": ["f"], "file_search_used": true,
               "data": [{"category": "c", "title_contains": "t", "exists": false}]}}],
  "faults": [{"kind": "latency", "latency_ms": 30, "endpoint": "responses.create",
              "requests": [0, 2], "probability": 0.5},
             {"kind": "http_error", "status": 502, "code": null, "message": "Bad gateway"},
             {"kind": "response_failed", "after_events": 3}]
})",
                              "all.json");
  ASSERT_TRUE(loaded) << loaded.error();
  const std::string written = ScenarioToJson(*loaded);
  auto reloaded = ParseScenario(written, "written.json");
  ASSERT_TRUE(reloaded) << reloaded.error() << "\n" << written;
  ExpectSameScenario(*loaded, *reloaded);
  EXPECT_EQ(ScenarioToJson(*reloaded), written);
  // The pieces are streamed as spelt; the object is written compactly beside them.
  EXPECT_EQ(reloaded->turns[0].steps[0].tool_calls[0].arguments,
            "{\"city\": \"Oslo\", \"n\": 1.50}");
  EXPECT_THAT(written, ::testing::HasSubstr(R"("arguments": {"city":"Oslo","n":1.5})"));
  EXPECT_THAT(written, ::testing::HasSubstr(R"("gaps_ms": [1, 0, 2.000001, 4])"));
  EXPECT_EQ(reloaded->source_kind, "lifted");
  EXPECT_EQ(reloaded->source_origin, "import:har chrome.har");
}

// A scenario says where it came from; a hand-written one needs no `source`, and a scenario can
// never claim to be a verbatim replay.
TEST(ScenarioSourceTest, DefaultsToWrittenByHandAndRefusesUnknownKinds) {
  auto plain = ParseScenario(
      R"({"schema": "agentreplay.scenario/v1", "name": "p", "description": "d",
          "turns": [{"user": "hi", "steps": [{"text": "ok"}]}]})",
      "p.json");
  ASSERT_TRUE(plain) << plain.error();
  EXPECT_EQ(plain->source_kind, "scenario");
  EXPECT_THAT(ScenarioToJson(*plain), ::testing::Not(::testing::HasSubstr("\"source\"")));
  auto cassette = ParseScenario(
      R"({"schema": "agentreplay.scenario/v1", "name": "p", "description": "d",
          "source": {"kind": "cassette", "extra": 1},
          "turns": [{"user": "hi", "steps": [{"text": "ok"}]}]})",
      "p.json");
  ASSERT_FALSE(cassette);
  EXPECT_THAT(cassette.error(),
              ::testing::HasSubstr("/source/kind: unknown source kind 'cassette'; allowed: "
                                   "scenario, lifted"));
  EXPECT_THAT(cassette.error(), ::testing::HasSubstr("/source/extra: unknown field 'extra'"));
}

TEST(ScenarioWriterTest, LongListsFillTheirLinesAndShortObjectsStayOnOne) {
  mocks::Scenario s;
  s.name = "long";
  s.description = "A long pace.";
  mocks::TurnScript turn;
  turn.user = "hi";
  mocks::StepScript step;
  for (int i = 0; i < 200; ++i) step.text_chunks.push_back(" w" + std::to_string(i));
  step.gaps_ms.assign(199, 12.345);
  step.ttft_ms = Dist::Lognormal(300, 0.25);
  turn.steps.push_back(step);
  s.turns.push_back(turn);
  const std::string written = ScenarioToJson(s);
  std::size_t longest = 0;
  std::size_t start = 0;
  while (start < written.size()) {
    const std::size_t end = written.find('\n', start);
    const std::string_view line(written.data() + start, end - start);
    // A string cannot be wrapped: the text is one long line.
    if (line.find("\"text\"") == std::string_view::npos) longest = std::max(longest, line.size());
    start = end + 1;
  }
  EXPECT_LE(longest, 100U) << written;
  EXPECT_THAT(written, ::testing::HasSubstr(
                           R"("ttft_ms": { "dist": "lognormal", "median": 300, "sigma": 0.25 })"));
  auto reloaded = ParseScenario(written, "long.json");
  ASSERT_TRUE(reloaded) << reloaded.error();
  ExpectSameStep(reloaded->turns[0].steps[0], step);
}

// --- The step fields for exact timelines ---

TEST(ExactTimingFieldsTest, DecodeAndPlayAsTheTimingRuleSays) {
  const auto r = Parse(WithSteps(
      R"([{"processing_ms": 100, "ttft_ms": 20, "gaps_ms": [5, 0, 7.5],
           "tool_calls": [{"name": "f", "arguments": {"a": 1}, "argument_pieces": ["{\"a\"", ": 1}"]}],
           "chunks": ["x", "y"]}, {"text": "ok"}])"));
  ASSERT_TRUE(r.scenario) << r.errors.size();
  const mocks::StepScript& step = r.scenario->turns[0].steps[0];
  EXPECT_EQ(step.processing_ms, Dist::Fixed(100));
  EXPECT_EQ(step.gaps_ms, (std::vector<double>{5, 0, 7.5}));
  EXPECT_EQ(step.tool_calls[0].arguments, R"({"a": 1})");
  EXPECT_EQ(step.tool_calls[0].argument_pieces, (std::vector<std::string>{R"({"a")", ": 1}"}));

  mocks::Scenario s = *r.scenario;
  s.latency.processing_ms = Dist::Lognormal(50, 0.5);  // replaced by the step's
  Rng rng(1);
  const mocks::StepPlan plan = mocks::PlanStep(s, 0, 0, 1000, rng);
  EXPECT_EQ(plan.response_start, 100ms);
  ASSERT_EQ(plan.outputs.size(), 2U);
  EXPECT_EQ(plan.outputs[0].deltas[0].at, 120ms);
  EXPECT_EQ(plan.outputs[0].deltas[1].at, 125ms);
  EXPECT_EQ(plan.outputs[1].deltas[0].at, 125ms);
  EXPECT_EQ(plan.outputs[1].deltas[0].text, R"({"a")");
  EXPECT_EQ(plan.outputs[1].deltas[1].at, 132500us);
  EXPECT_EQ(plan.outputs[1].content, R"({"a": 1})");
  EXPECT_EQ(plan.end, 132500us);
}

TEST(ExactTimingFieldsTest, ExplicitGapsDrawNothing) {
  mocks::Scenario s;
  mocks::TurnScript turn;
  mocks::StepScript step;
  step.text_chunks = {"a", "b", "c"};
  step.ttft_ms = Dist::Lognormal(100, 0.3);
  step.chunk_gap_ms = Dist::Uniform(1, 9);  // ignored once gaps_ms is given
  turn.steps.push_back(step);
  s.turns.push_back(turn);
  mocks::Scenario unpaced = s;
  unpaced.turns[0].steps[0].chunk_gap_ms = Dist::Fixed(0);
  s.turns[0].steps[0].gaps_ms = {1, 2};
  Rng a(9);
  Rng b(9);
  const mocks::StepPlan plan = mocks::PlanStep(s, 0, 0, 0, a);
  mocks::PlanStep(unpaced, 0, 0, 0, b);
  EXPECT_EQ(a.NextU64(), b.NextU64());  // the same draws: the ttft only
  EXPECT_EQ(plan.outputs[0].deltas[2].at - plan.outputs[0].deltas[0].at, 3ms);
}

TEST(ExactTimingFieldsTest, InconsistentFieldsAreLocatedErrors) {
  EXPECT_EQ(OnlyError(WithSteps(R"([{"chunks": ["a", "b", "c"], "gaps_ms": [1]}])")),
            "s.json:2:75: /turns/0/steps/0/gaps_ms: gaps_ms must give one gap per delta but the "
            "first: the step has 3 deltas (3 text chunks and 0 argument pieces), so 2 gaps, got 1");
  EXPECT_EQ(OnlyError(WithSteps(R"([{"chunks": ["a", "b", "c"], "gaps_ms": [1, -4]}])")),
            "s.json:2:79: /turns/0/steps/0/gaps_ms/1: a gap must be >= 0, got -4");
  EXPECT_EQ(OnlyError(WithSteps(R"([{"text": "a b", "chunk_gap_ms": 3, "gaps_ms": [1]}])")),
            "s.json:2:71: /turns/0/steps/0/gaps_ms: 'gaps_ms' and 'chunk_gap_ms' are mutually "
            "exclusive; give one of them");
  EXPECT_EQ(OnlyError(WithSteps(R"([{"text": "a", "gaps_ms": ["1"]}])")),
            "s.json:2:62: /turns/0/steps/0/gaps_ms/0: expected a number, got a string");
  EXPECT_EQ(OnlyError(WithSteps(R"([{"text": "a", "processing_ms": -1}])")),
            "s.json:2:67: /turns/0/steps/0/processing_ms: processing_ms must be >= 0, got -1");
  EXPECT_EQ(
      OnlyError(WithSteps(
          R"([{"tool_calls": [{"name": "f", "arguments": {"city": "Bergen"}, "argument_pieces": ["{\"city\"", ":\"Oslo\"}"]}]}, {"text": "ok"}])")),
      "s.json:2:118: /turns/0/steps/0/tool_calls/0/argument_pieces: argument_pieces must "
      "concatenate to the arguments, but they give {\"city\":\"Oslo\"}, not {\"city\":\"Bergen\"}");
  EXPECT_EQ(
      OnlyError(WithSteps(
          R"([{"tool_calls": [{"name": "f", "argument_pieces": ["{\"city\": \"Os"]}]}, {"text": "ok"}])")),
      "s.json:2:85: /turns/0/steps/0/tool_calls/0/argument_pieces: argument_pieces must "
      "concatenate to the arguments object, but they give '{\"city\": \"Os', which is not a JSON "
      "object");
  EXPECT_EQ(
      OnlyError(WithSteps(
          R"([{"tool_calls": [{"name": "f", "argument_chunks": 1, "argument_pieces": ["{}"]}]}, {"text": "ok"}])")),
      "s.json:2:88: /turns/0/steps/0/tool_calls/0/argument_pieces: 'argument_pieces' and "
      "'argument_chunks' are mutually exclusive; give one of them");
  // A call's pieces count among the deltas.
  EXPECT_TRUE(Parse(WithSteps(R"([{"tool_calls": [{"name": "f", "argument_pieces": ["{", "}"]}],
      "gaps_ms": [2]}, {"text": "ok"}])"))
                  .scenario.has_value());
}

}  // namespace
}  // namespace agentreplay::harness
