#include "harness/scenario/scenario_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <filesystem>
#include <string>
#include <vector>

#include "harness/scenario/json_locator.h"
#include "tests/harness/scenario_test_support.h"

namespace agentreplay::harness {
namespace {

using mocks::Dist;
using scenario_test::LoadResult;
using scenario_test::OnlyError;
using scenario_test::Parse;
using scenario_test::Split;
using scenario_test::WithSteps;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const std::filesystem::path kScenariosDir = AGENTREPLAY_SCENARIOS_DIR;

// --- SplitTextIntoChunks ---

TEST(SplitTextIntoChunksTest, LeadingWhitespaceJoinsTheNextWord) {
  EXPECT_THAT(SplitTextIntoChunks("It is 21:04 in Tokyo."),
              ElementsAre("It", " is", " 21:04", " in", " Tokyo."));
}

TEST(SplitTextIntoChunksTest, KeepsEveryByteInOrder) {
  const std::string text = "  Two  spaces,\nnew line\tand tab. Café — ok.  \n";
  const auto chunks = SplitTextIntoChunks(text);
  EXPECT_THAT(chunks, ElementsAre("  Two", "  spaces,", "\nnew", " line", "\tand", " tab.", " Café",
                                  " —", " ok.  \n"));
  std::string joined;
  for (const auto& c : chunks) joined += c;
  EXPECT_EQ(joined, text);
}

TEST(SplitTextIntoChunksTest, EdgeCases) {
  EXPECT_THAT(SplitTextIntoChunks(""), IsEmpty());
  EXPECT_THAT(SplitTextIntoChunks("   "), ElementsAre("   "));
  EXPECT_THAT(SplitTextIntoChunks("word"), ElementsAre("word"));
}

// --- Valid files ---

constexpr std::string_view kFullExample = R"({
  "schema": "agentreplay.scenario/v1",
  "name": "one_tool_call",
  "description": "What this scenario models.",
  "model": "gpt-4.1",
  "instructions": "You are terse.",
  "latency": {
    "network_rtt_ms": 40,
    "queue_ms": {"dist": "fixed", "value": 3},
    "processing_ms": {"dist": "uniform", "min": 20, "max": 30},
    "prefill_ms_per_1k_input_tokens": 8
  },
  "tools": { "get_current_time": { "latency_ms": 2 } },
  "proxy_hop_ms": 12,
  "turns": [
    {
      "user": "What time is it in Tokyo?",
      "steps": [
        { "ttft_ms": {"dist": "lognormal", "median": 420, "sigma": 0.2},
          "chunk_gap_ms": 12,
          "tool_calls": [ {"name": "get_current_time",
                           "arguments": { "timezone" : "Asia/Tokyo" }, "argument_chunks": 4} ] },
        { "ttft_ms": 380, "text": "It is 21:04 in Tokyo." }
      ],
      "expect": { "answer_contains": ["Tokyo"], "tools_called": ["get_current_time"] }
    },
    { "user": "Thanks!", "steps": [ { "chunks": ["You", "'re", " welcome."] } ] }
  ]
})";

