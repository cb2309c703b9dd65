#include "sse/sse_decoder.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstdint>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace agentreplay {
namespace {

using std::string_view_literals::operator""sv;

// (type, data, id): comparable and printable by GoogleTest, unlike SseEvent itself.
using Ev = std::tuple<std::string, std::string, std::string>;

std::vector<Ev> Flatten(const std::vector<SseEvent>& events) {
  std::vector<Ev> flat;
  flat.reserve(events.size());
  for (const auto& e : events) flat.emplace_back(e.type, e.data, e.id);
  return flat;
}

struct Decoded {
  std::vector<Ev> events;
  bool truncated = false;
  uint64_t bytes = 0;
};

// Feeds `chunks` in order to a fresh decoder, then finishes the stream.
Decoded DecodeChunks(const std::vector<std::string_view>& chunks) {
  SseDecoder decoder;
  std::vector<SseEvent> out;
  for (std::string_view chunk : chunks) decoder.Feed(chunk, out);
  Decoded result;
  result.truncated = decoder.Finish();
  result.bytes = decoder.bytes_consumed();
  result.events = Flatten(out);
  return result;
}

std::vector<Ev> Decode(std::string_view stream) { return DecodeChunks({stream}).events; }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The SSE bodies recorded in a fixture, each one stream: a .sse file is one raw body; in the
// .json recordings an SSE body is an array of raw lines, while JSON bodies are objects.
std::vector<std::string> LoadSseBodies(const std::string& name) {
  const std::string text = ReadFile(std::string(AGENTREPLAY_FIXTURES_DIR) + "/" + name);
  if (name.ends_with(".sse")) return {text};
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  EXPECT_FALSE(doc.HasParseError()) << name;
  std::vector<std::string> bodies;
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("Entries")) return bodies;
  for (const auto& entry : doc["Entries"].GetArray()) {
    if (!entry.HasMember("ResponseBody") || !entry["ResponseBody"].IsArray()) continue;
    std::string body;
    for (const auto& line : entry["ResponseBody"].GetArray()) {
      body.append(line.GetString(), line.GetStringLength());
    }
    bodies.push_back(std::move(body));
  }
  return bodies;
}

bool SameEvents(const std::vector<SseEvent>& a, const std::vector<SseEvent>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].type != b[i].type || a[i].data != b[i].data || a[i].id != b[i].id) return false;
  }
  return true;
}

// Decodes `stream` whole, then split in two at every byte position, and checks every split gives
// the same events and a clean end. Returns the events of the whole feed.
std::vector<SseEvent> ExpectSameAtEverySplit(std::string_view stream) {
  std::vector<SseEvent> whole;
  {
    SseDecoder decoder;
    decoder.Feed(stream, whole);
    EXPECT_FALSE(decoder.Finish());
    EXPECT_EQ(decoder.bytes_consumed(), stream.size());
  }
  std::vector<SseEvent> split;
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    SseDecoder decoder;
    split.clear();
    decoder.Feed(stream.substr(0, cut), split);
    decoder.Feed(stream.substr(cut), split);
    const bool truncated = decoder.Finish();
    if (truncated || !SameEvents(whole, split)) {
      ADD_FAILURE() << "split at byte " << cut << " of " << stream.size()
                    << " differs from the whole feed";
      break;
    }
  }
  return whole;
}

std::vector<SseEvent> DecodeByteAtATime(std::string_view stream, bool* truncated) {
  SseDecoder decoder;
  std::vector<SseEvent> out;
  for (size_t i = 0; i < stream.size(); ++i) decoder.Feed(stream.substr(i, 1), out);
  *truncated = decoder.Finish();
  return out;
}

rapidjson::Document ParseJson(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  EXPECT_FALSE(doc.HasParseError()) << text;
  return doc;
}

// Every event of a recorded stream carries one JSON document, except the final "[DONE]".
void ExpectJsonData(const std::vector<SseEvent>& events) {
  for (const auto& e : events) {
    if (e.data == "[DONE]") continue;
    rapidjson::Document doc;
    doc.Parse(e.data.data(), e.data.size());
    EXPECT_FALSE(doc.HasParseError()) << e.type << ": " << e.data;
  }
}

int CountType(const std::vector<SseEvent>& events, std::string_view type) {
  int n = 0;
  for (const auto& e : events) n += e.type == type ? 1 : 0;
  return n;
}

