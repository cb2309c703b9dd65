// The step fields added to format v1 for conditional steps, faults and file search: how they
// decode, and the diagnostics for unknown fields, wrong types and bad values.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "harness/scenario/scenario_loader.h"
#include "tests/harness/scenario_test_support.h"

namespace agentreplay::harness {
namespace {

using mocks::Dist;
using scenario_test::AllErrors;
using scenario_test::LoadResult;
using scenario_test::OnlyError;
using scenario_test::Parse;
using scenario_test::Split;
using scenario_test::WithSteps;
using scenario_test::WithStepsAndDocuments;
using scenario_test::WithStepsAndExpect;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// --- Valid files ---

constexpr std::string_view kNewFields = R"({
  "schema": "agentreplay.scenario/v1",
  "name": "kb",
  "description": "d",
  "turns": [
    {
      "user": "May I keep exports on my laptop?",
      "steps": [
        {
          "faults": [
            {"status": 429, "retry_after_s": 1.5, "type": "tokens", "code": "rate_limit_exceeded",
             "message": "Slow down."},
            {"status": 503, "code": null},
            {"status": 500}
          ],
          "file_search": {"query": "exports on laptops", "latency_ms": 420,
                          "results": ["security-policy.md", "retention.md"]},
          "text": "No, see security-policy.md.",
          "alternatives": [
            {"when": {"tool_not_offered": "file_search"}, "step": {"ttft_ms": 300, "text": "No."}},
            {"when": {"tools_offered_at_least": 12, "tool_not_offered": "x"},
             "step": {"chunks": ["Proba", "bly not."]}}
          ]
        }
      ],
      "expect": {"answer_contains": ["security-policy.md"], "file_search_used": true}
    }
  ]
})";

TEST(StepFieldsTest, ReadsFileSearchFaultsAlternativesAndFileSearchUsed) {
  const LoadResult r = Parse(kNewFields);
  ASSERT_THAT(r.errors, IsEmpty()) << r.errors.front().ToString();
  const mocks::TurnScript& turn = r.scenario->turns.at(0);
  const mocks::StepScript& step = turn.steps.at(0);

  ASSERT_EQ(step.faults.size(), 3U);
  EXPECT_EQ(step.faults[0].status, 429);
  EXPECT_EQ(step.faults[0].retry_after_s, 1.5);
  EXPECT_EQ(step.faults[0].type, "tokens");
  EXPECT_EQ(step.faults[0].code, "rate_limit_exceeded");
  EXPECT_EQ(step.faults[0].message, "Slow down.");
  EXPECT_EQ(step.faults[1].status, 503);
  EXPECT_EQ(step.faults[1].code, "");  // null: an error without a code
  // Absent fields take the model's defaults.
  const mocks::FaultScript defaults;
  EXPECT_EQ(step.faults[2].retry_after_s, defaults.retry_after_s);
  EXPECT_EQ(step.faults[2].type, defaults.type);
  EXPECT_EQ(step.faults[2].code, defaults.code);
  EXPECT_EQ(step.faults[2].message, defaults.message);

  ASSERT_TRUE(step.file_search.has_value());
  EXPECT_EQ(step.file_search->query, "exports on laptops");
  EXPECT_EQ(step.file_search->latency_ms, Dist::Fixed(420));
  EXPECT_THAT(step.file_search->results, ElementsAre("security-policy.md", "retention.md"));

  ASSERT_EQ(step.alternatives.size(), 2U);
  EXPECT_EQ(step.alternatives[0].when.tool_not_offered, "file_search");
  EXPECT_EQ(step.alternatives[0].when.tools_offered_at_least, 0);
  EXPECT_EQ(step.alternatives[0].step.ttft_ms, Dist::Fixed(300));
  EXPECT_THAT(step.alternatives[0].step.text_chunks, ElementsAre("No."));
  EXPECT_FALSE(step.alternatives[0].step.file_search.has_value());
  EXPECT_EQ(step.alternatives[1].when.tool_not_offered, "x");
  EXPECT_EQ(step.alternatives[1].when.tools_offered_at_least, 12);
  EXPECT_THAT(step.alternatives[1].step.text_chunks, ElementsAre("Proba", "bly not."));

  EXPECT_EQ(turn.expect.file_search_used, true);
}

