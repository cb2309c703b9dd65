// The importers: every shipped fixture, format detection, derived and measured timing,
// conversations, redaction on import, and bad input.
#include "harness/recording/import.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <map>
#include <string>
#include <vector>

#include "harness/recording/cassette_format.h"
#include "harness/recording/cassette_reader.h"
#include "harness/recording/cassette_writer.h"
#include "harness/recording/conversations.h"
#include "harness/recording/import_sse.h"
#include "harness/recording/redaction.h"
#include "json/json_text.h"
#include "tests/harness/recording_test_support.h"

namespace agentreplay::harness {
namespace {

using recording_test::kFixturesDir;
using recording_test::ReadFixture;
using recording_test::Us;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

using Ms = std::chrono::milliseconds;

ImportResult ImportFixture(const std::string& name, const ImportOptions& options = {}) {
  auto result = ImportRecording(kFixturesDir / name, options);
  EXPECT_TRUE(result) << result.error();
  return result ? std::move(*result) : ImportResult{};
}

std::vector<std::string> Conversations(const mocks::Cassette& c) {
  std::vector<std::string> out;
  for (const auto& e : c.exchanges) out.push_back(e.conversation);
  return out;
}

// The response bodies a .NET session record holds, as the wire carried them: SSE lines joined,
// JSON printed compactly.
std::vector<std::string> DotnetBodies(const std::string& name) {
  rapidjson::Document doc;
  doc.Parse(ReadFixture(name).c_str());
  std::vector<std::string> out;
  for (const auto& entry : doc["Entries"].GetArray()) {
    const auto& body = entry["ResponseBody"];
    std::string text;
    if (body.IsArray()) {
      for (const auto& line : body.GetArray()) text += line.GetString();
    } else if (!body.IsNull()) {
      text = json::Compact(body);
    }
    out.push_back(text);
  }
  return out;
}

std::vector<std::string> Bodies(const mocks::Cassette& c) {
  std::vector<std::string> out;
  for (const auto& e : c.exchanges) out.push_back(ResponseBody(e.response));
  return out;
}

// Written, read back and written again: the same bytes, and nothing secret in them.
void ExpectCassetteRoundTrips(const mocks::Cassette& c) {
  const std::string text = CassetteText(c);
  const auto parsed = ParseCassette(text, c.name + ".cassette.jsonl");
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(CassetteText(*parsed), text);
  EXPECT_FALSE(LooksLikeSecret(text));
}

// --- Every fixture ---

struct FixtureExpectation {
  std::string file;
  std::string runtime;
  std::string model;
  size_t exchanges;
  std::vector<std::string> conversations;  // distinct, in order
  size_t streamed;                         // responses that are SSE
};

class FixtureImportTest : public ::testing::TestWithParam<FixtureExpectation> {};

TEST_P(FixtureImportTest, ImportsWithTheExpectedShape) {
  const FixtureExpectation& want = GetParam();
  const ImportResult result = ImportFixture(want.file);
  ASSERT_THAT(result.cassettes, SizeIs(1));
  const mocks::Cassette& c = result.cassettes[0];
  EXPECT_EQ(c.runtime, want.runtime);
  EXPECT_EQ(c.model, want.model);
  EXPECT_EQ(c.exchanges.size(), want.exchanges);
  std::vector<std::string> distinct;
  for (const auto& conv : Conversations(c)) {
    if (std::find(distinct.begin(), distinct.end(), conv) == distinct.end()) {
      distinct.push_back(conv);
    }
  }
  EXPECT_EQ(distinct, want.conversations);
  size_t streamed = 0;
  for (const auto& e : c.exchanges) streamed += IsEventStream(e.response) ? 1U : 0U;
  EXPECT_EQ(streamed, want.streamed);
  // Times only move forward, and every chunk is within its response.
  Duration previous{0};
  for (const auto& e : c.exchanges) {
    EXPECT_GE(e.sent_at, previous);
    previous = e.sent_at;
    for (const auto& chunk : e.response.chunks) {
      EXPECT_GE(chunk.at, e.response.headers_at);
      EXPECT_LE(chunk.at, e.response.end_at);
    }
  }
  EXPECT_TRUE(c.source.timing_derived);
  EXPECT_FALSE(c.source.pace.empty());
  ExpectCassetteRoundTrips(c);
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, FixtureImportTest,
    ::testing::Values(
        FixtureExpectation{"dotnet-assistants-polling-run.json",
                           "assistants",
                           "gpt-4o",
                           11,
                           {"thread_VVo2xsJmQsaNxuYdqPloUXQm"},
                           0},
        FixtureExpectation{"dotnet-assistants-streaming-run.json",
                           "assistants",
                           "gpt-4o",
                           3,
                           {"thread_Wq2ScOs1iInUsyhUUDmN5NZH"},
                           1},
        FixtureExpectation{"dotnet-assistants-streaming-tool-call.json",
                           "assistants",
                           "gpt-4o",
                           3,
                           {"thread_6oUGUBxLwhyApwhYBhWjHI5f"},
                           2},
        FixtureExpectation{"dotnet-responses-function-call-nonstreaming.json",
                           "responses",
                           "gpt-4o-mini",
                           3,
                           {"resp_0df7c3d8927b3a940068c9ef43dce481949ab7ac4c9f676d61"},
                           0},
        FixtureExpectation{"dotnet-responses-function-call-streaming.json",
                           "responses",
                           "gpt-4o-mini",
                           1,
                           {"resp_0c25e60be926327b0069305eb9ac6c8195833249c070ef4e7e"},
                           1},
        FixtureExpectation{"dotnet-responses-streaming-text.json",
                           "responses",
                           "gpt-4o-mini",
                           1,
                           {"resp_0b70e4946283a4df0068c9ef5ef4d88194adeeb6e2283d609a"},
                           1},
        FixtureExpectation{
            "python-chat-parallel-tool-calls.sse", "chat", "gpt-4o-2024-08-06", 1, {"chat-1"}, 1},
        FixtureExpectation{
            "python-chat-text-with-usage.sse", "chat", "gpt-4o-2024-08-06", 1, {"chat-1"}, 1},
        FixtureExpectation{"dotnet-responses-reasoning-summary-streaming.json",
                           "responses",
                           "o3-mini",
                           1,
                           {"resp_0287fead24f79e6800690a9299d7448195bc07c13a4292dc3c"},
                           1},
        FixtureExpectation{"dotnet-responses-reasoning-nonstreaming.json",
                           "responses",
                           "gpt-5.6",
                           1,
                           {"resp_0cc0a58be930d768006a7cced25fbc819e8fa80571fbf90047"},
                           0},
        FixtureExpectation{"dotnet-responses-max-output-tokens.json",
                           "responses",
                           "gpt-4o-mini",
                           1,
                           {"resp_0d0ddc12d86aa22e0068c9ef4a86fc81908acb06dd825129eb"},
                           0},
        FixtureExpectation{
            "python-chat-multiple-choices.sse", "chat", "gpt-4o-2024-08-06", 1, {"chat-1"}, 1},
        FixtureExpectation{
            "python-chat-max-tokens-length.sse", "chat", "gpt-4o-2024-08-06", 1, {"chat-1"}, 1},
        FixtureExpectation{"responses-error-event-nested.sse",
                           "responses",
                           "gpt-4o-mini-2024-07-18",
                           1,
                           {"resp_68e1a2b3c4d5e6f70011223344556677"},
                           1},
        FixtureExpectation{"dotnet-responses-web-search-streaming.json",
                           "responses",
                           "gpt-4o-mini",
                           1,
                           {"resp_0fe8ac2aae18ca0c0069c71b458dc08196b8cfdab19209e88f"},
                           1},
        FixtureExpectation{"dotnet-responses-file-search-streaming.json",
                           "responses",
                           "gpt-4o-mini",
                           3,
                           {"resp_083ce8e7bd81902a0069bb31247f348190904098cb370d5aae"},
                           1},
        FixtureExpectation{"dotnet-responses-mcp-streaming.json",
                           "responses",
                           "gpt-5",
                           1,
                           {"resp_68d5effadd9c8195bcb7b4316872d56801146559af20c520"},
                           1},
        FixtureExpectation{"dotnet-responses-code-interpreter-streaming.json",
                           "responses",
                           "gpt-4o-mini",
                           1,
                           {"resp_68d5ef73eb7481958cd32770425308dc05a8df20cb9d7bce"},
                           1},
        FixtureExpectation{"responses-image-generation-streaming.sse",
                           "responses",
                           "gpt-4.1-mini-2025-04-14",
                           1,
                           {"resp_68f0c2a1b3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6"},
                           1},
        FixtureExpectation{"responses-commentary-phase-streaming.sse",
                           "responses",
                           "gpt-5.3-codex",
                           1,
                           {"resp_68f0d3b2c4e5f6071829304a5b6c7d8e9f0a1b2c3d4e5f60"},
                           1},
        FixtureExpectation{
            "chrome-responses-streaming.har",
            "responses",
            "gpt-4.1-mini",
            3,
            {"resp_68ee15c3a0e0819a9b2e4f5c6d7e8f90", "resp_68ee15d2c4b0819ab3c4d5e6f7081920"},
            3}),
    [](const ::testing::TestParamInfo<FixtureExpectation>& param_info) {
      std::string name = param_info.param.file;
      for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return name;
    });

TEST(FixtureImportTest, EveryFixtureIsCovered) {
  size_t recordings = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kFixturesDir)) {
    if (entry.path().filename() != "SOURCES.md") ++recordings;
  }
  EXPECT_EQ(recordings, 21U) << "a new fixture needs a FixtureExpectation";
}