// A stream exercising every rule at once, small enough to split at all pairs of positions.
constexpr std::string_view kTrickyStream =
    "\xEF\xBB\xBF"
    ": comment\r\n"
    "retry: 1500\r"
    "id: 7\n"
    "event: greet\r\n"
    "data: h\xC3\xA9llo \xE2\x82\xAC\r"
    "data:\xF0\x9D\x84\x9E\n"
    "\r\n"
    "data\r"
    "\r"
    "event: skipped\n"
    "\n"
    "data:  two spaces\n"
    "unknown: field\r\n"
    "\n";

std::vector<Ev> TrickyStreamEvents() {
  return {
      Ev{"greet", "h\xC3\xA9llo \xE2\x82\xAC\n\xF0\x9D\x84\x9E", "7"},
      Ev{"message", "", "7"},
      Ev{"message", " two spaces", "7"},
  };
}

// ---------------------------------------------------------------------------------------------
// Recorded fixtures.

TEST(SseDecoderTest, ResponsesTextFixtureSplitAtEveryByte) {
  const auto bodies = LoadSseBodies("dotnet-responses-streaming-text.json");
  ASSERT_EQ(bodies.size(), 1u);
  const auto events = ExpectSameAtEverySplit(bodies[0]);
  ASSERT_EQ(events.size(), 17u);
  EXPECT_EQ(events.front().type, "response.created");
  EXPECT_EQ(events[1].type, "response.in_progress");
  EXPECT_EQ(events.back().type, "response.completed");
  EXPECT_EQ(CountType(events, "response.output_text.delta"), 9);
  ExpectJsonData(events);
  std::string text;
  for (const auto& e : events) {
    if (e.type != "response.output_text.delta") continue;
    text += ParseJson(e.data)["delta"].GetString();
  }
  EXPECT_EQ(text, "Hello! How can I assist you today?");
  for (const auto& e : events) EXPECT_EQ(e.id, "");
}

TEST(SseDecoderTest, ResponsesFunctionCallFixtureSplitAtEveryByte) {
  const auto bodies = LoadSseBodies("dotnet-responses-function-call-streaming.json");
  ASSERT_EQ(bodies.size(), 1u);
  const auto events = ExpectSameAtEverySplit(bodies[0]);
  ASSERT_EQ(events.size(), 14u);
  EXPECT_EQ(events.front().type, "response.created");
  EXPECT_EQ(events.back().type, "response.completed");
  EXPECT_EQ(CountType(events, "response.function_call_arguments.delta"), 8);
  ExpectJsonData(events);
  std::string arguments;
  for (const auto& e : events) {
    if (e.type != "response.function_call_arguments.delta") continue;
    arguments += ParseJson(e.data)["delta"].GetString();
  }
  EXPECT_EQ(arguments, R"({"location":"San Francisco, CA"})");
}

TEST(SseDecoderTest, AssistantsRunFixtureSplitAtEveryByte) {
  const auto bodies = LoadSseBodies("dotnet-assistants-streaming-run.json");
  ASSERT_EQ(bodies.size(), 1u);
  const auto events = ExpectSameAtEverySplit(bodies[0]);
  ASSERT_EQ(events.size(), 44u);
  EXPECT_EQ(events.front().type, "thread.run.created");
  EXPECT_EQ(CountType(events, "thread.message.delta"), 33);
  EXPECT_EQ(events[events.size() - 2].type, "thread.run.completed");
  EXPECT_EQ(events.back().type, "done");
  EXPECT_EQ(events.back().data, "[DONE]");
  ExpectJsonData(events);
}

TEST(SseDecoderTest, AssistantsToolCallFixtureSplitAtEveryByte) {
  const auto bodies = LoadSseBodies("dotnet-assistants-streaming-tool-call.json");
  // The run stream stops at requires_action; submitting the tool output opens a second stream.
  ASSERT_EQ(bodies.size(), 2u);
  const auto first = ExpectSameAtEverySplit(bodies[0]);
  ASSERT_EQ(first.size(), 10u);
  EXPECT_EQ(first.front().type, "thread.created");
  EXPECT_EQ(first[first.size() - 2].type, "thread.run.requires_action");
  EXPECT_EQ(first.back().type, "done");
  EXPECT_EQ(first.back().data, "[DONE]");
  ExpectJsonData(first);
  const auto second = ExpectSameAtEverySplit(bodies[1]);
  ASSERT_EQ(second.size(), 51u);
  EXPECT_EQ(second.front().type, "thread.run.step.completed");
  EXPECT_EQ(CountType(second, "thread.message.delta"), 40);
  EXPECT_EQ(second.back().type, "done");
  EXPECT_EQ(second.back().data, "[DONE]");
  ExpectJsonData(second);
}