TEST(ParseScenarioTest, ReadsEveryField) {
  const LoadResult r = Split(ParseScenario(kFullExample, "dir/one_tool_call.json"));
  ASSERT_THAT(r.errors, IsEmpty()) << r.errors.front().ToString();
  ASSERT_TRUE(r.scenario.has_value());
  const mocks::Scenario& s = *r.scenario;
  EXPECT_EQ(s.name, "one_tool_call");
  EXPECT_EQ(s.description, "What this scenario models.");
  EXPECT_EQ(s.model, "gpt-4.1");
  EXPECT_EQ(s.instructions, "You are terse.");
  EXPECT_EQ(s.source_path, "dir/one_tool_call.json");
  EXPECT_EQ(s.latency.network_rtt_ms, Dist::Fixed(40));
  EXPECT_EQ(s.latency.queue_ms, Dist::Fixed(3));
  EXPECT_EQ(s.latency.processing_ms, Dist::Uniform(20, 30));
  EXPECT_EQ(s.latency.prefill_ms_per_1k_input_tokens, 8.0);
  ASSERT_EQ(s.tools.count("get_current_time"), 1U);
  EXPECT_EQ(s.tools.at("get_current_time").latency_ms, Dist::Fixed(2));
  EXPECT_EQ(s.proxy_hop_ms, Dist::Fixed(12));
  ASSERT_EQ(s.turns.size(), 2U);
  const mocks::TurnScript& turn = s.turns[0];
  EXPECT_EQ(turn.user, "What time is it in Tokyo?");
  ASSERT_EQ(turn.steps.size(), 2U);
  EXPECT_EQ(turn.steps[0].ttft_ms, Dist::Lognormal(420, 0.2));
  EXPECT_EQ(turn.steps[0].chunk_gap_ms, Dist::Fixed(12));
  EXPECT_THAT(turn.steps[0].text_chunks, IsEmpty());
  ASSERT_EQ(turn.steps[0].tool_calls.size(), 1U);
  EXPECT_EQ(turn.steps[0].tool_calls[0].name, "get_current_time");
  EXPECT_EQ(turn.steps[0].tool_calls[0].arguments, R"({"timezone":"Asia/Tokyo"})");
  EXPECT_EQ(turn.steps[0].tool_calls[0].argument_chunks, 4);
  EXPECT_EQ(turn.steps[1].ttft_ms, Dist::Fixed(380));
  EXPECT_EQ(turn.steps[1].chunk_gap_ms, Dist::Fixed(0));
  EXPECT_THAT(turn.steps[1].text_chunks, ElementsAre("It", " is", " 21:04", " in", " Tokyo."));
  EXPECT_THAT(turn.expect.answer_contains, ElementsAre("Tokyo"));
  EXPECT_THAT(turn.expect.tools_called, ElementsAre("get_current_time"));
  EXPECT_THAT(s.turns[1].steps[0].text_chunks, ElementsAre("You", "'re", " welcome."));
}

TEST(ParseScenarioTest, AppliesDefaults) {
  const LoadResult r = Parse(WithSteps(R"([{"tool_calls": [{"name": "f"}]}, {"text": "ok"}])"));
  ASSERT_THAT(r.errors, IsEmpty()) << r.errors.front().ToString();
  const mocks::Scenario& s = *r.scenario;
  EXPECT_EQ(s.model, "gpt-4o-mini");
  EXPECT_EQ(s.instructions, "");
  EXPECT_EQ(s.latency.network_rtt_ms, Dist::Fixed(0));
  EXPECT_EQ(s.latency.prefill_ms_per_1k_input_tokens, 0.0);
  EXPECT_TRUE(s.tools.empty());
  EXPECT_EQ(s.proxy_hop_ms, Dist::Fixed(0));
  const mocks::StepScript& step = s.turns[0].steps[0];
  EXPECT_EQ(step.ttft_ms, Dist::Fixed(0));
  EXPECT_EQ(step.tool_calls[0].arguments, "{}");
  EXPECT_EQ(step.tool_calls[0].argument_chunks, 1);
  EXPECT_THAT(s.turns[0].expect.answer_contains, IsEmpty());
}

// --- Diagnostics, one class per test ---

TEST(DiagnosticTest, ToStringFormats) {
  EXPECT_EQ((Diagnostic{"a.json", "/turns/0", 3, 5, "boom"}).ToString(),
            "a.json:3:5: /turns/0: boom");
  EXPECT_EQ((Diagnostic{"a.json", "", 1, 1, "boom"}).ToString(), "a.json:1:1: /: boom");
  EXPECT_EQ((Diagnostic{"a.json", "", 0, 0, "boom"}).ToString(), "a.json: /: boom");
}

TEST(DiagnosticTest, UnknownFieldSuggestsTheClosestName) {
  EXPECT_EQ(OnlyError(R"({
  "schema": "agentreplay.scenario/v1",
  "name": "t",
  "description": "d",
  "turns": [
    {
      "user": "hi",
      "steps": [{"text": "hello"}],
      "expectt": {}
    }
  ]
})"),
            "s.json:9:7: /turns/0/expectt: unknown field 'expectt'; did you mean 'expect'?");
}

TEST(DiagnosticTest, UnknownFieldWithoutCloseMatchListsTheAllowedNames) {
  const LoadResult r = Parse(WithSteps(R"([{"text": "ok", "temperature": 1}])"));
  ASSERT_EQ(r.errors.size(), 1U);
  const Diagnostic& e = r.errors[0];
  EXPECT_EQ(e.pointer, "/turns/0/steps/0/temperature");
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.column, 51);
  EXPECT_EQ(e.message,
            "unknown field 'temperature' (allowed: ttft_ms, chunk_gap_ms, file_search, text, "
            "chunks, tool_calls, faults, alternatives, processing_ms, gaps_ms, reasoning, "
            "hosted_tools, refusal, incomplete)");
}

