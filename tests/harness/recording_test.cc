// The cassette file format: writing, reading (strict, located errors), hostile input, the
// incremental writer, redaction, and the JSON Schema.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "harness/recording/cassette_format.h"
#include "harness/recording/cassette_reader.h"
#include "harness/recording/cassette_writer.h"
#include "tests/harness/recording_test_support.h"

namespace agentreplay::harness {
namespace {

using recording_test::ExpectSameCassette;
using recording_test::RichCassette;
using recording_test::Us;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const std::filesystem::path kScenariosDir = AGENTREPLAY_SCENARIOS_DIR;

constexpr std::string_view kHeader =
    R"({"schema":"agentreplay.cassette/v1","name":"t","runtime":"chat"})"
    "\n";
// A valid exchange line; tests replace parts of it.
constexpr std::string_view kExchange =
    R"({"sent_at_ms":0,"request":{"method":"POST","target":"/v1/chat/completions"},)"
    R"("response":{"status":200,"headers_at_ms":1,"chunks":[{"at_ms":2,"text":"hi"}],"end_at_ms":3}})"
    "\n";

std::filesystem::path TempPath(const std::string& name) {
  return std::filesystem::temp_directory_path() /
         ("agentreplay-recording-" + std::to_string(::getpid()) + "-" + name);
}

std::vector<std::string> Errors(std::string_view text, const CassetteReadOptions& options = {}) {
  std::vector<std::string> out;
  const auto r = ParseCassette(text, "c.jsonl", options);
  if (!r) {
    for (const auto& d : r.failure().diagnostics()) out.push_back(d.ToString());
  }
  return out;
}

std::string OnlyError(std::string_view text, const CassetteReadOptions& options = {}) {
  const auto errors = Errors(text, options);
  if (errors.size() != 1) {
    ADD_FAILURE() << "expected exactly one diagnostic, got " << errors.size() << ":\n"
                  << ::testing::PrintToString(errors);
    return errors.empty() ? "" : errors.front();
  }
  return errors.front();
}

std::string WithExchange(std::string_view line) { return std::string(kHeader) + std::string(line); }

// --- Times and text ---

TEST(CassetteFormatTest, MillisecondsAreMicrosecondExact) {
  EXPECT_EQ(FormatMillis(Duration{0}), "0");
  EXPECT_EQ(FormatMillis(std::chrono::milliseconds(40)), "40");
  EXPECT_EQ(FormatMillis(Us(1500)), "1.5");
  EXPECT_EQ(FormatMillis(Us(12'345)), "12.345");
  EXPECT_EQ(FormatMillis(Duration{12'345'678}), "12.346");  // rounded to the microsecond
  EXPECT_EQ(FormatMillis(Duration{499}), "0");
  EXPECT_EQ(FormatMillis(Duration{500}), "0.001");
  EXPECT_EQ(FormatMillis(Us(-1500)), "-1.5");
  EXPECT_EQ(FormatMillis(Us(604'800'000'000)), "604800000");
  // Every microsecond of a range reads back as itself.
  for (int64_t us = 0; us < 200'000; us += 7) {
    ASSERT_EQ(MillisToDuration(std::stod(FormatMillis(Us(us)))), Us(us)) << us;
  }
  const int64_t big = 604'799'999'999;
  EXPECT_EQ(MillisToDuration(std::stod(FormatMillis(Us(big)))), Us(big));
}

TEST(CassetteFormatTest, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8("plain é ✓ 😀"));
  EXPECT_TRUE(IsValidUtf8(std::string("nul \0 ok", 8)));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xE2\x9C"));          // cut short
  EXPECT_EQ(ToValidUtf8("a\xFF"
                        "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(JsonNestingDepth(R"({"a":[1,{"b":"[[[["}]})"), 3U);
}

// --- Writing and reading back ---

TEST(CassetteRoundTripTest, WriteReadWriteIsByteExact) {
  const mocks::Cassette original = RichCassette();
  const std::string text = CassetteText(original);
  const auto parsed = ParseCassette(text, "rich.cassette.jsonl");
  ASSERT_TRUE(parsed) << parsed.error();
  ExpectSameCassette(*parsed, original);
  EXPECT_EQ(parsed->source_path, "rich.cassette.jsonl");
  EXPECT_EQ(CassetteText(*parsed), text);
  EXPECT_EQ(CassetteText(original), text);  // deterministic
}

TEST(CassetteRoundTripTest, LinesAreWhatTheFormatSays) {
  const std::string text = CassetteText(RichCassette());
  std::vector<std::string> lines;
  for (size_t start = 0; start < text.size();) {
    const size_t nl = text.find('\n', start);
    ASSERT_NE(nl, std::string::npos) << "every line ends with a newline";
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  ASSERT_EQ(lines.size(), 4U);
  EXPECT_EQ(lines[0],
            R"({"schema":"agentreplay.cassette/v1","name":"rich","description":"Every field: )"
            R"(\"quotes\", a back\\slash, a tab\t, é and ✓.","runtime":"responses",)"
            R"("model":"gpt-4.1-mini","source":{"kind":"record","origin":"https://api.openai.com",)"
            R"("recorded_at":"2025-10-14T09:21:07.081Z","timing_derived":true,)"
            R"("pace":"derived: test pace"},"redacted":["api_key","authorization"]})");
  // Compact JSON is embedded as JSON (jq can read it), pretty JSON stays text, and bytes that
  // are not UTF-8 go as base64.
  EXPECT_THAT(lines[1], HasSubstr(R"("body":{"json":{"model":"gpt-4.1-mini","input":"Héllo ✓")"));
  EXPECT_THAT(lines[1], HasSubstr(R"("headers":[["Content-Type","application/json"],)"
                                  R"(["Authorization","Bearer REDACTED"],["X-Repeat","a"],)"
                                  R"(["X-Repeat","b"]])"));
  EXPECT_THAT(lines[1], HasSubstr(R"("headers_at_ms":312.5,"chunks":[{"at_ms":312.5,"text":)"));
  EXPECT_THAT(lines[1], HasSubstr(R"({"at_ms":333.001,"text":)"));
  EXPECT_THAT(lines[2], HasSubstr(R"("body":{"text":"{\n  \"pretty\": true\n}"})"));
  EXPECT_THAT(lines[2], HasSubstr(R"({"at_ms":0.008,"base64":"//4AIGJpbmFyeQ=="})"));
  EXPECT_THAT(lines[2], HasSubstr(R"({"at_ms":0.009,"text":"text with a NUL \u0000 inside"})"));
  EXPECT_THAT(lines[2], HasSubstr(R"("error":"connection_reset")"));
  EXPECT_THAT(lines[3], HasSubstr(R"("sent_at_ms":604800000)"));
  EXPECT_THAT(lines[3], HasSubstr(R"("body":{"base64":"gIEgbm90IHV0Zi04"})"));
  EXPECT_THAT(lines[2], Not(HasSubstr("conversation")));  // empty members are left out
}

TEST(CassetteRoundTripTest, JsonBodiesAreEmbeddedOnlyWhenExact) {
  mocks::Cassette c = RichCassette();
  const std::vector<std::string> bodies = {
      R"({"a":1.50})",                                // a number spelled differently
      R"({"a":"\u00e9"})",                            // an escape the writer would not use
      R"({"a":1} )",                                  // trailing space
      R"({"a":1}{"b":2})",                            // two documents
      "[1,2",                                         // not JSON
      std::string(120, '[') + std::string(120, ']'),  // deeper than a line may be
  };
  for (const std::string& body : bodies) {
    c.exchanges[0].request.body = body;
    const std::string line = CassetteExchangeLine(c.exchanges[0]);
    EXPECT_THAT(line, Not(HasSubstr(R"("body":{"json")"))) << body;
    const auto parsed = ParseCassette(CassetteText(c), "c.jsonl");
    ASSERT_TRUE(parsed) << parsed.error();
    EXPECT_EQ(parsed->exchanges[0].request.body, body);
  }
}

TEST(CassetteRoundTripTest, NamesThatAreNotUtf8AreRepaired) {
  mocks::Cassette c = RichCassette();
  c.exchanges[0].request.headers.push_back({"X-Latin1", "caf\xE9"});
  const auto parsed = ParseCassette(CassetteText(c), "c.jsonl");
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->exchanges[0].request.headers.back().value, "caf\xEF\xBF\xBD");
}

TEST(CassetteRoundTripTest, FilesAreWrittenAtomicallyAndLoad) {
  const auto path = TempPath("whole.cassette.jsonl");
  ASSERT_TRUE(WriteCassetteFile(RichCassette(), path));
  const auto loaded = LoadCassetteFile(path);
  ASSERT_TRUE(loaded) << loaded.error();
  ExpectSameCassette(*loaded, RichCassette());
  // No temporary file is left beside it.
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(path.parent_path())) {
    if (entry.path().filename().string().starts_with(path.filename().string())) ++files;
  }
  EXPECT_EQ(files, 1);
  std::filesystem::remove(path);
  EXPECT_THAT(LoadCassetteFile(path).error(), HasSubstr("cannot read file"));
  EXPECT_FALSE(WriteCassetteFile(RichCassette(), "/nonexistent-dir/x.cassette.jsonl"));
}

TEST(CassetteRoundTripTest, WhatTheReaderWouldRefuseIsNotWritten) {
  mocks::Cassette c = RichCassette();
  c.runtime = "chatty";
  c.exchanges[0].response.chunks[1].at = Us(1);  // before the headers and the chunk before it
  c.exchanges[1].request.headers.push_back({"X-Evil", "a\r\nSet-Cookie: x"});
  c.exchanges[2].sent_at = Us(604'800'000'001);
  const auto path = TempPath("refused.cassette.jsonl");
  const Status written = WriteCassetteFile(c, path);
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error(),
            path.string() + ": unknown runtime 'chatty'\n" + path.string() +
                ": exchange 1 (POST /v1/responses?include[]=x%20y): a chunk at 0.001 ms comes "
                "before 312.5 ms\n" +
                path.string() +
                ": exchange 2 (POST /v1/responses): header 'X-Evil' has control characters in its "
                "value\n" +
                path.string() +
                ": exchange 3 (GET /v1/responses/resp_1): sent_at 604800000.001 ms is outside 0 to "
                "604800000 ms");
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(CassetteWriter::Open(path, c));
  auto writer = CassetteWriter::Open(path, RichCassette());
  ASSERT_TRUE(writer) << writer.error();
  EXPECT_THAT(writer->Append(c.exchanges[2]).error(),
              HasSubstr("cannot append GET /v1/responses/resp_1: sent_at"));
  EXPECT_EQ(writer->exchanges_written(), 0U);
  std::filesystem::remove(path);
}

TEST(CassetteRoundTripTest, LinesInCompletionOrderAreSortedBySendTime) {
  // A recording proxy appends an exchange when it completes: a long request sent first can be
  // written after a short one sent later.
  const std::string text =
      std::string(kHeader) +
      R"({"conversation":"b","sent_at_ms":5,"request":{"method":"GET","target":"/v1/models"},"response":{"status":200,"headers_at_ms":1,"end_at_ms":1}})"
      "\n"
      R"({"conversation":"a","sent_at_ms":0,"request":{"method":"GET","target":"/v1/models"},"response":{"status":200,"headers_at_ms":1,"end_at_ms":90}})"
      "\n";
  const auto parsed = ParseCassette(text, "c.jsonl");
  ASSERT_TRUE(parsed) << parsed.error();
  ASSERT_EQ(parsed->exchanges.size(), 2U);
  EXPECT_EQ(parsed->exchanges[0].conversation, "a");
  EXPECT_EQ(parsed->exchanges[1].conversation, "b");
}

TEST(CassetteRoundTripTest, AcceptsALastLineWithoutNewlineAndCrLf) {
  std::string text = WithExchange(kExchange);
  text.pop_back();
  EXPECT_TRUE(ParseCassette(text, "c.jsonl"));
  std::string crlf = std::string(kHeader);
  crlf.insert(crlf.size() - 1, "\r");
  EXPECT_TRUE(ParseCassette(crlf + std::string(kExchange), "c.jsonl"));
  EXPECT_TRUE(ParseCassette("\xEF\xBB\xBF" + WithExchange(kExchange), "c.jsonl"));  // BOM
}

// --- The incremental writer ---

TEST(CassetteWriterTest, AppendsWholeLinesThatLoad) {
  const auto path = TempPath("appended.cassette.jsonl");
  const mocks::Cassette rich = RichCassette();
  {
    auto writer = CassetteWriter::Open(path, rich, {.fsync = true});
    ASSERT_TRUE(writer) << writer.error();
    for (const auto& e : rich.exchanges) ASSERT_TRUE(writer->Append(e));
    EXPECT_EQ(writer->exchanges_written(), 3U);
    ASSERT_TRUE(writer->Close());
    EXPECT_FALSE(writer->Append(rich.exchanges[0]));  // closed
  }
  std::ifstream in(path, std::ios::binary);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  EXPECT_EQ(text, CassetteText(rich));
  std::filesystem::remove(path);
  EXPECT_FALSE(CassetteWriter::Open("/nonexistent-dir/x.cassette.jsonl", rich));
}

TEST(CassetteWriterTest, AKilledWriterLeavesATailThatCanBeDropped) {
  const std::string whole = CassetteText(RichCassette());
  // The last line cut anywhere: an error by default, dropped on request.
  const size_t last_line = whole.rfind('\n', whole.size() - 2) + 1;
  for (size_t cut = last_line + 1; cut < whole.size() - 1; cut += 5) {
    const std::string text = whole.substr(0, cut);
    const auto errors = Errors(text);
    ASSERT_EQ(errors.size(), 1U) << cut;
    EXPECT_THAT(errors[0], HasSubstr("c.jsonl:4:"));
    EXPECT_THAT(errors[0], HasSubstr("truncated line: the file ends inside it"));
    std::vector<Diagnostic> warnings;
    const auto recovered =
        ParseCassette(text, "c.jsonl", {.allow_truncated_tail = true, .warnings = &warnings});
    ASSERT_TRUE(recovered) << recovered.error();
    EXPECT_EQ(recovered->exchanges.size(), 2U);
    ASSERT_EQ(warnings.size(), 1U);
    EXPECT_THAT(warnings[0].ToString(), HasSubstr("dropped the truncated last line"));
  }
  EXPECT_EQ(OnlyError(R"({"schema":"agentreplay.cassette/v1","na)", {.allow_truncated_tail = true}),
            "c.jsonl:1:40: /: truncated line: the file ends inside it (a recording cut short?): "
            "Missing a closing quotation mark in string.");
}

// --- Located errors ---

TEST(CassetteErrorsTest, Header) {
  EXPECT_EQ(
      OnlyError(R"({"schema":"agentreplay.cassette/v1","name":"t","runtime":"chat","modle":"m"})"
                "\n"),
      "c.jsonl:1:65: /modle: unknown field 'modle'; did you mean 'model'?");
  EXPECT_EQ(OnlyError(R"({"schema":"agentreplay.cassette/v1","name":"t","runtime":"assistant"})"
                      "\n"),
            "c.jsonl:1:58: /runtime: unknown runtime 'assistant'; expected one of: assistants, "
            "responses, chat");
  EXPECT_EQ(OnlyError(R"({"schema":"agentreplay.cassette/v2","name":"t","whatever":1})"
                      "\n" +
                      std::string(kExchange)),
            "c.jsonl:1:11: /schema: unsupported cassette version 'agentreplay.cassette/v2'; this "
            "build reads 'agentreplay.cassette/v1'");
  EXPECT_EQ(OnlyError(R"({"schema":"agentreplay.scenario/v1","name":"t","runtime":"chat"})"
                      "\n"),
            "c.jsonl:1:11: /schema: not a cassette: schema is 'agentreplay.scenario/v1', "
            "expected 'agentreplay.cassette/v1'");
  EXPECT_EQ(OnlyError(R"({"schema":"agentreplay.cassette/v1","name":"t"})"
                      "\n"),
            "c.jsonl:1:1: /: missing required field 'runtime'");
  EXPECT_EQ(OnlyError(R"({"schema":"agentreplay.cassette/v1","name":"t","runtime":"chat",)"
                      R"("source":{"kind":"record","recorded_at":"yesterday"}})"
                      "\n"),
            "c.jsonl:1:105: /source/recorded_at: recorded_at must be an RFC 3339 time such as "
            "'2025-09-16T23:14:39Z', got 'yesterday'");
  EXPECT_EQ(OnlyError(std::string(kExchange)),
            "c.jsonl:1:1: missing header line: line 1 must be the cassette header "
            "({\"schema\": \"agentreplay.cassette/v1\", ...})");
  EXPECT_EQ(OnlyError(std::string(kHeader) + std::string(kHeader)),
            "c.jsonl:2:2: /schema: a header line may only be the first line (this line has "
            "'schema')");
  EXPECT_EQ(OnlyError(""), "c.jsonl: file is empty: a cassette starts with a header line");
  EXPECT_EQ(OnlyError(" \n\n"), "c.jsonl: file is empty: a cassette starts with a header line");
}

TEST(CassetteErrorsTest, Exchange) {
  const auto replace = [](std::string_view from, std::string_view to) {
    std::string line(kExchange);
    const size_t at = line.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    line.replace(at, from.size(), to);
    return WithExchange(line);
  };
  EXPECT_EQ(OnlyError(replace(R"("status":200)", R"("status":"200")")),
            "c.jsonl:2:98: /response/status: expected an integer, got a string");
  EXPECT_EQ(OnlyError(replace(R"("status":200)", R"("status":700)")),
            "c.jsonl:2:98: /response/status: status must be an integer from 100 to 599, got 700");
  EXPECT_EQ(OnlyError(replace(R"("sent_at_ms":0)", R"("sent_at_ms":-1)")),
            "c.jsonl:2:15: /sent_at_ms: sent_at_ms must be from 0 to 604800000 (7 days), got -1");
  EXPECT_EQ(OnlyError(replace(R"("sent_at_ms":0)", R"("sent_at_ms":1e300)")),
            "c.jsonl:2:15: /sent_at_ms: sent_at_ms must be from 0 to 604800000 (7 days), got "
            "1e+300");
  EXPECT_EQ(OnlyError(replace(R"("sent_at_ms":0)", R"("sent_at_ms":1e400)")),
            "c.jsonl:2:15: /sent_at_ms: invalid JSON: Number too big to be stored in double.");
  EXPECT_EQ(OnlyError(replace(R"({"at_ms":2,)", R"({"at_ms":0.5,)")),
            "c.jsonl:2:139: /response/chunks/0/at_ms: chunk at 0.5 ms arrives before the headers "
            "(headers_at_ms 1)");
  EXPECT_EQ(OnlyError(replace(R"([{"at_ms":2,"text":"hi"}])",
                              R"([{"at_ms":2.5,"text":"a"},{"at_ms":2,"text":"b"}])")),
            "c.jsonl:2:164: /response/chunks/1/at_ms: chunks out of order: at_ms 2 is before the "
            "previous chunk's 2.5");
  EXPECT_EQ(OnlyError(replace(R"("end_at_ms":3)", R"("end_at_ms":1.5)")),
            "c.jsonl:2:167: /response/end_at_ms: end_at_ms 1.5 is before the last data (2 ms): the "
            "body cannot end before it arrived");
  EXPECT_EQ(OnlyError(replace(R"("text":"hi")", R"("text":"hi","base64":"aGk=")")),
            "c.jsonl:2:130: /response/chunks/0: a chunk holds exactly one of 'text', 'base64'");
  EXPECT_THAT(Errors(replace(R"("text":"hi")", R"("json":{})")),
              ElementsAre("c.jsonl:2:130: /response/chunks/0: a chunk holds exactly one of 'text', "
                          "'base64'",
                          "c.jsonl:2:141: /response/chunks/0/json: unknown field 'json' (allowed: "
                          "at_ms, text, base64)"));
  EXPECT_EQ(OnlyError(replace(R"("text":"hi")", R"("base64":"a*=")")),
            "c.jsonl:2:150: /response/chunks/0/base64: not valid base64 (RFC 4648, with padding)");
  EXPECT_EQ(OnlyError(replace(R"("target":"/v1/chat/completions")",
                              R"("target":"/v1/chat/completions","body":{"json":{},"text":""})")),
            "c.jsonl:2:83: /request/body: a body holds exactly one of 'json', 'text', 'base64'");
  EXPECT_EQ(OnlyError(replace(R"("target":"/v1/chat/completions")",
                              R"("target":"/v1/chat/completions","headers":[["X-A"]])")),
            "c.jsonl:2:87: /request/headers/0: a header is a [name, value] pair of strings");
  EXPECT_EQ(
      OnlyError(replace(R"("target":"/v1/chat/completions")",
                        R"("target":"/v1/chat/completions","headers":[["X-A","a\r\nX-B: b"]])")),
      "c.jsonl:2:94: /request/headers/0/1: header value must not contain control characters "
      "(CR, LF, NUL, ...)");
  EXPECT_EQ(OnlyError(replace(R"("target":"/v1/chat/completions")",
                              R"("target":"/v1/chat/completions","headers":[["X A","a"]])")),
            "c.jsonl:2:88: /request/headers/0/0: header name 'X A' is not an HTTP token");
  EXPECT_EQ(OnlyError(replace(R"("/v1/chat/completions")", R"("v1/chat completions")")),
            "c.jsonl:2:53: /request/target: target must be a path and query starting with '/', "
            "without spaces or control characters, got 'v1/chat completions'");
  EXPECT_EQ(
      OnlyError(replace(R"("end_at_ms":3)", R"("end_at_ms":3,"end_at_ms":4)")),
      "c.jsonl:2:169: /response/end_at_ms: duplicate field 'end_at_ms' (first at column 155)");
  EXPECT_EQ(OnlyError(replace(R"(,"end_at_ms":3)", "")),
            "c.jsonl:2:88: /response: missing required field 'end_at_ms'");
  EXPECT_THAT(Errors(replace(R"("request")", R"("requets")")),
              ElementsAre("c.jsonl:2:1: /: missing required field 'request'",
                          "c.jsonl:2:17: /requets: unknown field 'requets'; did you mean "
                          "'request'?"));
  EXPECT_EQ(OnlyError(WithExchange("[1,2]\n")), "c.jsonl:2:1: /: expected an object, got an array");
}

TEST(CassetteErrorsTest, EveryBadLineIsReported) {
  std::string text = std::string(kHeader) + std::string(kExchange) + "{\"sent_at_ms\": }\n" +
                     std::string(kExchange) + "\n" + R"({"sent_at_ms":0,"request":{},"x":1})" +
                     "\n" + std::string(kExchange);
  EXPECT_THAT(Errors(text),
              ElementsAre("c.jsonl:3:16: /sent_at_ms: invalid JSON: Invalid value.",
                          "c.jsonl:5:1: blank line: a cassette has one JSON object on every line",
                          "c.jsonl:6:1: /: missing required field 'response'",
                          "c.jsonl:6:27: /request: missing required field 'method'",
                          "c.jsonl:6:27: /request: missing required field 'target'",
                          "c.jsonl:6:30: /x: unknown field 'x' (allowed: conversation, "
                          "sent_at_ms, request, response)"));
}

TEST(CassetteErrorsTest, TooManyErrorsStop) {
  std::string text(kHeader);
  for (int i = 0; i < 500; ++i) text += "{}\n";
  const auto errors = Errors(text);
  ASSERT_EQ(errors.size(), kMaxCassetteErrors + 1);
  EXPECT_EQ(errors.back(), "c.jsonl: too many errors; stopped after 200");
}

// --- Hostile input ---

TEST(CassetteHostileTest, BoundedAndLocated) {
  const std::string deep = OnlyError(WithExchange(std::string(5000, '[') + "\n"));
  EXPECT_TRUE(deep.starts_with("c.jsonl:2:101: /0/0/0/")) << deep;
  EXPECT_TRUE(deep.ends_with("/0/0: invalid JSON: Nesting deeper than 100 levels.")) << deep;
  EXPECT_EQ(OnlyError(WithExchange(std::string("{\"sent_at_ms\":\0}\n", 17))),
            "c.jsonl:2:15: /: invalid JSON: NUL byte in the text.");
  EXPECT_EQ(OnlyError(WithExchange("{\"conversation\":\"\xFF\"}\n")),
            "c.jsonl:2:18: /conversation: invalid JSON: Invalid encoding in string.");
  std::string big_line = std::string(kExchange);
  EXPECT_EQ(OnlyError(WithExchange(big_line), {.max_line_bytes = 64}),
            "c.jsonl:2:1: line is 169 bytes long; the limit is 64 bytes");
}

TEST(CassetteHostileTest, MutatedFilesNeverCrash) {
  const std::string whole = CassetteText(RichCassette());
  // Every prefix, and every byte replaced by a handful of troublemakers.
  for (size_t cut = 0; cut <= whole.size(); cut += 3) {
    (void)ParseCassette(whole.substr(0, cut), "c.jsonl");
  }
  const char evil[] = {'\0', '"', '{', ']', '\n', '\xFF', '9', '-'};
  for (size_t at = 0; at < whole.size(); at += 2) {
    for (char c : evil) {
      std::string text = whole;
      text[at] = c;
      (void)ParseCassette(text, "c.jsonl");
    }
  }
  SUCCEED();
}

// --- The JSON Schema ---

std::set<std::string> Names(std::span<const std::string_view> names) {
  return {names.begin(), names.end()};
}

std::set<std::string> MemberNames(const rapidjson::Value& obj) {
  std::set<std::string> out;
  for (const auto& m : obj.GetObject()) out.insert(m.name.GetString());
  return out;
}

TEST(CassetteSchemaTest, AgreesWithTheReader) {
  std::ifstream in(kScenariosDir / "schemas" / "cassette.schema.json");
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  rapidjson::Document schema;
  schema.Parse(text.c_str());
  ASSERT_FALSE(schema.HasParseError()) << "offset " << schema.GetErrorOffset();
  EXPECT_STREQ(schema["$schema"].GetString(), "https://json-schema.org/draft/2020-12/schema");
  const rapidjson::Value& defs = schema["$defs"];
  EXPECT_STREQ(defs["header"]["properties"]["schema"]["const"].GetString(),
               mocks::kCassetteSchemaV1);
  for (const ObjectFields& fields : CassetteFields()) {
    const std::string object(fields.object);
    SCOPED_TRACE(object);
    ASSERT_TRUE(defs.HasMember(object.c_str()));
    const rapidjson::Value& def = defs[object.c_str()];
    EXPECT_EQ(MemberNames(def["properties"]), Names(fields.known));
    std::set<std::string> required;
    if (def.HasMember("required")) {
      for (const auto& r : def["required"].GetArray()) required.insert(r.GetString());
    }
    EXPECT_EQ(required, Names(fields.required));
    ASSERT_TRUE(def.HasMember("additionalProperties"));
    EXPECT_TRUE(def["additionalProperties"].IsFalse());
  }
  std::set<std::string> runtimes;
  for (const auto& r : defs["header"]["properties"]["runtime"]["enum"].GetArray()) {
    runtimes.insert(r.GetString());
  }
  EXPECT_EQ(runtimes, Names(CassetteRuntimes()));
  EXPECT_EQ(defs["offset_ms"]["maximum"].GetDouble(), kMaxCassetteOffsetMs);
  EXPECT_EQ(defs["response"]["properties"]["status"]["minimum"].GetInt(), 100);
  EXPECT_EQ(defs["response"]["properties"]["status"]["maximum"].GetInt(), 599);
}

}  // namespace
}  // namespace agentreplay::harness
