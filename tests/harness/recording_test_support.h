// Helpers shared by the recording tests: a cassette that uses every field, field-by-field
// comparison (the cassette model has no operator==), and reading fixtures.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "mocks/model/cassette.h"

namespace agentreplay::harness::recording_test {

inline const std::filesystem::path kFixturesDir = AGENTREPLAY_FIXTURES_DIR;

inline std::string ReadFixture(const std::string& name) {
  std::ifstream in(kFixturesDir / name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline Duration Us(int64_t us) { return std::chrono::microseconds(us); }

inline void ExpectSameHeaders(const HttpHeaders& a, const HttpHeaders& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].name, b[i].name);
    EXPECT_EQ(a[i].value, b[i].value);
  }
}

inline void ExpectSameCassette(const mocks::Cassette& a, const mocks::Cassette& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.runtime, b.runtime);
  EXPECT_EQ(a.model, b.model);
  EXPECT_EQ(a.redacted, b.redacted);
  EXPECT_EQ(a.source.kind, b.source.kind);
  EXPECT_EQ(a.source.origin, b.source.origin);
  EXPECT_EQ(a.source.recorded_at, b.source.recorded_at);
  EXPECT_EQ(a.source.timing_derived, b.source.timing_derived);
  EXPECT_EQ(a.source.pace, b.source.pace);
  ASSERT_EQ(a.exchanges.size(), b.exchanges.size());
  for (size_t i = 0; i < a.exchanges.size(); ++i) {
    SCOPED_TRACE("exchange " + std::to_string(i));
    const auto& x = a.exchanges[i];
    const auto& y = b.exchanges[i];
    EXPECT_EQ(x.conversation, y.conversation);
    EXPECT_EQ(x.sent_at, y.sent_at);
    EXPECT_EQ(x.request.method, y.request.method);
    EXPECT_EQ(x.request.target, y.request.target);
    ExpectSameHeaders(x.request.headers, y.request.headers);
    EXPECT_EQ(x.request.body, y.request.body);
    EXPECT_EQ(x.response.status, y.response.status);
    ExpectSameHeaders(x.response.headers, y.response.headers);
    EXPECT_EQ(x.response.headers_at, y.response.headers_at);
    EXPECT_EQ(x.response.end_at, y.response.end_at);
    EXPECT_EQ(x.response.error, y.response.error);
    ASSERT_EQ(x.response.chunks.size(), y.response.chunks.size());
    for (size_t k = 0; k < x.response.chunks.size(); ++k) {
      EXPECT_EQ(x.response.chunks[k].at, y.response.chunks[k].at) << "chunk " << k;
      EXPECT_EQ(x.response.chunks[k].bytes, y.response.chunks[k].bytes) << "chunk " << k;
    }
  }
}

// Every field set, with text that needs escaping, bodies in all three spellings, a repeated
// header, a broken exchange, and times at microsecond resolution.
inline mocks::Cassette RichCassette() {
  mocks::Cassette c;
  c.name = "rich";
  c.description = "Every field: \"quotes\", a back\\slash, a tab\t, é and ✓.";
  c.runtime = "responses";
  c.model = "gpt-4.1-mini";
  c.source = {"record", "https://api.openai.com", "2025-10-14T09:21:07.081Z", true,
              "derived: test pace"};
  c.redacted = {"api_key", "authorization"};

  mocks::CassetteExchange first;
  first.conversation = "resp_1";
  first.sent_at = Us(0);
  first.request = {"POST",
                   "/v1/responses?include[]=x%20y",
                   {{"Content-Type", "application/json"},
                    {"Authorization", "Bearer REDACTED"},
                    {"X-Repeat", "a"},
                    {"X-Repeat", "b"}},
                   R"({"model":"gpt-4.1-mini","input":"Héllo ✓","stream":true,"temperature":0.7})"};
  first.response.status = 200;
  first.response.headers = {{"Content-Type", "text/event-stream; charset=utf-8"}};
  first.response.headers_at = Us(312'500);
  first.response.chunks = {
      {Us(312'500), "event: response.created\ndata: {\"type\":\"response.created\"}\n\n"},
      {Us(333'001), "event: response.output_text.delta\ndata: {\"delta\":\"Hi\"}\n\n"},
      {Us(333'001), "event: response.completed\ndata: {\"type\":\"response.completed\"}\n\n"}};
  first.response.end_at = Us(400'000);

  mocks::CassetteExchange second;
  second.sent_at = Us(1'500'250);
  second.request = {"POST", "/v1/responses", {}, "{\n  \"pretty\": true\n}"};
  second.response.status = 502;
  second.response.headers_at = Us(7);
  second.response.chunks = {{Us(8), std::string("\xff\xfe\x00 binary", 10)},
                            {Us(9), std::string("text with a NUL \x00 inside", 24)}};
  second.response.end_at = Us(9);
  second.response.error = "connection_reset";

  mocks::CassetteExchange third;
  third.conversation = "resp_1";
  third.sent_at = Us(604'800'000'000);  // the limit: 7 days
  third.request = {"GET", "/v1/responses/resp_1", {}, std::string("\x80\x81 not utf-8", 12)};
  third.response.status = 404;
  third.response.headers_at = Us(1);
  third.response.end_at = Us(1);

  c.exchanges = {first, second, third};
  return c;
}

}  // namespace agentreplay::harness::recording_test
