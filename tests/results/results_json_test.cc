#include "results/results_json.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "tests/results/sample_results.h"

namespace agentreplay::results {
namespace {

Results ReadOk(std::string_view text) {
  auto read = ReadResultsJson(text, "results.json");
  if (!read) {
    ADD_FAILURE() << read.error();
    return {};
  }
  return std::move(*read);
}

std::string ReadFailure(std::string_view text) {
  auto read = ReadResultsJson(text, "results.json");
  if (read) {
    ADD_FAILURE() << "read succeeded";
    return "";
  }
  EXPECT_EQ(read.failure().diagnostics().at(0).file, "results.json");
  return read.error();
}

// Replaces the first `from` in `text`, failing the test when there is none.
std::string Replace(std::string text, std::string_view from, std::string_view to) {
  const size_t at = text.find(from);
  if (at == std::string::npos) {
    ADD_FAILURE() << "no " << from;
    return text;
  }
  return text.replace(at, from.size(), to);
}

void ExpectSameSummary(const Summary& a, const Summary& b) {
  EXPECT_EQ(a.count, b.count);
  EXPECT_EQ(a.min, b.min);
  EXPECT_EQ(a.p50, b.p50);
  EXPECT_EQ(a.p90, b.p90);
  EXPECT_EQ(a.p95, b.p95);
  EXPECT_EQ(a.p99, b.p99);
  EXPECT_EQ(a.max, b.max);
  EXPECT_EQ(a.mean, b.mean);
  EXPECT_EQ(a.stddev, b.stddev);
}

void ExpectSameResults(const Results& a, const Results& b) {
  EXPECT_EQ(a.schema, b.schema);
  const Context &ca = a.context, &cb = b.context;
  EXPECT_EQ(ca.version, cb.version);
  EXPECT_EQ(ca.git_revision, cb.git_revision);
  EXPECT_EQ(ca.build_type, cb.build_type);
  EXPECT_EQ(ca.world, cb.world);
  EXPECT_EQ(ca.seed, cb.seed);
  EXPECT_EQ(ca.repetitions, cb.repetitions);
  EXPECT_EQ(ca.started_at, cb.started_at);
  EXPECT_EQ(ca.hostname, cb.hostname);
  EXPECT_EQ(ca.cpus, cb.cpus);
  EXPECT_EQ(ca.os, cb.os);
  EXPECT_EQ(ca.command_line, cb.command_line);
  ASSERT_EQ(a.cells.size(), b.cells.size());
  for (size_t i = 0; i < a.cells.size(); ++i) {
    const Cell &x = a.cells[i], &y = b.cells[i];
    EXPECT_EQ(x.scenario, y.scenario);
    EXPECT_EQ(x.runtime, y.runtime);
    EXPECT_EQ(x.variant, y.variant);
    EXPECT_EQ(x.world, y.world);
    EXPECT_EQ(x.error_samples, y.error_samples);
    ASSERT_EQ(x.samples.size(), y.samples.size());
    for (size_t j = 0; j < x.samples.size(); ++j) {
      const Sample &s = x.samples[j], &t = y.samples[j];
      EXPECT_EQ(s.repetition, t.repetition);
      EXPECT_EQ(s.turn, t.turn);
      EXPECT_EQ(s.ok, t.ok);
      EXPECT_EQ(s.error_kind, t.error_kind);
      EXPECT_EQ(s.error_reason, t.error_reason);
      EXPECT_EQ(s.error_message, t.error_message);
      EXPECT_EQ(s.metrics, t.metrics);
      EXPECT_EQ(s.segments, t.segments);
      EXPECT_EQ(s.requests_by_endpoint, t.requests_by_endpoint);
      EXPECT_EQ(s.itl_ms, t.itl_ms);
    }
    ASSERT_EQ(x.stats.size(), y.stats.size());
    for (const auto& [metric, summary] : x.stats) {
      ASSERT_EQ(y.stats.count(metric), 1u) << metric;
      ExpectSameSummary(summary, y.stats.at(metric));
    }
    ASSERT_EQ(x.checks.size(), y.checks.size());
    for (size_t j = 0; j < x.checks.size(); ++j) {
      EXPECT_EQ(x.checks[j].name, y.checks[j].name);
      EXPECT_EQ(x.checks[j].ok, y.checks[j].ok);
      EXPECT_EQ(x.checks[j].passed, y.checks[j].passed);
      EXPECT_EQ(x.checks[j].total, y.checks[j].total);
      EXPECT_EQ(x.checks[j].detail, y.checks[j].detail);
    }
  }
}

// The smallest document the reader accepts: a context that names a world and a repetition.
Results NoCells() {
  Results r;
  r.context.world = "sim";
  r.context.repetitions = 1;
  return r;
}

Results Tiny() {
  Results r;
  r.context = {"0.1.0",
               "abc1234",
               "Debug",
               "sim",
               18446744073709551615u,
               1,
               "2026-09-01T12:00:00Z",
               "host",
               2,
               "Linux",
               "agentreplay run",
               0,
               "",
               0,
               0,
               0};
  Cell cell;
  cell.scenario = "hello";
  cell.runtime = "responses";
  cell.variant = "baseline";
  cell.world = "sim";
  cell.error_samples = 1;
  Sample ok;
  ok.metrics = {{"e2e_ms", 12.5}, {"ttft_ms", 3.25}};
  ok.segments = {{"llm_wait", 12.5}};
  ok.requests_by_endpoint = {{"responses.create", 1}};
  ok.itl_ms = {1.5, 2};
  Sample failed;
  failed.repetition = 0;
  failed.turn = 1;
  failed.ok = false;
  failed.error_kind = "api";
  failed.error_reason = "http_400";
  failed.error_message = "bad \"tool\"";
  cell.samples = {ok, failed};
  Summary e2e;
  e2e.count = 1;
  e2e.min = e2e.p50 = e2e.p90 = e2e.p95 = e2e.p99 = e2e.max = e2e.mean = 12.5;
  cell.stats["e2e_ms"] = e2e;
  cell.checks = {{"turn 0: answer contains \"hi\"", true, 1, 1, ""}};
  r.cells = {cell};
  return r;
}

// The layout, pinned: fixed member order, sorted maps, number arrays on one line.
TEST(ResultsJsonTest, PrettyLayout) {
  EXPECT_EQ(ResultsToJson(Tiny()), R"({
  "schema": "agentreplay.results/v1",
  "context": {
    "version": "0.1.0",
    "git_revision": "abc1234",
    "build_type": "Debug",
    "world": "sim",
    "seed": 18446744073709551615,
    "repetitions": 1,
    "started_at": "2026-09-01T12:00:00Z",
    "hostname": "host",
    "cpus": 2,
    "os": "Linux",
    "command_line": "agentreplay run"
  },
  "cells": [
    {
      "scenario": "hello",
      "runtime": "responses",
      "variant": "baseline",
      "world": "sim",
      "error_samples": 1,
      "samples": [
        {
          "repetition": 0,
          "turn": 0,
          "ok": true,
          "metrics": {
            "e2e_ms": 12.5,
            "ttft_ms": 3.25
          },
          "segments": {
            "llm_wait": 12.5
          },
          "requests_by_endpoint": {
            "responses.create": 1
          },
          "itl_ms": [1.5, 2]
        },
        {
          "repetition": 0,
          "turn": 1,
          "ok": false,
          "error": {
            "kind": "api",
            "reason": "http_400",
            "message": "bad \"tool\""
          },
          "metrics": {},
          "segments": {},
          "requests_by_endpoint": {},
          "itl_ms": []
        }
      ],
      "stats": {
        "e2e_ms": {
          "count": 1,
          "min": 12.5,
          "p50": 12.5,
          "p90": 12.5,
          "p95": 12.5,
          "p99": 12.5,
          "max": 12.5,
          "mean": 12.5,
          "stddev": 0
        }
      },
      "checks": [
        {
          "name": "turn 0: answer contains \"hi\"",
          "ok": true,
          "passed": 1,
          "total": 1,
          "detail": ""
        }
      ],
      "baseline": "",
      "change_vs_baseline": {}
    }
  ]
}
)");
}

TEST(ResultsJsonTest, RoundTripGivesIdenticalText) {
  for (bool pretty : {true, false}) {
    const std::string text = ResultsToJson(reports::fixtures::SampleResults(), pretty);
    EXPECT_EQ(ResultsToJson(ReadOk(text), pretty), text);
  }
}

TEST(ResultsJsonTest, EveryFieldSurvives) {
  for (const Results& original : {reports::fixtures::SampleResults(), Tiny()}) {
    ExpectSameResults(ReadOk(ResultsToJson(original)), original);
  }
}

TEST(ResultsJsonTest, EmptyDocument) {
  EXPECT_EQ(ResultsToJson(Results{}, false),
            R"({"schema":"agentreplay.results/v1","context":{"version":"","git_revision":"",)"
            R"("build_type":"","world":"","seed":0,"repetitions":0,"started_at":"","hostname":"",)"
            R"("cpus":0,"os":"","command_line":""},"cells":[]})");
  // A default context names no world and no repetitions, so the reader refuses it
  // (results_validation_test); a run without cells reads back.
  const std::string text = ResultsToJson(NoCells(), false);
  EXPECT_EQ(ResultsToJson(ReadOk(text), false), text);
}

// Compact JSON of one sample's metrics.
std::string MetricsJson(const std::map<std::string, double>& metrics) {
  Results r;
  r.cells.resize(1);
  r.cells[0].samples.resize(1);
  r.cells[0].samples[0].metrics = metrics;
  const std::string text = ResultsToJson(r, false);
  const size_t begin = text.find("\"metrics\":") + 10;
  return text.substr(begin, text.find('}', begin) + 1 - begin);
}

TEST(ResultsJsonTest, NumbersHaveAtMostSixDecimalsWithoutNoise) {
  EXPECT_EQ(MetricsJson({{"a", 12.5}}), R"({"a":12.5})");
  EXPECT_EQ(MetricsJson({{"a", 0.1 + 0.2}}), R"({"a":0.3})");
  EXPECT_EQ(MetricsJson({{"a", 1234567891 / 1e6}}), R"({"a":1234.567891})");
  EXPECT_EQ(MetricsJson({{"a", 2.0 / 3.0}}), R"({"a":0.666667})");
  EXPECT_EQ(MetricsJson({{"a", 3.0}}), R"({"a":3})");
  EXPECT_EQ(MetricsJson({{"a", -0.0000001}}), R"({"a":0})");
  EXPECT_EQ(MetricsJson({{"a", -7.25}}), R"({"a":-7.25})");
  EXPECT_EQ(MetricsJson({{"a", 1e20}}), R"({"a":1e+20})");
}

TEST(ResultsJsonTest, NonFiniteValuesAreNeverWritten) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  Results r = Tiny();
  Sample& s = r.cells[0].samples[0];
  s.metrics["broken_ms"] = nan;
  s.segments["sleep"] = -inf;
  s.itl_ms = {1, inf, 2};
  r.cells[0].stats["e2e_ms"].stddev = nan;
  const std::string text = ResultsToJson(r);
  EXPECT_EQ(text.find("broken_ms"), std::string::npos);
  EXPECT_EQ(text.find("sleep"), std::string::npos);
  EXPECT_NE(text.find("\"itl_ms\": [1, 2]"), std::string::npos);
  EXPECT_NE(text.find("\"stddev\": null"), std::string::npos);
  const Results read = ReadOk(text);
  EXPECT_TRUE(std::isnan(read.cells[0].stats.at("e2e_ms").stddev));
  EXPECT_EQ(ResultsToJson(read), text);
}