TEST(StepFieldsTest, Defaults) {
  const LoadResult r = Parse(WithStepsAndDocuments(
      R"([{"file_search": {"query": "q"}, "text": "ok"}])", R"({"a.md": "q"})"));
  ASSERT_THAT(r.errors, IsEmpty()) << r.errors.front().ToString();
  const mocks::TurnScript& turn = r.scenario->turns.at(0);
  ASSERT_TRUE(turn.steps[0].file_search.has_value());
  EXPECT_EQ(turn.steps[0].file_search->latency_ms, Dist::Fixed(0));
  EXPECT_THAT(turn.steps[0].file_search->results, IsEmpty());
  EXPECT_THAT(turn.steps[0].faults, IsEmpty());
  EXPECT_THAT(turn.steps[0].alternatives, IsEmpty());
  EXPECT_FALSE(turn.expect.file_search_used.has_value());
}

// A form of a step without tool calls ends the turn, so paths of different lengths are
// possible: here the scripted path answers at step 1 and the alternative path goes on.
TEST(StepFieldsTest, AnEarlierStepMayAnswerWhenAnAlternativeGoesOn) {
  const LoadResult r = Parse(WithSteps(R"([
  {"tool_calls": [{"name": "f"}],
   "alternatives": [{"when": {"tools_offered_at_least": 12}, "step": {"tool_calls": [{"name": "g"}]}}]},
  {"text": "done", "alternatives": [{"when": {"tools_offered_at_least": 12},
                                     "step": {"tool_calls": [{"name": "f"}]}}]},
  {"text": "done after all"}])"));
  EXPECT_THAT(r.errors, IsEmpty()) << r.errors.front().ToString();
}

// --- file_search ---

TEST(StepFieldsDiagnosticTest, FileSearch) {
  EXPECT_EQ(
      OnlyError(WithSteps(
          R"([{"file_search": {"query": "q", "latncy_ms": 5, "results": ["a"]}, "text": "ok"}])")),
      "s.json:2:67: /turns/0/steps/0/file_search/latncy_ms: unknown field 'latncy_ms'; did you "
      "mean 'latency_ms'?");
  EXPECT_EQ(OnlyError(WithSteps(R"([{"file_search": {"results": ["a.md"]}, "text": "ok"}])")),
            "s.json:2:52: /turns/0/steps/0/file_search: missing required field 'query'");
  EXPECT_EQ(OnlyError(WithSteps(R"([{"file_search": "policy", "text": "ok"}])")),
            "s.json:2:52: /turns/0/steps/0/file_search: expected an object, got a string");
  EXPECT_EQ(
      OnlyError(WithSteps(R"([{"file_search": {"query": 7, "results": ["a"]}, "text": "ok"}])")),
      "s.json:2:62: /turns/0/steps/0/file_search/query: expected a string, got a number");
  EXPECT_EQ(
      OnlyError(WithSteps(R"([{"file_search": {"query": "q", "results": "a.md"}, "text": "ok"}])")),
      "s.json:2:78: /turns/0/steps/0/file_search/results: expected an array, got a string");
  EXPECT_EQ(
      OnlyError(WithSteps(R"([{"file_search": {"query": " ", "results": ["a"]}, "text": "ok"}])")),
      "s.json:2:62: /turns/0/steps/0/file_search/query: query must not be empty");
  EXPECT_EQ(
      OnlyError(WithSteps(R"([{"file_search": {"query": "q", "results": []}, "text": "ok"}])")),
      "s.json:2:78: /turns/0/steps/0/file_search/results: results must contain at least 1 result");
  EXPECT_EQ(OnlyError(WithSteps(
                R"([{"file_search": {"query": "q", "results": ["a", ""]}, "text": "ok"}])")),
            "s.json:2:84: /turns/0/steps/0/file_search/results/1: result must not be empty");
  EXPECT_EQ(
      OnlyError(WithSteps(
          R"([{"file_search": {"query": "q", "latency_ms": -1, "results": ["a"]}, "text": "ok"}])")),
      "s.json:2:81: /turns/0/steps/0/file_search/latency_ms: latency_ms must be >= 0, got -1");
}

