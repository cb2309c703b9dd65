// scenarios/schemas/results.schema.json: it parses, and what ResultsToJson writes conforms to it.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/schema.h>

#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "results/results_json.h"
#include "tests/results/sample_results.h"

namespace agentreplay::results {
namespace {

std::string SchemaText() {
  std::ifstream in(std::string(AGENTREPLAY_SCENARIOS_DIR) + "/schemas/results.schema.json");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

rapidjson::Document Parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  return doc;
}

// RapidJSON's validator implements draft-04, which spells $defs "definitions" and only resolves
// references into that member; rename them so it can follow the 2020-12 schema's references.
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

TEST(ResultsSchemaTest, ParsesAndIsDraft202012) {
  const rapidjson::Document schema = Parse(SchemaText());
  ASSERT_FALSE(schema.HasParseError()) << "offset " << schema.GetErrorOffset();
  ASSERT_TRUE(schema.IsObject());
  EXPECT_STREQ(schema["$schema"].GetString(), "https://json-schema.org/draft/2020-12/schema");
  EXPECT_STREQ(schema["properties"]["schema"]["const"].GetString(), kResultsSchemaV1);
}

// RapidJSON checks the draft-04 subset of the schema (types, required, additionalProperties,
// $ref; not if/then/else or const), which is what catches the writer and the schema drifting apart.
bool Validates(const rapidjson::Document& schema_json, const std::string& text) {
  const rapidjson::SchemaDocument schema(schema_json);
  rapidjson::SchemaValidator validator(schema);
  const rapidjson::Document doc = Parse(text);
  return !doc.HasParseError() && doc.Accept(validator);
}

TEST(ResultsSchemaTest, WrittenDocumentsValidate) {
  const rapidjson::Document schema = Parse(AsDraft04(SchemaText()));
  ASSERT_FALSE(schema.HasParseError());
  const std::string text = ResultsToJson(reports::fixtures::SampleResults());
  EXPECT_TRUE(Validates(schema, text));
  Results no_cells;
  no_cells.context.world = "sim";
  no_cells.context.repetitions = 1;
  EXPECT_TRUE(Validates(schema, ResultsToJson(no_cells)));
  // And the schema is closed where the model is.
  std::string extra = text;
  extra.replace(extra.find("\"turn\""), 6, "\"turns\"");
  EXPECT_FALSE(Validates(schema, extra));
  std::string wrong_type = text;
  wrong_type.replace(wrong_type.find("\"p50\": 852"), 10, "\"p50\": \"852\"");
  EXPECT_FALSE(Validates(schema, wrong_type));
  // The enumerations and ranges the reader enforces (results_validate.h) are the schema's too.
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"\"world\": \"sim\"", "\"world\": \"mars\""},
           {"\"runtime\": \"responses\"", "\"runtime\": \"grpc\""},
           {"\"repetitions\": 3", "\"repetitions\": -3"},
           {"\"error_samples\": 0", "\"error_samples\": -1"},
           {"\"count\": 3", "\"count\": -3"},
           {"\"scenario\": \"weather\"", "\"scenario\": \"\""},
           {"\"responses.create\": 3", "\"responses.create\": -3"}}) {
    std::string bad = text;
    ASSERT_NE(bad.find(from), std::string::npos) << from;
    bad.replace(bad.find(from), from.size(), to);
    EXPECT_FALSE(Validates(schema, bad)) << to;
  }
}

}  // namespace
}  // namespace agentreplay::results