TEST(ResultsJsonTest, StringsAreEscapedAndValidUtf8) {
  Results r = NoCells();
  r.context.hostname = "q\"b\\n\nt\t\x01 caf\xc3\xa9 bad\xff end";
  const std::string text = ResultsToJson(r, false);
  EXPECT_NE(text.find(R"("hostname":"q\"b\\n\nt\t\u0001 café bad\ufffd end")"), std::string::npos);
  EXPECT_EQ(ReadOk(text).context.hostname, "q\"b\\n\nt\t\x01 caf\xc3\xa9 bad\xef\xbf\xbd end");
}

TEST(ResultsJsonTest, InvalidJsonNamesLineAndColumn) {
  EXPECT_EQ(ReadFailure("{\"schema\": \"agentreplay.results/v1\",\n  \"context\": }"),
            "results.json:2:14: invalid JSON: Invalid value.");
  EXPECT_EQ(ReadFailure(""), "results.json:1:1: invalid JSON: The document is empty.");
}

TEST(ResultsJsonTest, WrongTypeNamesThePointer) {
  const std::string text = ResultsToJson(reports::fixtures::SampleResults(), false);
  EXPECT_EQ(ReadFailure(Replace(text, R"("p50":852,)", R"("p50":"852",)")),
            "results.json: /cells/0/stats/e2e_ms/p50: expected a number or null");
  EXPECT_EQ(ReadFailure(Replace(text, R"("seed":42)", R"("seed":-1)")),
            "results.json: /context/seed: expected a non-negative integer");
  EXPECT_EQ(ReadFailure(Replace(text, R"("repetition":1,"turn":0,"ok":false)",
                                R"("repetition":1,"turn":0.5,"ok":false)")),
            "results.json: /cells/1/samples/1/turn: expected an integer");
  EXPECT_EQ(ReadFailure(Replace(text, R"("itl_ms":[20,)", R"("itl_ms":[true,)")),
            "results.json: /cells/0/samples/0/itl_ms/0: expected a number");
  EXPECT_EQ(ReadFailure(Replace(text, R"("ttfs_ms":120,)", R"("ttfs_ms":"fast",)")),
            "results.json: /cells/0/samples/0/metrics/ttfs_ms: expected a number");
  EXPECT_EQ(ReadFailure(Replace(ResultsToJson(NoCells(), false), R"("cells":[])", R"("cells":{})")),
            "results.json: /cells: expected an array");
  EXPECT_EQ(ReadFailure(Replace(text, R"("ok":true,"passed")", R"("ok":1,"passed")")),
            "results.json: /cells/0/checks/0/ok: expected true or false");
  EXPECT_EQ(ReadFailure(Replace(text, R"("stats":{)", R"("stats":{"a/b~c":[],)")),
            "results.json: /cells/0/stats/a~1b~0c: expected an object");
  EXPECT_EQ(ReadFailure("[]"),
            "results.json: expected a JSON object (an agentreplay results document)");
}

TEST(ResultsJsonTest, StructureErrorsNameThePointer) {
  const std::string text = ResultsToJson(reports::fixtures::SampleResults(), false);
  EXPECT_EQ(ReadFailure(Replace(text, R"("turn":0,)", R"("colour":"red","turn":0,)")),
            "results.json: /cells/0/samples/0/colour: unknown member");
  EXPECT_EQ(ReadFailure(Replace(text, R"("hostname":"ci-host",)", "")),
            "results.json: /context: missing member \"hostname\"");
  EXPECT_EQ(ReadFailure(Replace(text, R"("os":"Linux",)", R"("os":"Linux","os":"BSD",)")),
            "results.json: /context/os: duplicate member");
  EXPECT_EQ(
      ReadFailure(Replace(text, R"("ok":true,"metrics")",
                          R"("ok":true,"error":{"kind":"","reason":"","message":""},"metrics")")),
      "results.json: /cells/0/samples/0/error: unexpected in a successful sample");
  EXPECT_EQ(ReadFailure(Replace(text, R"("error":{"kind":"api",)", R"("error":{"kind":7,)")),
            "results.json: /cells/1/samples/1/error/kind: expected a string");
  EXPECT_EQ(ReadFailure(Replace(text, R"("cells":[)", R"("cells":[7,)")),
            "results.json: /cells/0: expected an object");
}

TEST(ResultsJsonTest, SchemaVersionIsCheckedFirst) {
  EXPECT_EQ(ReadFailure(R"({"schema":"agentreplay.results/v2","whatever":1})"),
            "results.json: /schema: unsupported schema version \"agentreplay.results/v2\" (this "
            "build reads \"agentreplay.results/v1\")");
  EXPECT_EQ(ReadFailure(R"({"cells":[]})"), "results.json: missing member \"schema\"");
  EXPECT_EQ(ReadFailure(R"({"schema":1})"), "results.json: /schema: expected a string");
}

class AtomicWriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("agentreplay_atomic_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  static std::string Slurp(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
  std::filesystem::path dir_;
};

TEST_F(AtomicWriteTest, CreatesTheDirectoryOverwritesAndLeavesNoTemporary) {
  const std::filesystem::path path = dir_ / "run" / "results.json";
  Results first = reports::fixtures::SampleResults();
  auto written = WriteResultsFileAtomically(first, path);
  ASSERT_TRUE(written) << written.error();
  EXPECT_EQ(Slurp(path), ResultsToJson(first));
  first.cells.resize(1);
  written = WriteResultsFileAtomically(first, path);
  ASSERT_TRUE(written) << written.error();
  EXPECT_EQ(Slurp(path), ResultsToJson(first));
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".tmp"));
  size_t files = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator(path.parent_path())) {
    ++files;
  }
  EXPECT_EQ(files, 1u);
}

TEST_F(AtomicWriteTest, ReportsFailureWithoutLeavingATemporary) {
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ / "not_a_dir") << "x";
  const std::filesystem::path path = dir_ / "not_a_dir" / "results.json";
  auto written = WriteResultsFileAtomically(Tiny(), path);
  ASSERT_FALSE(written);
  EXPECT_NE(written.error().find("cannot create directory"), std::string::npos) << written.error();
  // A directory where the file should go: writing the temporary works, the rename does not.
  std::filesystem::create_directories(dir_ / "taken" / "sub");
  written = WriteResultsFileAtomically(Tiny(), dir_ / "taken");
  ASSERT_FALSE(written);
  EXPECT_NE(written.error().find("cannot rename"), std::string::npos) << written.error();
  EXPECT_FALSE(std::filesystem::exists(dir_ / "taken.tmp"));
}

}  // namespace
}  // namespace agentreplay::results