// --- faults ---

TEST(StepFieldsDiagnosticTest, Faults) {
  EXPECT_EQ(
      OnlyError(WithSteps(R"([{"faults": [{"status": 429, "retry_after": 1}], "text": "ok"}])")),
      "s.json:2:64: /turns/0/steps/0/faults/0/retry_after: unknown field 'retry_after'; did you "
      "mean 'retry_after_s'?");
  EXPECT_EQ(OnlyError(WithSteps(R"([{"faults": [{"retry_after_s": 1}], "text": "ok"}])")),
            "s.json:2:48: /turns/0/steps/0/faults/0: missing required field 'status'");
  EXPECT_EQ(OnlyError(WithSteps(R"([{"faults": {"status": 429}, "text": "ok"}])")),
            "s.json:2:47: /turns/0/steps/0/faults: expected an array, got an object");
  EXPECT_EQ(OnlyError(WithSteps(R"([{"faults": [], "text": "ok"}])")),
            "s.json:2:47: /turns/0/steps/0/faults: faults must contain at least 1 fault");
  EXPECT_EQ(OnlyError(WithSteps(R"([{"faults": [429], "text": "ok"}])")),
            "s.json:2:48: /turns/0/steps/0/faults/0: expected an object, got a number");
  EXPECT_EQ(OnlyError(WithSteps(R"([{"faults": [{"status": "429"}], "text": "ok"}])")),
            "s.json:2:59: /turns/0/steps/0/faults/0/status: expected an integer, got a string");
  EXPECT_EQ(OnlyError(WithSteps(R"([{"faults": [{"status": 200}], "text": "ok"}])")),
            "s.json:2:59: /turns/0/steps/0/faults/0/status: status must be an integer from 400 to "
            "599, got 200");
  EXPECT_EQ(OnlyError(WithSteps(R"([{"faults": [{"status": 429.5}], "text": "ok"}])")),
            "s.json:2:59: /turns/0/steps/0/faults/0/status: status must be an integer from 400 to "
            "599, got 429.5");
  EXPECT_EQ(
      OnlyError(
          WithSteps(R"([{"faults": [{"status": 429, "retry_after_s": "1"}], "text": "ok"}])")),
      "s.json:2:81: /turns/0/steps/0/faults/0/retry_after_s: expected a number, got a string");
  EXPECT_EQ(
      OnlyError(WithSteps(R"([{"faults": [{"status": 429, "retry_after_s": -1}], "text": "ok"}])")),
      "s.json:2:81: /turns/0/steps/0/faults/0/retry_after_s: retry_after_s must be >= 0, got -1");
  EXPECT_EQ(OnlyError(WithSteps(R"([{"faults": [{"status": 500, "type": ""}], "text": "ok"}])")),
            "s.json:2:72: /turns/0/steps/0/faults/0/type: type must not be empty");
  EXPECT_EQ(OnlyError(WithSteps(R"([{"faults": [{"status": 500, "code": 5}], "text": "ok"}])")),
            "s.json:2:72: /turns/0/steps/0/faults/0/code: expected a string or null, got a number");
  EXPECT_EQ(OnlyError(WithSteps(R"([{"faults": [{"status": 500, "code": ""}], "text": "ok"}])")),
            "s.json:2:72: /turns/0/steps/0/faults/0/code: code must not be empty (use null for an "
            "error without a code)");
  EXPECT_EQ(
      OnlyError(WithSteps(R"([{"faults": [{"status": 500, "message": true}], "text": "ok"}])")),
      "s.json:2:75: /turns/0/steps/0/faults/0/message: expected a string, got a boolean");
}

// --- alternatives ---