TEST(DiagnosticTest, MissingRequiredFieldIsReportedAtTheObject) {
  EXPECT_EQ(OnlyError(R"({
  "schema": "agentreplay.scenario/v1",
  "name": "t",
  "description": "d"
})"),
            "s.json:1:1: /: missing required field 'turns'");
}

TEST(DiagnosticTest, WrongType) {
  EXPECT_EQ(OnlyError(R"({
  "schema": "agentreplay.scenario/v1",
  "name": "t",
  "description": 42,
  "turns": [{"user": "hi", "steps": [{"text": "ok"}]}]
})"),
            "s.json:4:18: /description: expected a string, got a number");
}

TEST(DiagnosticTest, BadDistributionParameters) {
  EXPECT_EQ(OnlyError(WithSteps(R"([{"ttft_ms": {"dist": "lognormal", "median": 0, "sigma": 0.2},
  "text": "ok"}])")),
            "s.json:2:80: /turns/0/steps/0/ttft_ms/median: median must be > 0, got 0");
  EXPECT_EQ(OnlyError(WithSteps(R"([{"chunk_gap_ms": {"dist": "uniform", "min": 30, "max": 18},
  "text": "ok"}])")),
            "s.json:2:53: /turns/0/steps/0/chunk_gap_ms: min must be <= max (min 30, max 18)");
  EXPECT_EQ(OnlyError(WithSteps(R"([{"ttft_ms": {"dist": "lognormal", "median": 300, "sigma": -1},
  "text": "ok"}])")),
            "s.json:2:94: /turns/0/steps/0/ttft_ms/sigma: sigma must be >= 0, got -1");
  EXPECT_EQ(OnlyError(WithSteps(R"([{"ttft_ms": -5, "text": "ok"}])")),
            "s.json:2:48: /turns/0/steps/0/ttft_ms: ttft_ms must be >= 0, got -5");
  EXPECT_EQ(OnlyError(WithSteps(R"([{"ttft_ms": "300ms", "text": "ok"}])")),
            "s.json:2:48: /turns/0/steps/0/ttft_ms: expected a number or a distribution object, "
            "got a string");
}

// Every duration is bounded at an hour: past it (1e308, 9.3e12) the loader refuses the file with
// the place, where before a run hung, overflowed or silently computed a wrong e2e.
TEST(DiagnosticTest, DurationsPastAnHourAreRefusedWhereTheyAre) {
  EXPECT_EQ(OnlyError(WithSteps(R"([{"ttft_ms": 1e308, "text": "ok"}])")),
            "s.json:2:48: /turns/0/steps/0/ttft_ms: ttft_ms must be at most 3600000 (one "
            "hour), got 1e+308");
  EXPECT_EQ(OnlyError(WithSteps(R"([{"ttft_ms": {"dist": "fixed", "value": 3600001},
  "text": "ok"}])")),
            "s.json:2:75: /turns/0/steps/0/ttft_ms/value: value must be at most 3600000 (one "
            "hour), got 3.6e+06");
  EXPECT_EQ(OnlyError(WithSteps(R"([{"ttft_ms": {"dist": "lognormal", "median": 9.3e12,
  "sigma": 0.2}, "text": "ok"}])")),
            "s.json:2:80: /turns/0/steps/0/ttft_ms/median: median must be at most 3600000 (one "
            "hour), got 9.3e+12");
  EXPECT_EQ(OnlyError(WithSteps(R"([{"ttft_ms": {"dist": "lognormal", "median": 300,
  "sigma": 50}, "text": "ok"}])")),
            "s.json:3:12: /turns/0/steps/0/ttft_ms/sigma: sigma must be at most 5, got 50");
  EXPECT_EQ(OnlyError(WithSteps(R"([{"chunk_gap_ms": {"dist": "uniform", "min": 1, "max": 1e20},
  "text": "ok"}])")),
            "s.json:2:90: /turns/0/steps/0/chunk_gap_ms/max: max must be at most 3600000 (one "
            "hour), got 1e+20");
  EXPECT_EQ(OnlyError(WithSteps(R"([{"text": "a b", "gaps_ms": [1e308]}])")),
            "s.json:2:64: /turns/0/steps/0/gaps_ms/0: a gap must be at most 3600000 (one hour), "
            "got 1e+308");
  EXPECT_EQ(OnlyError(WithSteps(R"([{"text": "ok", "faults": [{"status": 429,
  "retry_after_s": 1e308}]}])")),
            "s.json:3:20: /turns/0/steps/0/faults/0/retry_after_s: retry_after_s must be at most "
            "3600 (one hour), got 1e+308");
  const std::string rtt = R"({"schema": "agentreplay.scenario/v1", "name": "t", "description": "d",