TEST(DotnetImportTest, BodiesAreTheRecordedBytes) {
  for (const std::string name :
       {"dotnet-assistants-polling-run.json", "dotnet-assistants-streaming-run.json",
        "dotnet-assistants-streaming-tool-call.json",
        "dotnet-responses-function-call-nonstreaming.json",
        "dotnet-responses-function-call-streaming.json", "dotnet-responses-streaming-text.json"}) {
    SCOPED_TRACE(name);
    const ImportResult result = ImportFixture(name);
    ASSERT_THAT(result.cassettes, SizeIs(1));
    EXPECT_EQ(Bodies(result.cassettes[0]), DotnetBodies(name));
  }
}

TEST(DotnetImportTest, TimingIsDerivedFromThePace) {
  const mocks::Cassette c = ImportFixture("dotnet-responses-streaming-text.json").cassettes[0];
  const auto& r = c.exchanges[0].response;
  EXPECT_EQ(r.headers_at, Ms(87 + 40));  // openai-processing-ms + network
  ASSERT_EQ(r.chunks.size(), 17U);       // one chunk per SSE event
  EXPECT_EQ(r.chunks[0].bytes.substr(0, 24), "event: response.created\n");
  EXPECT_EQ(r.chunks[0].at, Ms(127));
  EXPECT_EQ(r.chunks[1].at, Ms(147));
  EXPECT_EQ(r.end_at, Ms(127 + 16 * 20));
  EXPECT_EQ(c.source.kind, "import:dotnet-session");
  EXPECT_EQ(c.source.origin, "dotnet-responses-streaming-text.json");
  EXPECT_EQ(c.source.recorded_at, "2025-09-16T23:14:39Z");
  EXPECT_EQ(c.source.pace, DescribePace({}));
  EXPECT_EQ(c.name, "dotnet-responses-streaming-text");
  // "Sanitized" upstream; still redacted (and recorded as such) here.
  EXPECT_THAT(c.redacted, ElementsAre("authorization", "openai-organization", "openai-project"));
  EXPECT_EQ(*FindHeader(c.exchanges[0].request.headers, "Authorization"), "REDACTED");

  // A sanitised openai-processing-ms falls back to the default time to headers.
  const mocks::Cassette f =
      ImportFixture("dotnet-responses-function-call-streaming.json").cassettes[0];
  EXPECT_EQ(f.exchanges[0].response.headers_at, Ms(400));

  // The user's pace.
  ImportOptions options;
  options.pace = *ParsePace("network=0,first_event=5,event_gap=1.5,request_gap=1000");
  const mocks::Cassette p =
      ImportFixture("dotnet-assistants-polling-run.json", options).cassettes[0];
  EXPECT_EQ(p.exchanges[0].response.headers_at, Ms(239));
  EXPECT_EQ(p.exchanges[0].response.chunks[0].at, Ms(244));
  EXPECT_EQ(p.exchanges[1].sent_at, Ms(244 + 1000));
  EXPECT_THAT(p.source.pace, HasSubstr("1.5 ms between events"));
}