TEST(StepFieldsDiagnosticTest, AlternativesShape) {
  EXPECT_EQ(OnlyError(WithSteps(R"([{"text": "ok", "alternatives": {"when": {}}}])")),
            "s.json:2:67: /turns/0/steps/0/alternatives: expected an array, got an object");
  EXPECT_EQ(OnlyError(WithSteps(R"([{"text": "ok", "alternatives": []}])")),
            "s.json:2:67: /turns/0/steps/0/alternatives: alternatives must contain at least 1 "
            "alternative");
  EXPECT_EQ(OnlyError(WithSteps(R"([{"text": "ok", "alternatives": ["x"]}])")),
            "s.json:2:68: /turns/0/steps/0/alternatives/0: expected an object, got a string");
  EXPECT_EQ(OnlyError(WithSteps(R"([{"text": "ok", "alternatives": [{"step": {"text": "no"}}]}])")),
            "s.json:2:68: /turns/0/steps/0/alternatives/0: missing required field 'when'");
  EXPECT_EQ(OnlyError(WithSteps(
                R"([{"text": "ok", "alternatives": [{"when": {"tool_not_offered": "f"}}]}])")),
            "s.json:2:68: /turns/0/steps/0/alternatives/0: missing required field 'step'");
  EXPECT_EQ(
      OnlyError(WithSteps(
          R"([{"text": "ok", "alternatives": [{"when": {"tool_not_offered": "f"}, "step": {"text": "no"}, "then": 1}]}])")),
      "s.json:2:128: /turns/0/steps/0/alternatives/0/then: unknown field 'then'; did you mean "
      "'when'?");
  EXPECT_EQ(
      OnlyError(WithSteps(
          R"([{"text": "ok", "alternatives": [{"when": {"tool_not_offered": "f"}, "step": "no"}]}])")),
      "s.json:2:112: /turns/0/steps/0/alternatives/0/step: expected an object, got a string");
}

TEST(StepFieldsDiagnosticTest, Conditions) {
  EXPECT_EQ(OnlyError(WithSteps(
                R"([{"text": "ok", "alternatives": [{"when": {}, "step": {"text": "no"}}]}])")),
            "s.json:2:77: /turns/0/steps/0/alternatives/0/when: a condition must contain "
            "'tool_not_offered', 'tools_offered_at_least' or both");
  EXPECT_EQ(OnlyError(WithSteps(
                R"([{"text": "ok", "alternatives": [{"when": "f", "step": {"text": "no"}}]}])")),
            "s.json:2:77: /turns/0/steps/0/alternatives/0/when: expected an object, got a string");
  EXPECT_EQ(
      OnlyError(WithSteps(
          R"([{"text": "ok", "alternatives": [{"when": {"tool_not_offered": "f", "tool_offered": "g"}, "step": {"text": "no"}}]}])")),
      "s.json:2:103: /turns/0/steps/0/alternatives/0/when/tool_offered: unknown field "
      "'tool_offered' (allowed: tool_not_offered, tools_offered_at_least)");
  EXPECT_EQ(
      OnlyError(WithSteps(
          R"([{"text": "ok", "alternatives": [{"when": {"tool_not_offered": ""}, "step": {"text": "no"}}]}])")),
      "s.json:2:98: /turns/0/steps/0/alternatives/0/when/tool_not_offered: tool_not_offered must "
      "not be empty");
  EXPECT_EQ(
      OnlyError(WithSteps(
          R"([{"text": "ok", "alternatives": [{"when": {"tool_not_offered": 3}, "step": {"text": "no"}}]}])")),
      "s.json:2:98: /turns/0/steps/0/alternatives/0/when/tool_not_offered: expected a string, got "
      "a number");
  EXPECT_EQ(
      OnlyError(WithSteps(
          R"([{"text": "ok", "alternatives": [{"when": {"tools_offered_at_least": 0}, "step": {"text": "no"}}]}])")),
      "s.json:2:104: /turns/0/steps/0/alternatives/0/when/tools_offered_at_least: "
      "tools_offered_at_least must be an integer >= 1, got 0");
  EXPECT_EQ(
      OnlyError(WithSteps(
          R"([{"text": "ok", "alternatives": [{"when": {"tools_offered_at_least": 2.5}, "step": {"text": "no"}}]}])")),
      "s.json:2:104: /turns/0/steps/0/alternatives/0/when/tools_offered_at_least: "
      "tools_offered_at_least must be an integer >= 1, got 2.5");
  EXPECT_EQ(
      OnlyError(WithSteps(
          R"([{"text": "ok", "alternatives": [{"when": {"tools_offered_at_least": "12"}, "step": {"text": "no"}}]}])")),
      "s.json:2:104: /turns/0/steps/0/alternatives/0/when/tools_offered_at_least: expected an "
      "integer, got a string");
}