"latency": {"network_rtt_ms": 1e308}, "turns": [{"user": "hi", "steps": [{"text": "ok"}]}]})";
  EXPECT_EQ(OnlyError(rtt),
            "s.json:2:31: /latency/network_rtt_ms: network_rtt_ms must be at most 3600000 (one "
            "hour), got 1e+308");
}

// The limits on one scenario (docs/scenario-format.md, "Limits"): 5,000 turns took minutes and a
// 50 MB message half a gigabyte; now the file is refused, naming the place and the count.
TEST(DiagnosticTest, ScenariosPastTheirLimitsAreRefused) {
  std::string turns = R"({"schema": "agentreplay.scenario/v1", "name": "t", "description": "d",
"turns": [)";
  for (std::size_t i = 0; i <= kMaxTurns; ++i) {
    turns += std::string(i == 0 ? "" : ",") + R"({"user": "hi", "steps": [{"text": "ok"}]})";
  }
  turns += "]}";
  EXPECT_EQ(OnlyError(turns), "s.json:2:10: /turns: 1001 turns; at most 1000 are allowed");

  std::string calls = "[{\"tool_calls\": [";
  for (std::size_t i = 0; i <= kMaxToolCallsPerStep; ++i) {
    calls += std::string(i == 0 ? "" : ",") + R"({"name": "f", "arguments": {}})";
  }
  calls += "]}, {\"text\": \"ok\"}]";
  EXPECT_EQ(OnlyError(WithSteps(calls)),
            "s.json:2:51: /turns/0/steps/0/tool_calls: 10001 tool calls; at most 10000 are "
            "allowed");

  const std::string long_text(kMaxTextBytes + 1, 'x');
  EXPECT_EQ(OnlyError(R"({"schema": "agentreplay.scenario/v1", "name": "t", "description": "d",
"turns": [{"user": ")" +
                      long_text + R"(", "steps": [{"text": "ok"}]}]})"),
            "s.json:2:20: /turns/0/user: user is 10485761 bytes long; at most 10485760 bytes "
            "are allowed");
  EXPECT_EQ(OnlyError(WithSteps(R"([{"chunks": [")" + long_text + R"("]}])")),
            "s.json:2:48: /turns/0/steps/0/chunks/0: chunk is 10485761 bytes long; at most "
            "10485760 bytes are allowed");
  // At the limits, the file loads.
  EXPECT_TRUE(Parse(R"({"schema": "agentreplay.scenario/v1", "name": "t", "description": "d",
"turns": [{"user": ")" +
                    std::string(kMaxTextBytes, 'x') + R"(", "steps": [{"text": "ok"}]}]})")
                  .scenario.has_value());
}

TEST(DiagnosticTest, UnknownDistributionKindListsTheValidKinds) {
  EXPECT_EQ(OnlyError(WithSteps(R"([{"ttft_ms": {"dist": "normal", "mean": 3}, "text": "ok"}])")),
            "s.json:2:57: /turns/0/steps/0/ttft_ms/dist: unknown distribution 'normal'; expected "
            "one of: fixed, lognormal, uniform");
  EXPECT_EQ(OnlyError(WithSteps(R"([{"ttft_ms": {"median": 3}, "text": "ok"}])")),
            "s.json:2:48: /turns/0/steps/0/ttft_ms: missing required field 'dist' (one of: fixed, "
            "lognormal, uniform)");
}