TEST(SseImportTest, SynthesisesTheRequest) {
  const mocks::Cassette c = ImportFixture("python-chat-text-with-usage.sse").cassettes[0];
  const auto& e = c.exchanges[0];
  EXPECT_EQ(e.request.method, "POST");
  EXPECT_EQ(e.request.target, "/v1/chat/completions");
  EXPECT_EQ(e.request.body, R"({"model":"gpt-4o-2024-08-06","messages":[],"stream":true})");
  EXPECT_TRUE(FindHeader(e.request.headers, kSynthesisedHeader).has_value());
  EXPECT_EQ(ResponseBody(e.response), ReadFixture("python-chat-text-with-usage.sse"));
  EXPECT_EQ(e.response.chunks.back().bytes, "data: [DONE]\n\n");
  EXPECT_EQ(e.response.headers_at, Ms(400));
  EXPECT_EQ(c.source.kind, "import:sse");
  EXPECT_THAT(c.description, HasSubstr("synthesised"));
  EXPECT_EQ(
      ResponseBody(
          ImportFixture("python-chat-parallel-tool-calls.sse").cassettes[0].exchanges[0].response),
      ReadFixture("python-chat-parallel-tool-calls.sse"));
}

TEST(SseImportTest, ChunkFilesWithOneEventPerLine) {
  const std::string chat =
      R"({"id":"c1","object":"chat.completion.chunk","model":"gpt-4o","choices":[{"index":0,"delta":{"content":"Hi"}}]})"
      "\n"
      R"({"id":"c1","object":"chat.completion.chunk","model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})"
      "\n";
  auto r = ImportText(chat, "chunks.txt", {});
  ASSERT_TRUE(r) << r.error();
  const mocks::Cassette& c = r->cassettes[0];
  EXPECT_EQ(c.runtime, "chat");
  EXPECT_EQ(c.source.kind, "import:sse-chunks");
  ASSERT_EQ(c.exchanges[0].response.chunks.size(), 3U);
  EXPECT_EQ(c.exchanges[0].response.chunks[0].bytes,
            "data: " + chat.substr(0, chat.find('\n')) + "\n\n");
  EXPECT_EQ(c.exchanges[0].response.chunks[2].bytes, "data: [DONE]\n\n");

  const std::string responses =
      R"({"type":"response.created","response":{"id":"resp_9","model":"gpt-4.1"}})"
      "\n"
      R"({"type":"response.output_text.delta","delta":"Hi"})"
      "\n";
  r = ImportText(responses, "chunks.jsonl", {});
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->cassettes[0].runtime, "responses");
  EXPECT_EQ(r->cassettes[0].model, "gpt-4.1");
  EXPECT_EQ(r->cassettes[0].exchanges[0].conversation, "resp_9");
  EXPECT_EQ(r->cassettes[0].exchanges[0].response.chunks[1].bytes,
            "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\","
            "\"delta\":\"Hi\"}\n\n");

  const std::string assistants =
      R"({"event":"thread.run.created","data":{"id":"run_1","object":"thread.run","thread_id":"thread_7","assistant_id":"asst_3","model":"gpt-4o"}})"
      "\n";
  r = ImportText(assistants, "events.txt", {});
  ASSERT_TRUE(r) << r.error();
  const auto& e = r->cassettes[0].exchanges[0];
  EXPECT_EQ(r->cassettes[0].runtime, "assistants");
  EXPECT_EQ(e.request.target, "/v1/threads/thread_7/runs");
  EXPECT_EQ(e.request.body, R"({"assistant_id":"asst_3","stream":true})");
  EXPECT_EQ(e.conversation, "thread_7");
  EXPECT_EQ(e.response.chunks.back().bytes, "event: done\ndata: [DONE]\n\n");
}