TEST(SseDecoderTest, ChatParallelToolCallsFixtureSplitAtEveryByte) {
  const auto bodies = LoadSseBodies("python-chat-parallel-tool-calls.sse");
  ASSERT_EQ(bodies.size(), 1u);
  const auto events = ExpectSameAtEverySplit(bodies[0]);
  ASSERT_EQ(events.size(), 26u);
  EXPECT_EQ(CountType(events, "message"), 26);
  EXPECT_EQ(events.back().data, "[DONE]");
  ExpectJsonData(events);
  EXPECT_EQ(events.front().data.rfind(R"({"id":"chatcmpl-)", 0), 0u) << events.front().data;
}

TEST(SseDecoderTest, ChatTextWithUsageFixtureSplitAtEveryByte) {
  const auto bodies = LoadSseBodies("python-chat-text-with-usage.sse");
  ASSERT_EQ(bodies.size(), 1u);
  const auto events = ExpectSameAtEverySplit(bodies[0]);
  ASSERT_EQ(events.size(), 34u);
  EXPECT_EQ(CountType(events, "message"), 34);
  EXPECT_EQ(events.back().data, "[DONE]");
  ExpectJsonData(events);
  std::string text;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    const auto doc = ParseJson(events[i].data);
    for (const auto& choice : doc["choices"].GetArray()) {
      const auto& delta = choice["delta"];
      if (delta.HasMember("content") && delta["content"].IsString()) {
        text += delta["content"].GetString();
      }
    }
  }
  EXPECT_EQ(text,
            "I'm unable to provide real-time weather updates. To get the current weather in San "
            "Francisco, I recommend checking a reliable weather website or a weather app.");
}

TEST(SseDecoderTest, FixtureWithCrlfOrCrLineEndsSplitAtEveryByte) {
  const auto bodies = LoadSseBodies("dotnet-responses-streaming-text.json");
  ASSERT_EQ(bodies.size(), 1u);
  const auto expected = Decode(bodies[0]);
  ASSERT_EQ(expected.size(), 17u);
  std::string crlf;
  std::string cr;
  for (char c : bodies[0]) {
    crlf += c == '\n' ? "\r\n" : std::string(1, c);
    cr += c == '\n' ? '\r' : c;
  }
  EXPECT_EQ(Flatten(ExpectSameAtEverySplit(crlf)), expected);
  EXPECT_EQ(Flatten(ExpectSameAtEverySplit(cr)), expected);
}

TEST(SseDecoderTest, FixturesFedByteAtATimeMatchWholeFeed) {
  for (const char* name :
       {"dotnet-responses-streaming-text.json", "dotnet-responses-function-call-streaming.json",
        "dotnet-assistants-streaming-run.json", "dotnet-assistants-streaming-tool-call.json",
        "python-chat-parallel-tool-calls.sse", "python-chat-text-with-usage.sse"}) {
    for (const auto& body : LoadSseBodies(name)) {
      bool truncated = true;
      const auto events = Flatten(DecodeByteAtATime(body, &truncated));
      EXPECT_FALSE(truncated) << name;
      EXPECT_EQ(events, Decode(body)) << name;
      EXPECT_FALSE(events.empty()) << name;
    }
  }
}

TEST(SseDecoderTest, FixtureSplitInThreeAtRandomPositions) {
  const auto bodies = LoadSseBodies("dotnet-responses-streaming-text.json");
  ASSERT_EQ(bodies.size(), 1u);
  const std::string_view stream = bodies[0];
  const auto expected = Decode(stream);
  ASSERT_EQ(expected.size(), 17u);
  // All pairs of cuts would be ~21 million decodes; a fixed-seed sample keeps failures
  // reproducible. mt19937's output sequence is fixed by the standard, unlike distributions.
  std::mt19937 rng(20250916);
  for (int i = 0; i < 3000; ++i) {
    size_t a = rng() % (stream.size() + 1);
    size_t b = rng() % (stream.size() + 1);
    if (a > b) std::swap(a, b);
    const auto got = DecodeChunks({stream.substr(0, a), stream.substr(a, b - a), stream.substr(b)});
    ASSERT_EQ(got.events, expected) << "cuts at " << a << " and " << b;
    ASSERT_FALSE(got.truncated) << "cuts at " << a << " and " << b;
  }
}

