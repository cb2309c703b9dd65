// reports/compare/gate: the default gate, the gate file loader and its error messages, and the
// shipped example gate against its schema.
#include "reports/compare/gate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/schema.h>

#include <fstream>
#include <sstream>
#include <string>

namespace agentreplay::reports {
namespace {

using ::testing::HasSubstr;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Gate ParseOk(std::string_view text) {
  auto parsed = ParseGate(text, "gate.json");
  if (!parsed) {
    ADD_FAILURE() << parsed.error();
    return {};
  }
  return std::move(*parsed);
}

std::string ParseError(std::string_view text) {
  auto parsed = ParseGate(text, "gate.json");
  if (parsed) {
    ADD_FAILURE() << "parsed: " << text;
    return "";
  }
  return parsed.error();
}

TEST(GateTest, DefaultGateJudgesLatencyMetrics) {
  const Gate gate = DefaultGate();
  EXPECT_NE(gate.Find("e2e_ms"), nullptr);
  EXPECT_NE(gate.Find("ttft_ms"), nullptr);
  EXPECT_EQ(gate.Find("polls"), nullptr);
  EXPECT_EQ(gate.Find("fidelity_ms"), nullptr);  // the machine's noise floor, not the agent
  EXPECT_DOUBLE_EQ(gate.alpha, 0.05);
  EXPECT_DOUBLE_EQ(gate.ThresholdFor("e2e_ms").value, 0.05);
  EXPECT_FALSE(gate.ThresholdFor("e2e_ms").absolute);
  EXPECT_DOUBLE_EQ(gate.MinChangeFor("e2e_ms"), 1.0);
  EXPECT_DOUBLE_EQ(gate.MinChangeFor("segment.llm_wait"), 1.0);
  EXPECT_DOUBLE_EQ(gate.MinChangeFor("polls"), 0.0);
  EXPECT_TRUE(gate.missing_is_failure);
  EXPECT_FALSE(gate.new_is_failure);
  results::Cell cell;
  EXPECT_TRUE(gate.JudgesCell(cell));
}

TEST(GateTest, ParsesEveryMember) {
  const Gate gate = ParseOk(R"({
    "schema": "agentreplay.gate/v1",
    "description": "nightly",
    "alpha": 0.01,
    "noise": "2.5%",
    "min_change_ms": 0.5,
    "min_samples": 8,
    "metrics": {"e2e_ms": {}, "polls": {"threshold": 0}, "ttft_ms": {"threshold": "10%",
                "min_change": 3}, "segment.tool_overhead": {"threshold": 4}},
    "cells": ["scenario=weather", "runtime=responses,variant=p5"],
    "missing_cells": "ignore",
    "new_cells": "fail"
  })");
  EXPECT_EQ(gate.source, "gate.json");
  EXPECT_DOUBLE_EQ(gate.alpha, 0.01);
  EXPECT_DOUBLE_EQ(gate.noise.value, 0.025);
  EXPECT_EQ(gate.min_samples, 8);
  ASSERT_EQ(gate.metrics.size(), 4u);
  EXPECT_EQ(gate.Find("itl_ms"), nullptr);  // the list replaces the default one
  EXPECT_DOUBLE_EQ(gate.ThresholdFor("e2e_ms").value, 0.025);
  EXPECT_TRUE(gate.ThresholdFor("polls").absolute);
  EXPECT_DOUBLE_EQ(gate.ThresholdFor("polls").value, 0);
  EXPECT_DOUBLE_EQ(gate.ThresholdFor("ttft_ms").value, 0.10);
  EXPECT_DOUBLE_EQ(gate.MinChangeFor("ttft_ms"), 3);
  EXPECT_DOUBLE_EQ(gate.MinChangeFor("e2e_ms"), 0.5);
  EXPECT_EQ(gate.ThresholdFor("segment.tool_overhead").ToString(), "4");
  EXPECT_EQ(gate.ThresholdFor("ttft_ms").ToString(), "10%");
  ASSERT_EQ(gate.cells.size(), 2u);
  results::Cell cell;
  cell.scenario = "lookup";
  cell.runtime = "responses";
  cell.variant = "p5";
  EXPECT_TRUE(gate.JudgesCell(cell));
  cell.variant = "p0";
  EXPECT_FALSE(gate.JudgesCell(cell));
  EXPECT_FALSE(gate.missing_is_failure);
  EXPECT_TRUE(gate.new_is_failure);
}

TEST(GateTest, MinimalGateKeepsTheDefaults) {
  const Gate gate = ParseOk(R"({"schema": "agentreplay.gate/v1"})");
  EXPECT_EQ(gate.metrics.size(), DefaultGate().metrics.size());
  EXPECT_DOUBLE_EQ(gate.alpha, 0.05);
}

TEST(GateTest, ErrorsNameTheFileThePointerAndTheProblem) {
  EXPECT_EQ(ParseError("{\n  \"schema\": \"agentreplay.gate/v1\",\n  \"alpha\": ,\n}"),
            "gate.json:3:12: invalid JSON: Invalid value.");
  EXPECT_EQ(ParseError(R"({"alpha": 0.05})"),
            "gate.json: /: missing member \"schema\" (\"agentreplay.gate/v1\")");
  EXPECT_EQ(ParseError(R"({"schema": "agentreplay.gate/v2"})"),
            "gate.json: /schema: expected \"agentreplay.gate/v1\"");
  EXPECT_THAT(ParseError(R"({"schema": "agentreplay.gate/v1", "alpah": 0.1})"),
              HasSubstr("gate.json: /alpah: unknown member"));
  EXPECT_EQ(ParseError(R"({"schema": "agentreplay.gate/v1", "alpha": 1.5})"),
            "gate.json: /alpha: expected a number in (0, 1)");
  EXPECT_THAT(ParseError(R"({"schema": "agentreplay.gate/v1", "noise": "5"})"),
              HasSubstr("gate.json: /noise: expected a relative threshold"));
  EXPECT_THAT(ParseError(R"({"schema": "agentreplay.gate/v1", "noise": -1})"),
              HasSubstr("gate.json: /noise: expected a non-negative threshold"));
  EXPECT_THAT(ParseError(R"({"schema": "agentreplay.gate/v1", "metrics": {"e2e": {}}})"),
              HasSubstr("gate.json: /metrics/e2e: unknown metric"));
  EXPECT_THAT(
      ParseError(R"({"schema": "agentreplay.gate/v1", "metrics": {"e2e_ms": {"thresold": 1}}})"),
      HasSubstr("gate.json: /metrics/e2e_ms/thresold: unknown member"));
  EXPECT_THAT(ParseError(R"({"schema": "agentreplay.gate/v1", "cells": ["scenario=a", "sc=b"]})"),
              HasSubstr("gate.json: /cells/1: selector \"sc=b\": unknown key \"sc\""));
  EXPECT_EQ(ParseError(R"({"schema": "agentreplay.gate/v1", "new_cells": "warn"})"),
            "gate.json: /new_cells: expected \"fail\" or \"ignore\"");
  EXPECT_EQ(ParseError(R"({"schema": "agentreplay.gate/v1", "min_samples": 0})"),
            "gate.json: /min_samples: expected a positive integer");
  // Every problem, one per line.
  EXPECT_EQ(ParseError(R"({"schema": "agentreplay.gate/v1", "alpha": 2, "new_cells": 1})"),
            "gate.json: /alpha: expected a number in (0, 1)\n"
            "gate.json: /new_cells: expected \"fail\" or \"ignore\"");
}

// A gate file nested 200,000 levels deep once overflowed the recursive parser's stack and killed
// `compare --gate`; now it is a located error.
TEST(GateTest, DeepNestingIsALocatedErrorNotACrash) {
  EXPECT_EQ(
      ParseError("{\"schema\": \"agentreplay.gate/v1\",\n\"metrics\": " + std::string(200000, '[')),
      "gate.json:2:523: invalid JSON: Nesting deeper than 512 levels.");
}

TEST(GateTest, UnreadableFileNamesIt) {
  auto loaded = LoadGateFile("/nonexistent/gate.json");
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error(), "/nonexistent/gate.json: cannot read file: No such file or directory");
}