TEST(HarImportTest, TimingIsMeasured) {
  const ImportResult result = ImportFixture("chrome-responses-streaming.har");
  const mocks::Cassette& c = result.cassettes[0];
  ASSERT_EQ(c.exchanges.size(), 3U);
  EXPECT_EQ(c.source.kind, "import:har");
  EXPECT_EQ(c.source.recorded_at, "2025-10-14T09:21:07.081Z");
  const auto& first = c.exchanges[0];
  EXPECT_EQ(first.sent_at, Duration{0});
  EXPECT_EQ(first.response.headers_at, Us(598'941));  // send + wait
  EXPECT_EQ(first.response.end_at, Us(598'941 + 731'209));
  EXPECT_EQ(first.response.chunks.front().at, first.response.headers_at);
  EXPECT_EQ(first.response.chunks.back().at, first.response.end_at);
  // Started 2.793 s later, blocked 0.733 ms instead of 1.862 ms.
  EXPECT_EQ(c.exchanges[1].sent_at, Us(2'793'000 + 733 - 1'862));
  EXPECT_EQ(c.exchanges[0].request.target, "/v1/responses");
  EXPECT_FALSE(FindHeader(c.exchanges[0].request.headers, ":authority").has_value());
  EXPECT_FALSE(FindHeader(c.exchanges[0].response.headers, "content-encoding").has_value());
  EXPECT_EQ(*FindHeader(c.exchanges[0].request.headers, "authorization"), "Bearer REDACTED");
  EXPECT_EQ(*FindHeader(c.exchanges[0].response.headers, "set-cookie"), "REDACTED");
  EXPECT_TRUE(LooksLikeSecret(ReadFixture("chrome-responses-streaming.har")));
  // The page, the preflight and the stylesheet are noted, not imported.
  ASSERT_EQ(result.notes.size(), 3U);
  EXPECT_THAT(result.notes[0].ToString(),
              HasSubstr("chrome-responses-streaming.har:20:7: /log/entries/0: skipped GET "
                        "http://localhost:5173/: not an OpenAI API call"));
  EXPECT_THAT(result.notes[1].ToString(), HasSubstr("a CORS preflight"));
  EXPECT_THAT(result.notes[2].ToString(), HasSubstr("fonts.googleapis.com"));
  // Bodies are content.text as recorded.
  rapidjson::Document har;
  har.Parse(ReadFixture("chrome-responses-streaming.har").c_str());
  const auto& entries = har["log"]["entries"];
  EXPECT_EQ(ResponseBody(c.exchanges[0].response),
            entries[2]["response"]["content"]["text"].GetString());
  EXPECT_EQ(ResponseBody(c.exchanges[2].response),
            entries[5]["response"]["content"]["text"].GetString());
}

TEST(HarImportTest, SplitsConversations) {
  ImportOptions options;
  options.split_conversations = true;
  const ImportResult result = ImportFixture("chrome-responses-streaming.har", options);
  ASSERT_EQ(result.cassettes.size(), 2U);
  EXPECT_EQ(result.cassettes[0].name,
            "chrome-responses-streaming-resp_68ee15c3a0e0819a9b2e4f5c6d7e8f90");
  EXPECT_EQ(result.cassettes[0].exchanges.size(), 2U);
  EXPECT_EQ(result.cassettes[1].exchanges.size(), 1U);
  EXPECT_EQ(result.cassettes[1].exchanges[0].sent_at, Duration{0});  // rebased
  for (const auto& c : result.cassettes) ExpectCassetteRoundTrips(c);
}

TEST(ImportTest, UserRedactionRulesApply) {
  ImportOptions options;
  options.redaction.json_fields = {"call_id", "arguments"};
  options.redaction.headers = {"User-Agent"};
  const mocks::Cassette c =
      ImportFixture("dotnet-responses-function-call-streaming.json", options).cassettes[0];
  const std::string text = CassetteText(c);
  EXPECT_EQ(text.find("call_"), text.find("call_id"));  // only the member names remain
  EXPECT_THAT(text, Not(HasSubstr("OpenAI/2.4.0")));
  EXPECT_THAT(c.redacted,
              ElementsAre("arguments", "authorization", "call_id", "openai-organization",
                          "openai-project", "set-cookie", "user-agent"));
}

TEST(ImportTest, HeadersACassetteCannotHoldAreLeftOut) {
  const std::string har = R"({"log": {"entries": [{"startedDateTime": "2025-10-14T09:21:07Z",
  "request": {"method": "POST", "url": "https://api.openai.com/v1/chat/completions",
              "headers": [{"name": "x bad", "value": "1"}, {"name": "ok", "value": "a\nb"},
                          {"name": "fine", "value": "yes"}]},
  "response": {"status": 200, "headers": [], "content": {"text": "{}"}},
  "timings": {"send": 1, "wait": 2, "receive": 3}}]}})";
  const auto r = ImportText(har, "h.har", {});
  ASSERT_TRUE(r) << r.error();
  const auto& e = r->cassettes[0].exchanges[0];
  ASSERT_EQ(e.request.headers.size(), 1U);
  EXPECT_EQ(e.request.headers[0].name, "fine");
  ASSERT_EQ(r->notes.size(), 1U);
  EXPECT_EQ(r->notes[0].ToString(),
            "h.har: left out 2 header(s) with a name that is not an HTTP "
            "token or a control character in the value");
  EXPECT_EQ(e.response.headers_at, Ms(3));
  EXPECT_EQ(e.response.end_at, Ms(6));
  ASSERT_EQ(e.response.chunks.size(), 1U);
  EXPECT_EQ(e.response.chunks[0].at, Ms(6));  // a whole body is complete at the end
}

