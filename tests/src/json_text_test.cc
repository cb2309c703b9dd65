// The bounded JSON parser every outside text goes through: deep nesting is an error with a
// place, never a stack overflow, and within the bound it parses exactly as RapidJSON's DOM does.
#include "json/json_text.h"

#include <gtest/gtest.h>

#include <string>

namespace agentreplay::json {
namespace {

std::string NestedArrays(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

std::string NestedObjects(std::size_t depth) {
  std::string text;
  for (std::size_t i = 0; i < depth; ++i) text += "{\"a\":";
  text += "1";
  text += std::string(depth, '}');
  return text;
}

TEST(JsonTextTest, NestingAtTheBoundParses) {
  rapidjson::Document doc;
  EXPECT_FALSE(ParseDocument(NestedArrays(kMaxDepth), doc));
  EXPECT_TRUE(doc.IsArray());
  EXPECT_FALSE(ParseDocument(NestedObjects(kMaxDepth), doc));
  EXPECT_TRUE(doc.IsObject());
}

TEST(JsonTextTest, NestingPastTheBoundIsAnErrorAtTheLevelThatExceedsIt) {
  rapidjson::Document doc;
  const auto error = ParseDocument(NestedArrays(kMaxDepth + 1), doc);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->what, "Nesting deeper than 512 levels.");
  EXPECT_EQ(error->offset, kMaxDepth);  // the bracket that went too deep
  EXPECT_TRUE(doc.IsNull());
}

// The inputs that killed the program: 300,000 levels of arrays, objects, and an unclosed text.
TEST(JsonTextTest, HundredsOfThousandsOfLevelsAreRefusedWithoutRecursion) {
  rapidjson::Document doc;
  for (const std::string& text :
       {NestedArrays(300'000), NestedObjects(300'000), std::string(300'000, '[')}) {
    const auto error = ParseDocument(text, doc);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->what, "Nesting deeper than 512 levels.");
  }
  EXPECT_FALSE(Parse(NestedArrays(300'000), doc));
}

TEST(JsonTextTest, ASmallerBoundIsHonoured) {
  rapidjson::Document doc;
  EXPECT_FALSE(ParseDocument(NestedArrays(3), doc, 3));
  const auto error = ParseDocument(NestedArrays(4), doc, 3);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->what, "Nesting deeper than 3 levels.");
}

TEST(JsonTextTest, SyntaxErrorsAreWhereTheDomParserPutsThem) {
  for (const std::string text : {"{\"a\":}", "[1,2", "", "{\"a\" 1}", "[1] x", "\"x"}) {
    rapidjson::Document reference;
    reference.Parse(text.data(), text.size());
    ASSERT_TRUE(reference.HasParseError()) << text;
    rapidjson::Document doc;
    const auto error = ParseDocument(text, doc);
    ASSERT_TRUE(error) << text;
    EXPECT_EQ(error->offset, reference.GetErrorOffset()) << text;
    const Status status = Parse(text, doc);
    ASSERT_FALSE(status);
    EXPECT_NE(status.error().find("at offset"), std::string::npos);
  }
}

TEST(JsonTextTest, ParsesValuesExactlyAsTheDomParserDoes) {
  const std::string text =
      R"({"s":"h\u00e9","i":-3,"u":18446744073709551615,"d":1.5e300,"b":[true,false,null],)"
      R"("o":{"k":{}}})";
  rapidjson::Document reference;
  reference.Parse(text.data(), text.size());
  rapidjson::Document doc;
  ASSERT_FALSE(ParseDocument(text, doc));
  EXPECT_EQ(doc, reference);
  EXPECT_EQ(Compact(doc), Compact(reference));
}

TEST(JsonTextTest, FlagsReachTheReader) {
  rapidjson::Document doc;
  const std::string bad_utf8 = "\"\xff\"";
  EXPECT_FALSE(ParseDocument(bad_utf8, doc));
  EXPECT_TRUE(ParseDocument<rapidjson::kParseValidateEncodingFlag>(bad_utf8, doc));
}

TEST(JsonTextTest, AFailedParseLeavesNoEarlierValueBehind) {
  rapidjson::Document doc;
  ASSERT_FALSE(ParseDocument("{\"a\":1}", doc));
  ASSERT_TRUE(ParseDocument("{\"a\":", doc));
  EXPECT_TRUE(doc.IsNull());
}

}  // namespace
}  // namespace agentreplay::json