// RapidJSON validates draft-04: rename 2020-12's $defs so it follows the references. Keywords it
// does not know ("propertyNames", draft-06) are ignored by it.
std::string AsDraft04(std::string text) {
  for (const auto& [from, to] :
       {std::pair<std::string, std::string>{"\"$defs\":", "\"definitions\":"},
        {"\"#/$defs/", "\"#/definitions/"}}) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
      text.replace(at, from.size(), to);
    }
  }
  return text;
}

TEST(GateTest, ShippedExampleLoadsAndMatchesTheSchema) {
  const std::string dir = AGENTREPLAY_SCENARIOS_DIR;
  auto loaded = LoadGateFile(dir + "/gates/default.json");
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  EXPECT_NE(loaded->Find("polls"), nullptr);

  rapidjson::Document schema_json;
  schema_json.Parse(AsDraft04(Slurp(dir + "/schemas/gate.schema.json")).c_str());
  ASSERT_FALSE(schema_json.HasParseError());
  const rapidjson::SchemaDocument schema(schema_json);
  auto validates = [&](const std::string& text) {
    rapidjson::SchemaValidator validator(schema);
    rapidjson::Document doc;
    doc.Parse(text.c_str());
    return !doc.HasParseError() && doc.Accept(validator);
  };
  EXPECT_TRUE(validates(Slurp(dir + "/gates/default.json")));
  EXPECT_TRUE(validates(R"({"schema": "agentreplay.gate/v1"})"));
  EXPECT_FALSE(validates(R"({"schema": "agentreplay.gate/v1", "alpah": 0.1})"));
  EXPECT_FALSE(validates(R"({"schema": "agentreplay.gate/v1", "noise": "5"})"));
  EXPECT_FALSE(validates(R"({"schema": "agentreplay.gate/v1", "new_cells": "warn"})"));
}

}  // namespace
}  // namespace agentreplay::reports