TEST(ImportTest, AHarLongerThanSevenDaysIsRefused) {
  const std::string har = R"({"log": {"entries": [
  {"startedDateTime": "2025-10-01T00:00:00Z", "request": {"method": "POST",
   "url": "https://api.openai.com/v1/responses"}, "response": {"status": 200},
   "timings": {"send": 0, "wait": 1, "receive": 1}},
  {"startedDateTime": "2025-10-14T00:00:00Z", "request": {"method": "POST",
   "url": "https://api.openai.com/v1/responses"}, "response": {"status": 200},
   "timings": {"send": 0, "wait": 1, "receive": 1}}]}})";
  EXPECT_EQ(ImportText(har, "long.har", {}).error(),
            "long.har: exchange 2 (POST /v1/responses): sent_at 1123200000 ms is outside 0 to "
            "604800000 ms");
}

TEST(ImportTest, DetectsTheFormat) {
  EXPECT_EQ(DetectImportFormat(ReadFixture("dotnet-responses-streaming-text.json"), "x"),
            ImportFormat::kDotnetSession);
  EXPECT_EQ(DetectImportFormat(ReadFixture("chrome-responses-streaming.har"), "x"),
            ImportFormat::kHar);
  EXPECT_EQ(DetectImportFormat(ReadFixture("python-chat-text-with-usage.sse"), "x"),
            ImportFormat::kSse);
  EXPECT_EQ(DetectImportFormat(CassetteText(recording_test::RichCassette()), "x"),
            ImportFormat::kCassette);
  EXPECT_EQ(DetectImportFormat("{\"a\":1}\n{\"b\":2}\n", "x"), ImportFormat::kSse);
  EXPECT_EQ(DetectImportFormat("{\"a\":1}\n{\"b\":2}\n", "x.jsonl"), ImportFormat::kSse);
  EXPECT_EQ(DetectImportFormat("{\"a\":1}\n{\"b\":2}\n", "x.cassette.jsonl"),
            ImportFormat::kCassette);
  // Damaged files go by their name.
  EXPECT_EQ(DetectImportFormat("{\"log\": {", "a.har"), ImportFormat::kHar);
  EXPECT_EQ(DetectImportFormat("{\"Entries\": [", "a.json"), ImportFormat::kDotnetSession);
  EXPECT_EQ(DetectImportFormat("{\"schema\": \"agentr", "a.cassette.jsonl"),
            ImportFormat::kCassette);
  EXPECT_EQ(DetectImportFormat("hello", "a.bin"), ImportFormat::kAuto);
  EXPECT_EQ(ImportText("hello", "a.bin", {}).error(),
            "a.bin: cannot tell the format of this file: expected a cassette (.cassette.jsonl), "
            "an OpenAI .NET SDK session record (.json with \"Entries\"), a HAR file (.har with "
            "\"log\") or an SSE capture (.sse, .txt)");
}