TEST(StepFieldsDiagnosticTest, AlternativeSteps) {
  EXPECT_EQ(
      OnlyError(WithSteps(
          R"([{"text": "ok", "alternatives": [{"when": {"tool_not_offered": "f"}, "step": {"text": "no", "temperature": 1}}]}])")),
      "s.json:2:127: /turns/0/steps/0/alternatives/0/step/temperature: unknown field 'temperature' "
      "(allowed: ttft_ms, chunk_gap_ms, file_search, text, chunks, tool_calls, processing_ms, "
      "gaps_ms, reasoning, hosted_tools, refusal, incomplete)");
  EXPECT_EQ(
      OnlyError(WithSteps(
          R"([{"text": "ok", "alternatives": [{"when": {"tool_not_offered": "f"}, "step": {"text": "no", "faults": [{"status": 500}]}}]}])")),
      "s.json:2:127: /turns/0/steps/0/alternatives/0/step/faults: an alternative step must not "
      "contain 'faults' (the faults of the step it replaces are answered before an alternative is "
      "chosen)");
  EXPECT_EQ(
      OnlyError(WithSteps(
          R"([{"text": "ok", "alternatives": [{"when": {"tool_not_offered": "f"}, "step": {"text": "no", "alternatives": []}}]}])")),
      "s.json:2:127: /turns/0/steps/0/alternatives/0/step/alternatives: an alternative step must "
      "not contain 'alternatives' (alternatives do not nest)");
  EXPECT_EQ(
      OnlyError(WithSteps(
          R"([{"text": "ok", "alternatives": [{"when": {"tool_not_offered": "f"}, "step": {"ttft_ms": -1, "text": "no"}}]}])")),
      "s.json:2:124: /turns/0/steps/0/alternatives/0/step/ttft_ms: ttft_ms must be >= 0, got -1");
}

TEST(StepFieldsDiagnosticTest, AlternativesFollowTheStepRules) {
  // The last step's alternatives must answer too.
  EXPECT_EQ(
      OnlyError(WithSteps(
          R"([{"text": "ok", "alternatives": [{"when": {"tool_not_offered": "f"}, "step": {"tool_calls": [{"name": "g"}]}}]}])")),
      "s.json:2:112: /turns/0/steps/0/alternatives/0/step: the last step of a turn must contain "
      "'text' or 'chunks' (the final answer)");
  // Before the last, some form of the step must call tools; said once, at the step.
  EXPECT_EQ(
      OnlyError(WithSteps(
          R"([{"text": "a", "alternatives": [{"when": {"tool_not_offered": "f"}, "step": {"text": "b"}}]}, {"text": "c"}])")),
      "s.json:2:36: /turns/0/steps/0: a step before the last must contain 'tool_calls', or have an "
      "alternative that does (otherwise the agent has nothing to continue with)");
  // A form that calls no tools before the last ends the turn, so it must answer.
  EXPECT_EQ(
      OnlyError(WithSteps(
          R"([{"tool_calls": [{"name": "f"}], "alternatives": [{"when": {"tool_not_offered": "f"}, "step": {"ttft_ms": 5}}]}, {"text": "c"}])")),
      "s.json:2:129: /turns/0/steps/0/alternatives/0/step: a step without 'tool_calls' ends the "
      "turn, so it must contain 'text' or 'chunks' (the final answer)");
}

// --- expect.file_search_used ---