TEST(DiagnosticTest, DistributionParametersAreCheckedForTheirKind) {
  const LoadResult r = Parse(WithSteps(
      R"([{"ttft_ms": {"dist": "lognormal", "mean": 300, "sigma": 0.2}, "text": "ok"}])"));
  ASSERT_EQ(r.errors.size(), 2U);
  EXPECT_EQ(r.errors[0].ToString(),
            "s.json:2:48: /turns/0/steps/0/ttft_ms: missing required field 'median'");
  EXPECT_EQ(r.errors[1].ToString(),
            "s.json:2:70: /turns/0/steps/0/ttft_ms/mean: unknown field 'mean'; did you mean "
            "'median'?");
}

TEST(DiagnosticTest, TruncatedJson) {
  EXPECT_EQ(
      OnlyError("{\n  \"schema\": \"agentreplay.scenario/v1\",\n  \"turns\": [\n    {\"user\": "
                "\"hi\"\n"),
      "s.json:5:1: /turns/0: unexpected end of file: Missing a comma or '}' after an object "
      "member.");
}

TEST(DiagnosticTest, InvalidJsonTrailingComma) {
  EXPECT_EQ(OnlyError("{\n  \"name\": \"t\",\n  \"turns\": [1, 2,],\n  \"x\": 1\n}\n"),
            "s.json:3:18: /turns: invalid JSON: Invalid value.");
  EXPECT_EQ(OnlyError("{\n  \"name\": \"t\",\n}\n"),
            "s.json:3:1: /: invalid JSON: Missing a name for object member.");
}

TEST(DiagnosticTest, InvalidJsonBadToken) {
  EXPECT_EQ(OnlyError("{\n  \"name\": tru,\n  \"turns\": []\n}\n"),
            "s.json:2:14: /name: invalid JSON: Invalid value.");
  EXPECT_EQ(OnlyError("{\"name\": \"t\"} {}"),
            "s.json:1:15: /: invalid JSON: The document root must not be followed by other "
            "values.");
}

TEST(DiagnosticTest, EmptyFile) {
  EXPECT_EQ(OnlyError(""), "s.json:1:1: /: file is empty");
  EXPECT_EQ(OnlyError(" \n\t\n"), "s.json:1:1: /: file is empty");
}

TEST(DiagnosticTest, RootMustBeAnObject) {
  EXPECT_EQ(OnlyError("\n  [1, 2]"), "s.json:2:3: /: expected an object, got an array");
}

TEST(DiagnosticTest, WrongSchemaString) {
  EXPECT_EQ(OnlyError(R"({"schema": "agentreplay.scenario/v2", "name": "t", "description": "d",
  "turns": [{"user": "hi", "steps": [{"text": "ok"}]}]})"),
            "s.json:1:12: /schema: unsupported schema 'agentreplay.scenario/v2'; expected "
            "'agentreplay.scenario/v1'");
}

TEST(DiagnosticTest, LastStepMustContainTheAnswer) {
  EXPECT_EQ(OnlyError(WithSteps(R"([{"tool_calls": [{"name": "f"}]}])")),
            "s.json:2:36: /turns/0/steps/0: the last step of a turn must contain 'text' or "
            "'chunks' (the final answer)");
}

TEST(DiagnosticTest, EarlierStepMustCallTools) {
  EXPECT_EQ(OnlyError(WithSteps(R"([{"text": "Let me check."}, {"text": "Done."}])")),
            "s.json:2:36: /turns/0/steps/0: a step before the last must contain 'tool_calls' "
            "(otherwise the agent has nothing to continue with)");
}

TEST(DiagnosticTest, TextAndChunksAreMutuallyExclusive) {
  EXPECT_EQ(OnlyError(WithSteps(R"([{"text": "ok", "chunks": ["o", "k"]}])")),
            "s.json:2:51: /turns/0/steps/0/chunks: 'text' and 'chunks' are mutually exclusive; "
            "give one of them");
}

TEST(DiagnosticTest, ArgumentChunksMustBeAPositiveIntegerThatFits) {
  const LoadResult r = Parse(WithSteps(R"([{"tool_calls": [
  {"name": "f", "arguments": {"a": 1}, "argument_chunks": 0},
  {"name": "f", "arguments": {"a": 1}, "argument_chunks": 2.5},
  {"name": "f", "arguments": {"a": 1}, "argument_chunks": 8},
  {"name": "f", "arguments": "{}"}]}, {"text": "ok"}])"));
  ASSERT_EQ(r.errors.size(), 4U);
  EXPECT_EQ(r.errors[0].ToString(),
            "s.json:3:59: /turns/0/steps/0/tool_calls/0/argument_chunks: argument_chunks must be "
            ">= 1, got 0");
  EXPECT_EQ(r.errors[1].message, "argument_chunks must be an integer >= 1, got 2.5");
  EXPECT_EQ(r.errors[2].message,
            "argument_chunks (8) must not exceed the length of the serialised arguments (7 "
            "characters)");
  EXPECT_EQ(r.errors[3].ToString(),
            "s.json:6:30: /turns/0/steps/0/tool_calls/3/arguments: expected an object, got a "
            "string");
}