// ---------------------------------------------------------------------------------------------
// A small stream with every rule in it, under every split.

TEST(SseDecoderTest, TrickyStreamDecodesAsSpecified) {
  SseDecoder decoder;
  std::vector<SseEvent> out;
  decoder.Feed(kTrickyStream, out);
  EXPECT_EQ(Flatten(out), TrickyStreamEvents());
  EXPECT_EQ(decoder.retry_ms(), 1500);
  EXPECT_EQ(decoder.last_event_id(), "7");
  EXPECT_EQ(decoder.bytes_consumed(), kTrickyStream.size());
  EXPECT_FALSE(decoder.Finish());
}

TEST(SseDecoderTest, TrickyStreamSplitInThreeAtAllPairsOfPositions) {
  const auto expected = TrickyStreamEvents();
  const std::string_view s = kTrickyStream;
  for (size_t a = 0; a <= s.size(); ++a) {
    for (size_t b = a; b <= s.size(); ++b) {
      const auto got = DecodeChunks({s.substr(0, a), s.substr(a, b - a), s.substr(b)});
      ASSERT_EQ(got.events, expected) << "cuts at " << a << " and " << b;
      ASSERT_FALSE(got.truncated) << "cuts at " << a << " and " << b;
      ASSERT_EQ(got.bytes, s.size());
    }
  }
}

TEST(SseDecoderTest, TrickyStreamFedByteAtATimeMatchesWholeFeed) {
  bool truncated = true;
  EXPECT_EQ(Flatten(DecodeByteAtATime(kTrickyStream, &truncated)), TrickyStreamEvents());
  EXPECT_FALSE(truncated);
}

// ---------------------------------------------------------------------------------------------
// One rule per test.

TEST(SseDecoderTest, LfEndsLines) {
  EXPECT_EQ(Decode("event: a\ndata: 1\n\ndata: 2\n\n"),
            (std::vector<Ev>{{"a", "1", ""}, {"message", "2", ""}}));
}

TEST(SseDecoderTest, CrEndsLines) {
  EXPECT_EQ(Decode("event: a\rdata: 1\r\rdata: 2\r\r"),
            (std::vector<Ev>{{"a", "1", ""}, {"message", "2", ""}}));
}

TEST(SseDecoderTest, CrlfEndsLines) {
  EXPECT_EQ(Decode("event: a\r\ndata: 1\r\n\r\ndata: 2\r\n\r\n"),
            (std::vector<Ev>{{"a", "1", ""}, {"message", "2", ""}}));
}

TEST(SseDecoderTest, MixedLineEnds) {
  // "\n\r" is two line ends (LF, then CR), so it closes the first event.
  EXPECT_EQ(Decode("data: 1\n\rdata: 2\r\ndata: 3\r\r\ndata: 4\n\r\n"),
            (std::vector<Ev>{{"message", "1", ""}, {"message", "2\n3", ""}, {"message", "4", ""}}));
}

TEST(SseDecoderTest, CrlfSplitAcrossFeedsIsOneLineEnd) {
  SseDecoder decoder;
  std::vector<SseEvent> out;
  decoder.Feed("data: a\r", out);
  // Were the LF a second line end, it would be a blank line and dispatch "a" on its own.
  decoder.Feed("\ndata: b\r", out);
  EXPECT_TRUE(out.empty());
  decoder.Feed("\n\r", out);
  EXPECT_EQ(Flatten(out), (std::vector<Ev>{{"message", "a\nb", ""}}));
  // This LF completes the CRLF of the blank line; it is not a second blank line.
  decoder.Feed("\ndata: c\n", out);
  decoder.Feed("\n", out);
  EXPECT_EQ(Flatten(out), (std::vector<Ev>{{"message", "a\nb", ""}, {"message", "c", ""}}));
  EXPECT_FALSE(decoder.Finish());
}