TEST(StepFieldsDiagnosticTest, FileSearchUsed) {
  constexpr std::string_view kSearches =
      R"([{"file_search": {"query": "q", "results": ["a"]}, "text": "ok"}])";
  EXPECT_EQ(OnlyError(WithStepsAndExpect(kSearches, R"({"file_search_used": "yes"})")),
            "s.json:2:133: /turns/0/expect/file_search_used: expected a boolean, got a string");
  EXPECT_EQ(OnlyError(WithStepsAndExpect(kSearches, R"({"file_search_use": true})")),
            "s.json:2:113: /turns/0/expect/file_search_use: unknown field 'file_search_use'; did "
            "you mean 'file_search_used'?");
  EXPECT_EQ(OnlyError(WithStepsAndExpect(R"([{"text": "ok"}])", R"({"file_search_used": true})")),
            "s.json:2:84: /turns/0/expect/file_search_used: file_search_used is true, but no step "
            "of this turn (nor any alternative) contains 'file_search', so the check cannot pass");
  EXPECT_EQ(OnlyError(WithStepsAndExpect(kSearches, R"({"file_search_used": false})")),
            "s.json:2:133: /turns/0/expect/file_search_used: file_search_used is false, but every "
            "way through this turn plays a step with 'file_search', so the check cannot pass");
}

TEST(StepFieldsDiagnosticTest, FileSearchUsedFollowsThePaths) {
  // Searched only when the alternative plays: either value can be met.
  constexpr std::string_view kSometimes = R"([{"text": "ok", "alternatives": [
    {"when": {"tool_not_offered": "f"},
     "step": {"file_search": {"query": "q", "results": ["a"]}, "text": "ok"}}]}])";
  EXPECT_THAT(AllErrors(WithStepsAndExpect(kSometimes, R"({"file_search_used": true})")),
              IsEmpty());
  EXPECT_THAT(AllErrors(WithStepsAndExpect(kSometimes, R"({"file_search_used": false})")),
              IsEmpty());
  // Every form of step 1 searches, but the scripted step 0 ends the turn before it.
  constexpr std::string_view kLater = R"([
    {"text": "ok", "alternatives": [{"when": {"tool_not_offered": "f"},
                                     "step": {"tool_calls": [{"name": "g"}]}}]},
    {"file_search": {"query": "q", "results": ["a"]}, "text": "ok"}])";
  EXPECT_THAT(AllErrors(WithStepsAndExpect(kLater, R"({"file_search_used": false})")), IsEmpty());
}

// Decoding goes on past a bad value, into faults and alternatives too.
TEST(StepFieldsDiagnosticTest, ReportsEveryProblemInDocumentOrder) {
  EXPECT_THAT(AllErrors(R"({
  "schema": "agentreplay.scenario/v1",
  "name": "t",
  "description": "d",
  "turns": [
    {
      "user": "hi",
      "steps": [
        {
          "faults": [{"status": 299, "retry_after_s": -2}],
          "file_search": {"query": "", "results": ["a"]},
          "text": "ok",
          "alternatives": [{"when": {"tools_offered_at_least": 0},
                            "step": {"text": "no", "faults": []}}]
        }
      ],
      "expect": {"file_search_used": 1}
    }
  ]
})"),
              ElementsAre("s.json:10:33: /turns/0/steps/0/faults/0/status: status must be an "
                          "integer from 400 to 599, got 299",
                          "s.json:10:55: /turns/0/steps/0/faults/0/retry_after_s: retry_after_s "
                          "must be >= 0, got -2",
                          "s.json:11:36: /turns/0/steps/0/file_search/query: query must not be "
                          "empty",
                          "s.json:13:64: /turns/0/steps/0/alternatives/0/when/"
                          "tools_offered_at_least: tools_offered_at_least must be an integer >= "
                          "1, got 0",
                          "s.json:14:52: /turns/0/steps/0/alternatives/0/step/faults: an "
                          "alternative step must not contain 'faults' (the faults of the step it "
                          "replaces are answered before an alternative is chosen)",
                          "s.json:17:38: /turns/0/expect/file_search_used: expected a boolean, "
                          "got a number"));
}

}  // namespace
}  // namespace agentreplay::harness