TEST(ImportTest, CassettesPassThrough) {
  mocks::Cassette rich = recording_test::RichCassette();
  rich.exchanges[0].request.headers.push_back({"x-api-key", "sk-abcdefghijklmnopqrstuvwxyz"});
  auto r = ImportText(CassetteText(rich), "rich.cassette.jsonl", {});
  ASSERT_TRUE(r) << r.error();
  ASSERT_EQ(r->cassettes.size(), 1U);
  EXPECT_EQ(r->cassettes[0].name, "rich");
  EXPECT_FALSE(LooksLikeSecret(CassetteText(r->cassettes[0])));
  std::string cut = CassetteText(rich);
  cut.resize(cut.size() - 10);
  EXPECT_THAT(ImportText(cut, "rich.cassette.jsonl", {}).error(),
              HasSubstr("rich.cassette.jsonl:4:"));
  r = ImportText(cut, "rich.cassette.jsonl", {.allow_truncated_tail = true});
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->cassettes[0].exchanges.size(), 2U);
  ASSERT_EQ(r->notes.size(), 1U);
}

// --- Bad input ---

TEST(ImportErrorsTest, Located) {
  EXPECT_EQ(ImportText(R"({"Entries": [{"RequestUri": "https://api.openai.com/v1/responses",
  "RequestMethod": "POST", "StatusCode": "200"}]})",
                       "s.json", {})
                .error(),
            "s.json:2:42: /Entries/0/StatusCode: expected an integer, got a string");
  EXPECT_EQ(ImportText(R"({"Entries": [{"RequestUri": "not a url", "RequestMethod": "GET",
  "StatusCode": 200}]})",
                       "s.json", {})
                .error(),
            "s.json:1:29: /Entries/0/RequestUri: not an absolute http(s) URL: 'not a url'");
  EXPECT_EQ(ImportText(R"({"Entries": [{"RequestMethod": "GET"}]})", "s.json", {}).error(),
            "s.json:1:14: /Entries/0: missing required field 'RequestUri'\n"
            "s.json:1:14: /Entries/0: missing required field 'StatusCode'");
  EXPECT_EQ(
      ImportText(R"({"Entries": [{"RequestUri": "https://api.openai.com/v1/resp)", "s.json", {})
          .error(),
      "s.json:1:60: /Entries/0/RequestUri: invalid JSON: Missing a closing quotation mark "
      "in string.");
  EXPECT_EQ(ImportText(R"({"Entries": []})", "s.json", {}).error(),
            "s.json: no OpenAI API call found in this file");
  EXPECT_EQ(ImportText(R"({"log": {"entries": [{"request": {"method": "GET",
  "url": "https://example.com/"}, "response": {"status": 200}}]}})",
                       "a.har", {})
                .error(),
            "a.har: no OpenAI API call found in this file\n"
            "a.har:1:22: /log/entries/0: skipped GET https://example.com/: not an OpenAI API "
            "call");
  EXPECT_EQ(ImportText(R"({"log": {"entries": [{"request": {"method": "POST",
  "url": "https://api.openai.com/v1/responses"}, "response": {"status": 200},
  "startedDateTime": "yesterday"}]}})",
                       "a.har", {})
                .error(),
            "a.har:3:22: /log/entries/0/startedDateTime: startedDateTime must be an ISO 8601 "
            "time such as '2025-09-16T23:14:39.123Z', got 'yesterday'");
  EXPECT_EQ(ImportText(R"({"log": {}})", "a.har", {}).error(),
            "a.har:1:9: /log: missing required field 'entries'");
  EXPECT_EQ(
      ImportText("data: {\"object\":\"chat.completion.chunk\"}\n\nhello\n\n", "a.sse", {}).error(),
      "a.sse:3:1: not an SSE line: expected 'data:', 'event:', 'id:', 'retry:', a ':' "
      "comment or a blank line");
  EXPECT_EQ(ImportText("data: {\"object\":\"chat.completion.chunk\",}\n\n", "a.sse", {}).error(),
            "a.sse:1:41: data is not valid JSON: Missing a name for object member.");
  EXPECT_EQ(ImportText("data: {\"hello\":1}\n\n", "a.sse", {}).error(),
            "a.sse: cannot tell which API these events come from: expected "
            "chat.completion.chunk objects (Chat Completions), response.* events (Responses) or "
            "thread.* events (Assistants)");
  EXPECT_EQ(ImportText("{\"object\":\"chat.completion.chunk\"}\n{\"a\":\n", "c.txt", {}).error(),
            "c.txt:2:6: /a: invalid JSON: Invalid value.");
  EXPECT_EQ(ImportText("   \n", "c.sse", {}).error(), "c.sse: file is empty: no events to import");
  EXPECT_THAT(ImportRecording(kFixturesDir / "missing.har", {}).error(),
              HasSubstr("missing.har: cannot read file"));
}