TEST(DiagnosticTest, NameAndEmptyStrings) {
  const LoadResult r = Parse(R"({"schema": "agentreplay.scenario/v1", "name": "Text Answer",
"description": " ", "turns": [{"user": "", "steps": [{"text": ""}]}]})");
  ASSERT_EQ(r.errors.size(), 4U);
  EXPECT_EQ(r.errors[0].ToString(),
            "s.json:1:47: /name: name must match [a-z0-9_-]+, got 'Text Answer'");
  EXPECT_EQ(r.errors[1].ToString(), "s.json:2:16: /description: description must not be empty");
  EXPECT_EQ(r.errors[2].ToString(), "s.json:2:40: /turns/0/user: user must not be empty");
  EXPECT_EQ(r.errors[3].ToString(), "s.json:2:63: /turns/0/steps/0/text: text must not be empty");
}

TEST(DiagnosticTest, EmptyArrays) {
  EXPECT_EQ(OnlyError(R"({"schema": "agentreplay.scenario/v1", "name": "t", "description": "d",
"turns": []})"),
            "s.json:2:10: /turns: turns must contain at least 1 turn");
  EXPECT_EQ(OnlyError(WithSteps("[]")),
            "s.json:2:35: /turns/0/steps: steps must contain at "
            "least 1 step");
}

TEST(DiagnosticTest, DuplicateField) {
  EXPECT_EQ(OnlyError(R"({"schema": "agentreplay.scenario/v1", "name": "t", "description": "d",
"name": "u", "turns": [{"user": "hi", "steps": [{"text": "ok"}]}]})"),
            "s.json:2:1: /name: duplicate field 'name' (first at 1:39)");
}

TEST(DiagnosticTest, ReportsEveryProblemInDocumentOrder) {
  const LoadResult r = Parse(R"({
  "schema": "agentreplay.scenario/v1",
  "name": "t",
  "description": "d",
  "latency": {"network_rtt_ms": -1},
  "turns": [
    {
      "user": "hi",
      "steps": [
        {"ttft_ms": {"dist": "uniform", "min": 5, "max": 1}, "text": "checking"},
        {"text": "ok", "tool_call": []}
      ]
    }
  ]
})");
  EXPECT_FALSE(r.scenario.has_value());
  std::vector<std::string> got;
  for (const auto& e : r.errors) got.push_back(e.ToString());
  EXPECT_THAT(
      got, ElementsAre(
               "s.json:5:33: /latency/network_rtt_ms: network_rtt_ms must be >= 0, got -1",
               "s.json:10:9: /turns/0/steps/0: a step before the last must contain 'tool_calls' "
               "(otherwise the agent has nothing to continue with)",
               "s.json:10:21: /turns/0/steps/0/ttft_ms: min must be <= max (min 5, max 1)",
               "s.json:11:24: /turns/0/steps/1/tool_call: unknown field 'tool_call'; did you mean "
               "'tool_calls'?"));
}

TEST(DiagnosticTest, ThreeErrorsGiveThreeDiagnostics) {
  const LoadResult r = Parse(R"({
  "schema": "agentreplay.scenario/v0",
  "name": "t",
  "description": "d",
  "modle": "gpt-4o",
  "turns": [{"user": 7, "steps": [{"text": "ok"}]}]
})");
  ASSERT_EQ(r.errors.size(), 3U);
  EXPECT_EQ(r.errors[0].pointer, "/schema");
  EXPECT_EQ(r.errors[1].pointer, "/modle");
  EXPECT_EQ(r.errors[1].message, "unknown field 'modle'; did you mean 'model'?");
  EXPECT_EQ(r.errors[2].ToString(), "s.json:6:22: /turns/0/user: expected a string, got a number");
}