TEST(SseDecoderTest, CrAtEndOfFeedThenLfAfterEmptyFeed) {
  SseDecoder decoder;
  std::vector<SseEvent> out;
  decoder.Feed("data: a\r", out);
  decoder.Feed("", out);  // an empty read must not forget the pending CR
  decoder.Feed("\n", out);
  EXPECT_TRUE(out.empty());
  decoder.Feed("\r", out);
  EXPECT_EQ(Flatten(out), (std::vector<Ev>{{"message", "a", ""}}));
  EXPECT_FALSE(decoder.Finish());
}

TEST(SseDecoderTest, CrAtEndOfFeedThenCrIsBlankLine) {
  SseDecoder decoder;
  std::vector<SseEvent> out;
  decoder.Feed("data: a\r", out);
  decoder.Feed("\rdata: b\n\n", out);
  EXPECT_EQ(Flatten(out), (std::vector<Ev>{{"message", "a", ""}, {"message", "b", ""}}));
}

TEST(SseDecoderTest, MultiLineDataIsJoinedWithNewlines) {
  EXPECT_EQ(Decode("data: first\ndata: second\ndata:\ndata: fourth\n\n"),
            (std::vector<Ev>{{"message", "first\nsecond\n\nfourth", ""}}));
  // Only the final newline is removed.
  EXPECT_EQ(Decode("data: x\ndata:\n\n"), (std::vector<Ev>{{"message", "x\n", ""}}));
}

TEST(SseDecoderTest, OneSpaceAfterColonIsRemoved) {
  EXPECT_EQ(Decode("data:x\n\ndata: x\n\ndata:  x\n\ndata:\tx\n\ndata:x \n\n"),
            (std::vector<Ev>{{"message", "x", ""},
                             {"message", "x", ""},
                             {"message", " x", ""},
                             {"message", "\tx", ""},
                             {"message", "x ", ""}}));
  EXPECT_EQ(Decode("event:  spaced\ndata: a: b\n\n"), (std::vector<Ev>{{" spaced", "a: b", ""}}));
}

TEST(SseDecoderTest, CommentLinesAreIgnored) {
  EXPECT_EQ(Decode(": hello\ndata: a\n:\n: data: not data\ndata: b\n\n"),
            (std::vector<Ev>{{"message", "a\nb", ""}}));
  EXPECT_EQ(Decode(": keep-alive\n\n"), std::vector<Ev>{});
}

TEST(SseDecoderTest, EventTypeDefaultsToMessageAndResetsAfterDispatch) {
  EXPECT_EQ(
      Decode("data: a\n\nevent: custom\ndata: b\n\ndata: c\n\nevent:\ndata: d\n\n"),
      (std::vector<Ev>{
          {"message", "a", ""}, {"custom", "b", ""}, {"message", "c", ""}, {"message", "d", ""}}));
  // The last `event` line wins.
  EXPECT_EQ(Decode("event: one\nevent: two\ndata: x\n\n"), (std::vector<Ev>{{"two", "x", ""}}));
}

TEST(SseDecoderTest, IdPersistsAcrossEvents) {
  SseDecoder decoder;
  std::vector<SseEvent> out;
  decoder.Feed("id: 1\ndata: a\n\ndata: b\n\nid: 2\n\ndata: c\n\nid\ndata: d\n\n", out);
  // The id is set even by a block that dispatches nothing, and an empty id clears it.
  EXPECT_EQ(Flatten(out), (std::vector<Ev>{{"message", "a", "1"},
                                           {"message", "b", "1"},
                                           {"message", "c", "2"},
                                           {"message", "d", ""}}));
  EXPECT_EQ(decoder.last_event_id(), "");
  decoder.Feed("id: 3\n\n", out);
  EXPECT_EQ(decoder.last_event_id(), "3");
}

TEST(SseDecoderTest, IdContainingNulIsIgnored) {
  SseDecoder decoder;
  std::vector<SseEvent> out;
  decoder.Feed("id: good\ndata: a\n\nid: b\0d\ndata: b\n\n"sv, out);
  EXPECT_EQ(Flatten(out), (std::vector<Ev>{{"message", "a", "good"}, {"message", "b", "good"}}));
  EXPECT_EQ(decoder.last_event_id(), "good");
  // NUL in the data is kept: only the id rule rejects it.
  EXPECT_EQ(Decode("data: x\0y\n\n"sv), (std::vector<Ev>{{"message", std::string("x\0y", 3), ""}}));
}