TEST(ImportErrorsTest, HostileInputNeverCrashes) {
  for (const std::string name :
       {"chrome-responses-streaming.har", "dotnet-assistants-streaming-tool-call.json",
        "python-chat-parallel-tool-calls.sse"}) {
    const std::string text = ReadFixture(name);
    for (size_t cut = 0; cut < text.size(); cut += 97) {
      (void)ImportText(text.substr(0, cut), name, {});
    }
    for (size_t at = 0; at < text.size(); at += 89) {
      std::string mutated = text;
      mutated[at] = static_cast<char>(mutated[at] ^ 0x5A);
      (void)ImportText(mutated, name, {});
    }
  }
  (void)ImportText(std::string(100000, '{'), "deep.json", {});
  (void)ImportText("data: " + std::string(100000, '[') + "\n\n", "deep.sse", {});
  const std::string deep_body =
      R"({"Entries":[{"RequestUri":"https://api.openai.com/v1/chat/completions","RequestMethod":"POST","StatusCode":200,"RequestBody":")" +
      std::string(50000, '[') + R"("}]})";
  auto r = ImportText(deep_body, "deep.json", {.redaction = {.json_fields = {"k"}}});
  EXPECT_TRUE(r) << r.error();
  SUCCEED();
}

}  // namespace
}  // namespace agentreplay::harness
