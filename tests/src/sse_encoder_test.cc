// The SSE encoder: exact framing, and byte-for-byte agreement with recorded OpenAI streams.
#include "sse/sse_encoder.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sse/sse_decoder.h"

namespace agentreplay {
namespace {

TEST(SseEncoderTest, TypedEventIsEventLineDataLineBlankLine) {
  EXPECT_EQ(EncodeSseEvent("response.created", R"({"a":1})"),
            "event: response.created\ndata: {\"a\":1}\n\n");
}

TEST(SseEncoderTest, UntypedEventHasNoEventLine) {
  EXPECT_EQ(EncodeSseEvent("", "[DONE]"), "data: [DONE]\n\n");
}

TEST(SseEncoderTest, EachLineOfDataGetsItsOwnDataLine) {
  EXPECT_EQ(EncodeSseEvent("x", "a\nb\nc"), "event: x\ndata: a\ndata: b\ndata: c\n\n");
}

TEST(SseEncoderTest, CarriageReturnsEndLinesToo) {
  // A CR left inside a data line would end the line at the decoder and corrupt the event.
  EXPECT_EQ(EncodeSseEvent("", "a\r\nb\rc"), "data: a\ndata: b\ndata: c\n\n");
}

TEST(SseEncoderTest, EmptyAndTrailingLinesArePreserved) {
  EXPECT_EQ(EncodeSseEvent("", ""), "data: \n\n");
  EXPECT_EQ(EncodeSseEvent("", "a\n"), "data: a\ndata: \n\n");
  EXPECT_EQ(EncodeSseEvent("", "a\n\nb"), "data: a\ndata: \ndata: b\n\n");
}

TEST(SseEncoderTest, AppendAddsToWhatIsThere) {
  std::string out = "data: first\n\n";
  AppendSseEvent(out, "second", "2");
  EXPECT_EQ(out, "data: first\n\nevent: second\ndata: 2\n\n");
}

TEST(SseEncoderTest, CommentIsColonLineAndBlankLine) {
  std::string out;
  AppendSseComment(out, "keep-alive");
  EXPECT_EQ(out, ": keep-alive\n\n");
  out.clear();
  AppendSseComment(out, "a\nb");
  EXPECT_EQ(out, ": a\n: b\n\n");
}

TEST(SseEncoderTest, RoundTripsThroughTheDecoder) {
  const std::vector<std::pair<std::string, std::string>> events = {
      {"response.created", R"({"type":"response.created"})"},
      {"", "multi\nline\n"},
      {"t", ""},
      {"t", "caf\xC3\xA9"},
  };
  std::string stream;
  for (const auto& [type, data] : events) AppendSseEvent(stream, type, data);
  AppendSseComment(stream, "ping");
  SseDecoder decoder;
  std::vector<SseEvent> decoded;
  decoder.Feed(stream, decoded);
  EXPECT_FALSE(decoder.Finish());
  ASSERT_EQ(decoded.size(), events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(decoded[i].type, events[i].first.empty() ? "message" : events[i].first);
    EXPECT_EQ(decoded[i].data, events[i].second);
  }
}

std::string RecordedBody(const std::string& name) {
  std::ifstream in(std::string(AGENTREPLAY_FIXTURES_DIR) + "/" + name, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  rapidjson::Document doc;
  doc.Parse(text.str().c_str());
  EXPECT_FALSE(doc.HasParseError()) << name;
  std::string body;
  for (const auto& line : doc["Entries"][0]["ResponseBody"].GetArray()) body += line.GetString();
  return body;
}

// Re-encodes every (event, data) pair of a recorded stream and expects the recording's bytes.
TEST(SseEncoderTest, ReproducesRecordedResponsesStreamsByteForByte) {
  for (const char* name :
       {"dotnet-responses-streaming-text.json", "dotnet-responses-function-call-streaming.json"}) {
    SCOPED_TRACE(name);
    const std::string recorded = RecordedBody(name);
    ASSERT_FALSE(recorded.empty());
    std::string encoded;
    size_t pos = 0;
    int events = 0;
    while (pos < recorded.size()) {
      const size_t end = recorded.find("\n\n", pos);
      ASSERT_NE(end, std::string::npos);
      const std::string block = recorded.substr(pos, end - pos);
      const size_t nl = block.find('\n');
      ASSERT_TRUE(block.starts_with("event: ") && nl != std::string::npos);
      ASSERT_EQ(block.compare(nl + 1, 6, "data: "), 0);
      AppendSseEvent(encoded, block.substr(7, nl - 7), block.substr(nl + 7));
      ++events;
      pos = end + 2;
    }
    EXPECT_GT(events, 10);
    EXPECT_EQ(encoded, recorded);
  }
}

}  // namespace
}  // namespace agentreplay
