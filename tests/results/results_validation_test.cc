// The reader refuses what a results document cannot hold (results_validate.h): one test per kind
// of rule, each edited into a document the writer produced, and a check that documents built the
// way the program builds them (statistics computed from samples, warm-ups, baselines) still pass.
#include <gtest/gtest.h>

#include <string>

#include "results/results_json.h"
#include "results/results_validate.h"
#include "results/statistics.h"
#include "tests/results/sample_results.h"

namespace agentreplay::results {
namespace {

// The reader's error for `text`, or "" (and a test failure) when it reads.
std::string ReadFailure(std::string_view text) {
  auto read = ReadResultsJson(text, "results.json");
  if (read) {
    ADD_FAILURE() << "read succeeded";
    return "";
  }
  return read.error();
}

// `text` with the first `from` replaced, failing the test when there is none.
std::string Replace(std::string text, std::string_view from, std::string_view to) {
  const size_t at = text.find(from);
  if (at == std::string::npos) {
    ADD_FAILURE() << "no " << from;
    return text;
  }
  return text.replace(at, from.size(), to);
}

std::string SampleText() { return ResultsToJson(reports::fixtures::SampleResults(), false); }

// A document as `run` makes it: samples measured, warm-ups first, statistics computed from the
// samples, changes against the baseline.
Results ProgramWritten() {
  Results r = reports::fixtures::SampleResults();
  r.cells[0].variant = "baseline";  // so that the p0 cells have a baseline
  r.context.warmup = 1;
  r.context.plan = "00c0ffee00c0ffee";
  r.context.planned_cells = 5;
  for (Cell& cell : r.cells) {
    for (Sample& s : cell.samples) ++s.repetition;
    Sample warmup = cell.samples.front();
    warmup.repetition = 0;
    warmup.warmup = true;
    cell.samples.insert(cell.samples.begin(), warmup);
    ComputeCellStats(cell, r.context.seed);
  }
  CompareWithBaseline(r);
  return r;
}

TEST(ResultsValidationTest, DocumentsTheProgramWritesPass) {
  const Results written = ProgramWritten();
  EXPECT_FALSE(ValidateResults(written));
  for (bool pretty : {true, false}) {
    const std::string text = ResultsToJson(written, pretty);
    auto read = ReadResultsJson(text, "results.json");
    ASSERT_TRUE(read) << read.error();
    EXPECT_EQ(ResultsToJson(*read, pretty), text);
  }
  for (const Cell& cell : written.cells) {
    EXPECT_TRUE(ReadCellJson(CellToJsonLine(cell), "journal.jsonl", 2));
  }
  // The real world measures its noise floor, which can be negative (a chunk early on the clock).
  Results real = ProgramWritten();
  real.context.world = "real";
  for (Cell& cell : real.cells) {
    cell.world = "real";
    for (Sample& s : cell.samples) s.fidelity_ms = {0.25, -0.5, 1.75};
    ComputeCellStats(cell, real.context.seed);
  }
  auto read = ReadResultsJson(ResultsToJson(real), "results.json");
  ASSERT_TRUE(read) << read.error();
  EXPECT_EQ(read->cells[0].stats.at("fidelity_ms").min, -0.5);
}

TEST(ResultsValidationTest, UnknownWorldIsRefused) {
  EXPECT_EQ(ReadFailure(Replace(SampleText(), R"("world":"sim")", R"("world":"mars")")),
            "results.json: /context/world: expected \"sim\", \"real\" or \"live\"");
  // The cells' world is checked too, and must be the run's.
  const std::string cell_world = R"("variant":"p5","world":"sim")";
  EXPECT_EQ(ReadFailure(Replace(SampleText(), cell_world, R"("variant":"p5","world":"mars")")),
            "results.json: /cells/0/world: expected \"sim\", \"real\" or \"live\"");
  EXPECT_EQ(ReadFailure(Replace(SampleText(), cell_world, R"("variant":"p5","world":"real")")),
            "results.json: /cells/0/world: \"real\", but the run's world is \"sim\"");
}

TEST(ResultsValidationTest, UnknownRuntimeIsRefused) {
  EXPECT_EQ(ReadFailure(Replace(SampleText(), R"("runtime":"responses")", R"("runtime":"grpc")")),
            "results.json: /cells/0/runtime: expected \"assistants\", \"responses\" or \"chat\"");
  EXPECT_EQ(
      ReadFailure(Replace(SampleText(), R"("baseline":"responses/p5")", R"("baseline":"grpc/p5")")),
      "results.json: /cells/1/baseline: expected \"runtime/variant\" with a known runtime");
}

TEST(ResultsValidationTest, NumbersOutOfRangeAreRefused) {
  const std::string text = SampleText();
  EXPECT_EQ(ReadFailure(Replace(text, R"("repetitions":3)", R"("repetitions":-3)")),
            "results.json: /context/repetitions: must be 1 or more");
  EXPECT_EQ(ReadFailure(Replace(text, R"("repetition":1,)", R"("repetition":-1,)")),
            "results.json: /cells/0/samples/1/repetition: must be 0 or more");
  EXPECT_EQ(ReadFailure(Replace(text, R"("repetition":2,)", R"("repetition":7,)")),
            "results.json: /cells/0/samples/2/repetition: 7, but the run has 3 repetitions");
  EXPECT_EQ(ReadFailure(Replace(text, R"("turn":0,)", R"("turn":-2,)")),
            "results.json: /cells/0/samples/0/turn: must be 0 or more");
  EXPECT_EQ(ReadFailure(Replace(text, R"("e2e_ms":852,)", R"("e2e_ms":-852,)")),
            "results.json: /cells/0/samples/0/metrics/e2e_ms: a ms metric cannot be negative");
  EXPECT_EQ(ReadFailure(Replace(text, R"("requests":3,)", R"("requests":2.5,)")),
            "results.json: /cells/0/samples/0/metrics/requests: a count metric must be a whole "
            "number");
  EXPECT_EQ(ReadFailure(Replace(text, R"("llm_wait":795,)", R"("llm_wait":-795,)")),
            "results.json: /cells/0/samples/0/segments/llm_wait: a segment of the critical path "
            "cannot be negative");
  EXPECT_EQ(ReadFailure(Replace(text, R"("responses.create":3)", R"("responses.create":-3)")),
            "results.json: /cells/0/samples/0/requests_by_endpoint/responses.create: a request "
            "count cannot be negative");
  EXPECT_EQ(ReadFailure(Replace(text, R"("itl_ms":[20,)", R"("itl_ms":[-20,)")),
            "results.json: /cells/0/samples/0/itl_ms/0: a gap between tokens cannot be negative");
  // Percentiles in order.
  EXPECT_EQ(ReadFailure(Replace(text, R"("p99":870.5,)", R"("p99":800,)")),
            "results.json: /cells/0/stats/e2e_ms/p99: below p95 (expected min <= p50 <= p90 <= "
            "p95 <= p99 <= max)");
  EXPECT_EQ(ReadFailure(Replace(text, R"("stddev":12.5)", R"("stddev":-12.5)")),
            "results.json: /cells/0/stats/e2e_ms/stddev: cannot be negative");
  EXPECT_EQ(ReadFailure(Replace(text, R"("median_ci":{"low":840,"high":870.5})",
                                R"("median_ci":{"low":880,"high":870.5})")),
            "results.json: /cells/0/stats/e2e_ms/median_ci/low: above high");
}

TEST(ResultsValidationTest, CountsThatDisagreeWithTheSamplesAreRefused) {
  const std::string text = SampleText();
  EXPECT_EQ(ReadFailure(Replace(text, R"("error_samples":0,)", R"("error_samples":2,)")),
            "results.json: /cells/0/error_samples: 2, but 0 non-warm-up samples failed");
  EXPECT_EQ(ReadFailure(
                Replace(text, R"("error_samples":0,)", R"("error_samples":0,"warmup_samples":1,)")),
            "results.json: /cells/0/warmup_samples: 1, but 0 samples are warm-ups");
  EXPECT_EQ(ReadFailure(Replace(text, R"("e2e_ms":{"count":3,)", R"("e2e_ms":{"count":4,)")),
            "results.json: /cells/0/stats/e2e_ms/count: 4 values summarised, but the cell's "
            "successful samples hold 3");
  EXPECT_EQ(ReadFailure(Replace(text, R"("ok":true,"passed":3,"total":3)",
                                R"("ok":true,"passed":4,"total":3)")),
            "results.json: /cells/0/checks/0/passed: more than total");
  EXPECT_EQ(ReadFailure(Replace(text, R"("ok":true,"passed":3,"total":3)",
                                R"("ok":true,"passed":2,"total":3)")),
            "results.json: /cells/0/checks/0/ok: true, but passed < total");
  EXPECT_EQ(ReadFailure(Replace(text, R"("repetition":1,)", R"("repetition":0,)")),
            "results.json: /cells/0/samples/1: a second sample of repetition 0, turn 0");
  EXPECT_EQ(ReadFailure(Replace(text, R"("repetition":1,"turn":0,"ok":true)",
                                R"("repetition":1,"turn":0,"ok":true,"warmup":true)")),
            "results.json: /cells/0/warmup_samples: 0, but 1 samples are warm-ups");
  EXPECT_EQ(ReadFailure(Replace(text, R"("command_line":)",
                                R"("plan":"00c0ffee","planned_cells":2,"command_line":)")),
            "results.json: /context/planned_cells: 2, but the document holds 3 cells");
}

TEST(ResultsValidationTest, ControlCharactersInNamesAreRefused) {
  const std::string text = SampleText();
  EXPECT_EQ(ReadFailure(Replace(text, R"("scenario":"weather")", R"("scenario":"wea\u0000ther")")),
            "results.json: /cells/0/scenario: contains a NUL character");
  EXPECT_EQ(ReadFailure(Replace(text, R"("variant":"p5")", R"("variant":"p5\u001b[2J")")),
            "results.json: /cells/0/variant: contains the control character U+001B");
  EXPECT_EQ(ReadFailure(Replace(text, R"("scenario":"weather")", R"("scenario":"")")),
            "results.json: /cells/0/scenario: must not be empty");
  EXPECT_EQ(ReadFailure(Replace(text, R"("ttfs_ms":120,)", R"("ttfs\nms":120,)")),
            "results.json: /cells/0/samples/0/metrics/ttfs\nms: contains the control character "
            "U+000A");
  EXPECT_EQ(ReadFailure(Replace(text, R"("message":"server error\nretry later")",
                                R"("message":"server\u0000error")")),
            "results.json: /cells/1/samples/1/error/message: contains a NUL character");
  EXPECT_EQ(ReadFailure(Replace(text, R"("scenario":"weather")",
                                "\"scenario\":\"" + std::string(kMaxNameBytes + 1, 'w') + "\"")),
            "results.json: /cells/0/scenario: longer than 4096 bytes");
  // Text that is not UTF-8 is not JSON.
  EXPECT_EQ(ReadFailure(Replace(text, R"("scenario":"weather")", "\"scenario\":\"we\xff\"")),
            "results.json:1:300: invalid JSON: Invalid encoding in string.");
  // Free text keeps its lines and tabs.
  auto read = ReadResultsJson(Replace(text, R"("message":"server error\nretry later")",
                                      R"("message":"server\terror\r\nretry")"),
                              "results.json");
  ASSERT_TRUE(read) << read.error();
  EXPECT_EQ(read->cells[1].samples[1].error_message, "server\terror\r\nretry");
}

TEST(ResultsValidationTest, DeepNestingIsALocatedErrorNotACrash) {
  const std::string deep = "{\"schema\":\n" + std::string(200000, '[');
  EXPECT_EQ(ReadFailure(deep), "results.json:2:512: invalid JSON: Nesting deeper than 512 levels.");
  auto cell = ReadCellJson(std::string(200000, '['), "journal.jsonl", 4);
  ASSERT_FALSE(cell);
  EXPECT_EQ(cell.error(), "journal.jsonl:4:513: invalid JSON: Nesting deeper than 512 levels.");
  // Nesting up to the bound is still JSON (then the wrong shape for a document).
  EXPECT_EQ(ReadFailure(std::string(512, '[') + std::string(512, ']')),
            "results.json: expected a JSON object (an agentreplay results document)");
}

}  // namespace
}  // namespace agentreplay::results