TEST(SseDecoderTest, RetryAcceptsOnlyAsciiDigits) {
  SseDecoder decoder;
  std::vector<SseEvent> out;
  EXPECT_EQ(decoder.retry_ms(), std::nullopt);
  decoder.Feed("retry: 3000\n", out);
  EXPECT_EQ(decoder.retry_ms(), 3000);
  for (std::string_view bad : {"retry: 30x\n", "retry: -1\n", "retry: +5\n", "retry:\n", "retry\n",
                               "retry: 1.5\n", "retry:  100\n", "retry: 100 \n",
                               "retry: \xD9\xA1\n",  // ARABIC-INDIC DIGIT ONE
                               "retry: 99999999999999999999999\n"}) {
    decoder.Feed(bad, out);
    EXPECT_EQ(decoder.retry_ms(), 3000) << bad;
  }
  decoder.Feed("retry:0\n", out);
  EXPECT_EQ(decoder.retry_ms(), 0);
  decoder.Feed("retry: 007\n\n", out);
  EXPECT_EQ(decoder.retry_ms(), 7);
  EXPECT_TRUE(out.empty());
}

TEST(SseDecoderTest, LineWithoutColonIsFieldWithEmptyValue) {
  // "event" alone sets an empty type, hence "message"; "data" alone appends an empty line.
  EXPECT_EQ(Decode("event: x\nevent\ndata\ndata\ndata: z\n\n"),
            (std::vector<Ev>{{"message", "\n\nz", ""}}));
  // "data " (with a space) is a field named "data ", which is unknown.
  EXPECT_EQ(Decode("data \n\n"), std::vector<Ev>{});
}

TEST(SseDecoderTest, EmptyDataLineDispatchesEmptyData) {
  EXPECT_EQ(Decode("data\n\n"), (std::vector<Ev>{{"message", "", ""}}));
  EXPECT_EQ(Decode("data:\n\n"), (std::vector<Ev>{{"message", "", ""}}));
  EXPECT_EQ(Decode("event: ping\ndata: \n\n"), (std::vector<Ev>{{"ping", "", ""}}));
}

TEST(SseDecoderTest, BlankLineWithoutDataDoesNotDispatch) {
  // The type buffer is reset too, so it does not leak into the next event.
  EXPECT_EQ(Decode("\n\n\nevent: lonely\n\ndata: x\n\n"), (std::vector<Ev>{{"message", "x", ""}}));
  EXPECT_EQ(Decode("event: a\nunknown: b\n\n"), std::vector<Ev>{});
}

TEST(SseDecoderTest, UnknownFieldsAreIgnored) {
  EXPECT_EQ(Decode("foo: bar\nDATA: shout\nData: mixed\ndata: x\nEvent: E\n\n"),
            (std::vector<Ev>{{"message", "x", ""}}));
}

TEST(SseDecoderTest, LeadingBomIsStripped) {
  const std::vector<Ev> expected{{"message", "x", ""}};
  EXPECT_EQ(DecodeChunks({"\xEF\xBB\xBF"
                          "data: x\n\n"})
                .events,
            expected);
  EXPECT_EQ(DecodeChunks({"\xEF",
                          "\xBB\xBF"
                          "data: x\n\n"})
                .events,
            expected);
  EXPECT_EQ(DecodeChunks({"\xEF\xBB",
                          "\xBF"
                          "data: x\n\n"})
                .events,
            expected);
  EXPECT_EQ(DecodeChunks({"\xEF", "\xBB", "\xBF", "data: x\n\n"}).events, expected);
  EXPECT_EQ(DecodeChunks({"\xEF\xBB\xBF", "data: x\n\n"}).events, expected);
  EXPECT_EQ(DecodeChunks({"", "\xEF\xBB\xBF\n", "data: x\n\n"}).events, expected);
}

TEST(SseDecoderTest, BomIsStrippedOnlyOnce) {
  // The second BOM is part of the field name, which then is not "data".
  EXPECT_EQ(Decode("\xEF\xBB\xBF\xEF\xBB\xBF"
                   "data: x\n\n"),
            std::vector<Ev>{});
  EXPECT_EQ(DecodeChunks({"\xEF\xBB\xBF",
                          "\xEF\xBB\xBF"
                          "data: x\n\n"})
                .events,
            std::vector<Ev>{});
}

