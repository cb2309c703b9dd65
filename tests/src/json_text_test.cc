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

// Full precision is exact conversion: RapidJSON 1.1's own gave 2.2e158 for "0e100" and read past
// a table for long significands (found by fuzzing the results reader).
TEST(JsonTextTest, FullPrecisionNumbersAreConvertedExactly) {
  constexpr unsigned kFull = rapidjson::kParseFullPrecisionFlag;
  rapidjson::Document doc;
  ASSERT_FALSE(ParseDocument<kFull>(
      R"([0e100, -0e-30, 0.1, 64596.843592, 1.7976931348623157e308, 12345678901234567890123e285,)"
      R"( 4.9e-324, 1e-400, 7, -7, 18446744073709551615, 18446744073709551616, -9223372036854775809])",
      doc));
  ASSERT_TRUE(doc.IsArray());
  EXPECT_EQ(doc[0].GetDouble(), 0.0);
  EXPECT_EQ(doc[1].GetDouble(), 0.0);
  EXPECT_EQ(doc[2].GetDouble(), 0.1);
  EXPECT_EQ(doc[3].GetDouble(), 64596.843592);
  EXPECT_EQ(doc[4].GetDouble(), 1.7976931348623157e308);
  EXPECT_EQ(doc[5].GetDouble(), 1.2345678901234568e307);
  EXPECT_EQ(doc[6].GetDouble(), 4.9e-324);
  EXPECT_EQ(doc[7].GetDouble(), 0.0);  // underflow rounds to zero, as RapidJSON does
  EXPECT_TRUE(doc[8].IsInt());
  EXPECT_EQ(doc[8].GetInt(), 7);
  EXPECT_EQ(doc[9].GetInt(), -7);
  EXPECT_TRUE(doc[10].IsUint64());
  EXPECT_EQ(doc[10].GetUint64(), 18446744073709551615u);
  EXPECT_EQ(doc[11].GetDouble(), 18446744073709551616.0);
  EXPECT_EQ(doc[12].GetDouble(), -9223372036854775809.0);
  const auto error = ParseDocument<kFull>("[1, 1e400]", doc);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->what, "Number too big to be stored in double.");
}

TEST(JsonTextTest, AFailedParseLeavesNoEarlierValueBehind) {
  rapidjson::Document doc;
  ASSERT_FALSE(ParseDocument("{\"a\":1}", doc));
  ASSERT_TRUE(ParseDocument("{\"a\":", doc));
  EXPECT_TRUE(doc.IsNull());
}

}  // namespace
}  // namespace agentreplay::json