TEST(DiagnosticTest, ColumnsCountCodePoints) {
  // "é" is two bytes but one column.
  EXPECT_EQ(
      OnlyError(R"({"description": "café", "x": 1, "schema": "agentreplay.scenario/v1",
"name": "t", "turns": [{"user": "hi", "steps": [{"text": "ok"}]}]})"),
      "s.json:1:25: /x: unknown field 'x' (allowed: schema, name, description, model, "
      "instructions, latency, tools, proxy_hop_ms, documents, workspace, turns, faults, source, "
      "variants)");
}

TEST(LoadScenarioFileTest, UnreadableFileIsOneDiagnostic) {
  const LoadResult r = Split(LoadScenarioFile("no/such/file.json"));
  ASSERT_EQ(r.errors.size(), 1U);
  EXPECT_EQ(r.errors[0].ToString(),
            "no/such/file.json: cannot read file: No such file or directory");
  const LoadResult dir = Split(LoadScenarioFile(kScenariosDir));
  ASSERT_EQ(dir.errors.size(), 1U);
  EXPECT_EQ(dir.errors[0].message, "cannot read file: it is a directory");
}

// --- JsonLocator ---

TEST(JsonLocatorTest, PointersAreEscapedAndPositioned) {
  const std::string text = "\xEF\xBB\xBF{\r\n \"a/b\": {\"m~n\": [true, \"x\"]}}";
  const LocatedJson json = ParseLocated(text);
  ASSERT_FALSE(json.error.has_value());
  EXPECT_EQ(json.locator.ValuePosition(""), (TextPosition{1, 1}));
  EXPECT_EQ(json.locator.KeyPosition("/a~1b"), (TextPosition{2, 2}));
  EXPECT_EQ(json.locator.ValuePosition("/a~1b"), (TextPosition{2, 9}));
  EXPECT_EQ(json.locator.KeyPosition("/a~1b/m~0n"), (TextPosition{2, 10}));
  EXPECT_EQ(json.locator.ValuePosition("/a~1b/m~0n/1"), (TextPosition{2, 24}));
  EXPECT_EQ(json.locator.ValuePosition("/missing"), (TextPosition{0, 0}));
  EXPECT_TRUE(json.document["a/b"]["m~n"][0].GetBool());
}

TEST(JsonLocatorTest, MalformedOrAbsentPointersResolveToNothing) {
  const LocatedJson json = ParseLocated(R"({"a": [10, 20], "b": 1})");
  ASSERT_FALSE(json.error.has_value());
  EXPECT_EQ(json.locator.ValueOffset("/a/1"), 11U);
  for (std::string_view pointer : {"a", "/a/01", "/a/2", "/a/-", "/a/x", "/b/0", "/c", "/~2"}) {
    EXPECT_FALSE(json.locator.ValueOffset(pointer).has_value()) << pointer;
  }
  EXPECT_FALSE(json.locator.KeyOffset("").has_value());
}

TEST(JsonLocatorTest, FindsEveryRepeatedNameInDocumentOrder) {
  const LocatedJson json = ParseLocated(R"({"o": {"k": 1, "k": 2}, "k": 3, "o": {}, "k": 4})");
  ASSERT_FALSE(json.error.has_value());
  std::vector<std::string> got;
  for (const auto& d : json.locator.DuplicateKeys()) {
    got.push_back(d.pointer + "@" + std::to_string(d.offset) + "<" +
                  std::to_string(d.first_offset));
  }
  EXPECT_THAT(got, ElementsAre("/o/k@15<7", "/o@32<1", "/k@41<24"));
  // Lookups see the first occurrence, as FindMember does.
  EXPECT_EQ(json.locator.ValueOffset("/o/k"), 12U);
}

TEST(JsonLocatorTest, RefusesDeepNestingAndNulBytes) {
  const LocatedJson deep = ParseLocated(std::string(kMaxJsonDepth + 1, '['));
  ASSERT_TRUE(deep.error.has_value());
  EXPECT_EQ(deep.error->message, "Nesting deeper than 100 levels.");
  EXPECT_EQ(deep.error->offset, kMaxJsonDepth);
  const LocatedJson nul = ParseLocated(std::string("{}\0{", 4));
  ASSERT_TRUE(nul.error.has_value());
  EXPECT_EQ(nul.error->message, "NUL byte in the text.");
  EXPECT_EQ(nul.error->offset, 2U);
}

}  // namespace
}  // namespace agentreplay::harness