TEST(SseDecoderTest, BomLaterInStreamIsData) {
  EXPECT_EQ(Decode("data: a\n\n\xEF\xBB\xBF"
                   "data: b\n\ndata: \xEF\xBB\xBF"
                   "c\n\n"),
            (std::vector<Ev>{{"message", "a", ""},
                             {"message",
                              "\xEF\xBB\xBF"
                              "c",
                              ""}}));
  EXPECT_EQ(DecodeChunks({"data: a\n",
                          "\xEF\xBB\xBF"
                          "data: b\n\n"})
                .events,
            (std::vector<Ev>{{"message", "a", ""}}));
}

TEST(SseDecoderTest, PartialBomIsKeptAsLineBytes) {
  // "EF BB" then "d" is not a BOM: the two bytes open the first line, whose field name becomes
  // "\xEF\xBB" "data", so nothing is dispatched. Dropping them would dispatch "x".
  EXPECT_EQ(DecodeChunks({"\xEF\xBB", "data: x\n\n"}).events, std::vector<Ev>{});
  EXPECT_EQ(DecodeChunks({"\xEF",
                          "\xBB"
                          "data: x\n\ndata: y\n\n"})
                .events,
            (std::vector<Ev>{{"message", "y", ""}}));
  EXPECT_EQ(DecodeChunks({"\xEF\xBB", "\ndata: y\n\n"}).events,
            (std::vector<Ev>{{"message", "y", ""}}));
  EXPECT_EQ(Decode("\xEF\xBB\xBE"
                   "data: x\n\ndata: y\n\n"),
            (std::vector<Ev>{{"message", "y", ""}}));
}

TEST(SseDecoderTest, MultibyteUtf8SplitInsideSequenceRoundTrips) {
  // 2-, 3- and 4-byte sequences, plus bytes that are not valid UTF-8 at all: the decoder must
  // pass every byte through untouched whatever the split.
  const std::string payload = "h\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xFF\xC3";
  const std::string stream = "event: \xE2\x9C\x93\ndata: " + payload + "\n\n";
  const std::vector<Ev> expected{{"\xE2\x9C\x93", payload, ""}};
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    const std::string_view s = stream;
    const auto got = DecodeChunks({s.substr(0, cut), s.substr(cut)});
    EXPECT_EQ(got.events, expected) << "split at " << cut;
    EXPECT_FALSE(got.truncated) << "split at " << cut;
  }
}

TEST(SseDecoderTest, FinishReportsTruncatedStream) {
  EXPECT_TRUE(DecodeChunks({"data: x\n"}).truncated);   // event lacks its blank line
  EXPECT_TRUE(DecodeChunks({"data: x"}).truncated);     // line lacks its end
  EXPECT_TRUE(DecodeChunks({"data: x\r"}).truncated);   // CR ends the line, not the event
  EXPECT_TRUE(DecodeChunks({"event: a\n"}).truncated);  // any field counts
  EXPECT_TRUE(DecodeChunks({"id: 1\n"}).truncated);
  EXPECT_TRUE(DecodeChunks({": partial comment"}).truncated);
  EXPECT_TRUE(DecodeChunks({"data: a\n\nda"}).truncated);
  EXPECT_TRUE(DecodeChunks({"\xEF\xBB"}).truncated);  // stream cut inside its first bytes
  // The truncated event is discarded, not dispatched.
  EXPECT_EQ(DecodeChunks({"data: a\n\ndata: b\n"}).events, (std::vector<Ev>{{"message", "a", ""}}));
  EXPECT_EQ(DecodeChunks({"data: a\n\ndata: b"}).events, (std::vector<Ev>{{"message", "a", ""}}));
}

TEST(SseDecoderTest, FinishReportsCleanEnd) {
  EXPECT_FALSE(DecodeChunks({}).truncated);
  EXPECT_FALSE(DecodeChunks({""}).truncated);
  EXPECT_FALSE(DecodeChunks({"data: x\n\n"}).truncated);
  EXPECT_FALSE(DecodeChunks({"data: x\r\r"}).truncated);
  EXPECT_FALSE(DecodeChunks({"data: x\r\n\r"}).truncated);  // a missing final LF changes nothing
  EXPECT_FALSE(DecodeChunks({"data: x\n\n: keep-alive\n"}).truncated);  // comments are no fields
  EXPECT_FALSE(DecodeChunks({"event: a\n\n"}).truncated);  // blank line ended the (empty) event
  EXPECT_FALSE(DecodeChunks({"\xEF\xBB\xBF"}).truncated);
}

TEST(SseDecoderTest, FinishDiscardsPendingStateButKeepsIdAndRetry) {
  SseDecoder decoder;
  std::vector<SseEvent> out;
  decoder.Feed("id: 9\nretry: 50\n\nevent: t\ndata: lost\nda", out);
  EXPECT_TRUE(decoder.Finish());
  EXPECT_FALSE(decoder.Finish());
  // A later stream (a reconnection) starts afresh, BOM included, but keeps id and retry. The
  // discarded "da" must not prefix its first line, nor "event: t" type its first event.
  decoder.Feed(
      "\xEF\xBB\xBF"
      "ta: x\n\ndata: new\n\n",
      out);
  EXPECT_EQ(Flatten(out), (std::vector<Ev>{{"message", "new", "9"}}));
  EXPECT_EQ(decoder.retry_ms(), 50);
  EXPECT_FALSE(decoder.Finish());
  out.clear();
  decoder.Feed(
      "\xEF\xBB\xBF"
      "data: again\n\n",
      out);
  EXPECT_EQ(Flatten(out), (std::vector<Ev>{{"message", "again", "9"}}));
}

TEST(SseDecoderTest, BytesConsumedCountsEveryByte) {
  SseDecoder decoder;
  std::vector<SseEvent> out;
  decoder.Feed("\xEF\xBB", out);
  EXPECT_EQ(decoder.bytes_consumed(), 2u);
  decoder.Feed(
      "\xBF"
      "data: abc\r",
      out);
  EXPECT_EQ(decoder.bytes_consumed(), 13u);
  decoder.Feed("\n\n: c\n", out);
  EXPECT_EQ(decoder.bytes_consumed(), 19u);
  EXPECT_EQ(Flatten(out), (std::vector<Ev>{{"message", "abc", ""}}));
}

TEST(SseDecoderTest, EventsAreAppendedToCallerVector) {
  std::vector<SseEvent> out(1);
  out[0].type = "existing";
  SseDecoder decoder;
  decoder.Feed("data: a\n\ndata: b\n\n", out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].type, "existing");
  EXPECT_EQ(out[1].data, "a");
  EXPECT_EQ(out[2].data, "b");
}

TEST(SseDecoderTest, LongLinesAcrossManyFeeds) {
  const std::string big(100000, 'q');
  const std::string stream = "event: big\ndata: " + big + "\ndata: " + big + "\n\n";
  SseDecoder decoder;
  std::vector<SseEvent> out;
  const std::string_view view = stream;
  for (size_t i = 0; i < view.size(); i += 977) decoder.Feed(view.substr(i, 977), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, "big");
  EXPECT_EQ(out[0].data, big + "\n" + big);
  EXPECT_FALSE(decoder.Finish());
}

// The decoder's bound: one endless line, or an event of many data lines, stops it (overflowed)
// instead of growing; events within the bound decode as before.
TEST(SseDecoderBoundTest, AnEndlessLinePastTheBoundStopsTheDecoder) {
  SseDecoder decoder(64);
  std::vector<SseEvent> out;
  decoder.Feed("data: ok\n\n", out);
  ASSERT_EQ(out.size(), 1u);
  decoder.Feed("data: " + std::string(40, 'x'), out);
  EXPECT_FALSE(decoder.overflowed());
  decoder.Feed(std::string(40, 'x'), out);
  EXPECT_TRUE(decoder.overflowed());
  decoder.Feed("\n\ndata: later\n\n", out);  // ignored: the stream is broken
  EXPECT_EQ(out.size(), 1u);
}

TEST(SseDecoderBoundTest, AnEventOfManyDataLinesPastTheBoundStopsTheDecoder) {
  SseDecoder decoder(64);
  std::vector<SseEvent> out;
  for (int i = 0; i < 20; ++i) decoder.Feed("data: 0123456\n", out);
  EXPECT_TRUE(decoder.overflowed());
  EXPECT_TRUE(out.empty());
}

TEST(SseDecoderBoundTest, EventsUpToTheBoundDecode) {
  SseDecoder decoder(64);
  std::vector<SseEvent> out;
  const std::string data(50, 'y');
  for (int i = 0; i < 3; ++i) decoder.Feed("data: " + data + "\n\n", out);
  EXPECT_FALSE(decoder.overflowed());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[2].data, data);
}

}  // namespace
}  // namespace agentreplay
