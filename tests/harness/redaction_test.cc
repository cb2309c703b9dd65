// Redaction: credentials always, the user's headers and JSON fields on request, timing kept;
// and the wall-clock parsing the importers rely on.
#include "harness/recording/redaction.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "harness/recording/cassette_format.h"
#include "harness/recording/cassette_writer.h"
#include "harness/recording/wall_time.h"
#include "tests/harness/recording_test_support.h"

namespace agentreplay::harness {
namespace {

using recording_test::RichCassette;
using recording_test::Us;
using ::testing::ElementsAre;

// --- Redaction ---

constexpr std::string_view kKey = "sk-proj-FAKEk3yForTest5Only0000000000000000";

mocks::CassetteExchange SecretExchange() {
  const std::string key(kKey);
  mocks::CassetteExchange e;
  e.request.method = "POST";
  e.request.target = "/v1/responses?api-key=" + key + "&limit=5";
  e.request.headers = {{"authorization", "Bearer " + key},
                       {"X-API-Key", key},
                       {"Cookie", "session=" + key},
                       {"Content-Type", "application/json"},
                       {"X-Custom-Token", key},
                       {"OpenAI-Project", "proj_secret"}};
  e.request.body = R"({"model":"m","metadata":{"api_key":")" + key +
                   R"(","list":[{"api_key":{"nested":")" + key + R"("}},1.50]},"input":"keep me"})";
  e.response.status = 200;
  e.response.headers = {{"Content-Type", "text/event-stream"},
                        {"Set-Cookie", "__cf_bm=" + key},
                        {"openai-organization", "org-secret"}};
  // The event with a secret is split over two chunks; the other one is left alone.
  const std::string event = R"(data: {"type":"x","api_key":")" + key +
                            R"(","n":1.50})"
                            "\n\n";
  e.response.chunks = {{Us(10), "data: {\"type\":\"before\"}\n\n" + event.substr(0, 20)},
                       {Us(20), event.substr(20)},
                       {Us(30), "data: [DONE]\n\n"}};
  return e;
}

TEST(RedactionTest, RemovesEverySecret) {
  mocks::Cassette c = RichCassette();
  c.exchanges.push_back(SecretExchange());
  c.exchanges.back().sent_at = Us(604'800'000'000);
  ASSERT_TRUE(LooksLikeSecret(CassetteText(c)));
  RedactCassette(c, {.headers = {"x-custom-token"}, .json_fields = {"api_key"}});
  const std::string text = CassetteText(c);
  EXPECT_FALSE(LooksLikeSecret(text)) << text;
  EXPECT_EQ(text.find("FAKEk3y"), std::string::npos);
  EXPECT_EQ(text.find("proj_secret"), std::string::npos);
  EXPECT_EQ(text.find("org-secret"), std::string::npos);
  EXPECT_THAT(c.redacted,
              ElementsAre("api-key", "api_key", "authorization", "cookie", "openai-organization",
                          "openai-project", "set-cookie", "x-api-key", "x-custom-token"));
  const mocks::CassetteExchange& e = c.exchanges.back();
  EXPECT_EQ(e.request.target, "/v1/responses?api-key=REDACTED&limit=5");
  EXPECT_EQ(e.request.headers[0].value, "Bearer REDACTED");  // the scheme stays
  EXPECT_EQ(e.request.headers[1].value, "REDACTED");
  EXPECT_EQ(e.request.headers[3].value, "application/json");
  EXPECT_EQ(e.request.body,
            R"({"model":"m","metadata":{"api_key":"REDACTED","list":[{"api_key":"REDACTED"},)"
            R"(1.50]},"input":"keep me"})");
  // Unchanged bytes stay in their chunk; the redacted line goes out with its last byte.
  ASSERT_EQ(e.response.chunks.size(), 3U);
  EXPECT_EQ(e.response.chunks[0].bytes, "data: {\"type\":\"before\"}\n\ndata: ");
  EXPECT_EQ(e.response.chunks[1].bytes, R"({"type":"x","api_key":"REDACTED","n":1.50})"
                                        "\n\n");
  EXPECT_EQ(e.response.chunks[1].at, Us(20));
  EXPECT_EQ(e.response.chunks[2].bytes, "data: [DONE]\n\n");
  // The rich cassette had nothing to redact but its Authorization: its bodies are untouched.
  EXPECT_EQ(c.exchanges[0].request.body, RichCassette().exchanges[0].request.body);
  EXPECT_EQ(c.exchanges[0].request.headers[1].value, "Bearer REDACTED");
  // Redacting again changes nothing.
  mocks::Cassette again = c;
  RedactCassette(again, {.headers = {"x-custom-token"}, .json_fields = {"api_key"}});
  EXPECT_EQ(CassetteText(again), text);
}

TEST(RedactionTest, CredentialHeadersAreAlwaysRedacted) {
  mocks::CassetteExchange e = SecretExchange();
  std::set<std::string> names;
  RedactRequest(e.request, {}, names);
  RedactResponse(e.response, {}, names);
  EXPECT_EQ(e.request.headers[0].value, "Bearer REDACTED");
  EXPECT_EQ(e.request.headers[4].value, kKey);   // a user header only when named
  EXPECT_TRUE(LooksLikeSecret(e.request.body));  // JSON fields only when named
  EXPECT_THAT(names, ElementsAre("api-key", "authorization", "cookie", "openai-organization",
                                 "openai-project", "set-cookie", "x-api-key"));
  EXPECT_THAT(
      RedactionNames({.headers = {"X-Custom"}, .json_fields = {"password"}}),
      ElementsAre("api-key", "authorization", "cookie", "openai-organization", "openai-project",
                  "password", "proxy-authorization", "set-cookie", "x-api-key", "x-custom"));
}

TEST(RedactionTest, JsonBodyResponseBecomesOneEdit) {
  mocks::CassetteResponse r;
  r.headers = {{"Content-Type", "application/json"}};
  r.chunks = {{Us(5), R"({"id":"x","password":)"}, {Us(9), R"("hunter2"})"}};
  std::set<std::string> names;
  RedactResponse(r, {.json_fields = {"password"}}, names);
  ASSERT_EQ(r.chunks.size(), 1U);
  EXPECT_EQ(r.chunks[0].at, Us(9));
  EXPECT_EQ(r.chunks[0].bytes, R"({"id":"x","password":"REDACTED"})");
  EXPECT_THAT(names, ElementsAre("password"));
}

TEST(RedactionTest, JsonFieldsAtAnyDepth) {
  std::set<std::string> names;
  const std::string deep = std::string(20000, '[') + R"({"k":"secret"})" + std::string(20000, ']');
  const auto redacted = RedactJsonFields(deep, std::vector<std::string>{"k"}, names);
  ASSERT_TRUE(redacted.has_value());
  EXPECT_EQ(*redacted, std::string(20000, '[') + R"({"k":"REDACTED"})" + std::string(20000, ']'));
  EXPECT_FALSE(RedactJsonFields("not json", std::vector<std::string>{"k"}, names));
  EXPECT_FALSE(RedactJsonFields(R"({"other":1})", std::vector<std::string>{"k"}, names));
  EXPECT_FALSE(RedactJsonFields(R"({"k":1)", std::vector<std::string>{"k"}, names));
}

TEST(RedactionTest, LooksLikeSecret) {
  EXPECT_TRUE(LooksLikeSecret("Bearer sk-abcdefghijklmnopqrstuvwx"));
  EXPECT_TRUE(LooksLikeSecret(R"({"key":"sk-proj-abcdefghijklmnop1234"})"));
  EXPECT_FALSE(LooksLikeSecret("sk-short"));
  EXPECT_FALSE(LooksLikeSecret("task-abcdefghijklmnopqrstuvwxyz"));
  EXPECT_FALSE(LooksLikeSecret("Bearer REDACTED"));
}

// --- Wall-clock times ---

TEST(WallTimeTest, ParsesAndFormats) {
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseRfc3339("2025-09-16T23:14:39Z"), int64_t{1758064479} * 1'000'000'000);
  EXPECT_EQ(ParseRfc3339("2025-09-17T01:14:39.5+02:00"),
            int64_t{1758064479} * 1'000'000'000 + 500'000'000);
  EXPECT_EQ(ParseRfc3339("2024-02-29T12:00:00.123456789123Z"),
            int64_t{1709208000} * 1'000'000'000 + 123'456'789);
  EXPECT_FALSE(ParseRfc3339("2025-02-29T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("9999-12-31T23:59:59Z"));  // beyond int64 nanoseconds
  EXPECT_FALSE(ParseRfc3339("0001-01-01T00:00:00Z"));
  EXPECT_FALSE(ParseHttpDate("Fri, 31 Dec 9999 23:59:59 GMT"));
  EXPECT_FALSE(ParseRfc3339("2025-09-16 23:14:39"));
  EXPECT_FALSE(ParseRfc3339("2025-09-16T23:14:39.Z"));
  EXPECT_EQ(FormatRfc3339(int64_t{1758064479} * 1'000'000'000), "2025-09-16T23:14:39Z");
  EXPECT_EQ(FormatRfc3339(int64_t{1760433667081} * 1'000'000), "2025-10-14T09:21:07.081Z");
  EXPECT_EQ(FormatRfc3339(-1'000'000'000), "1969-12-31T23:59:59Z");
  EXPECT_EQ(ParseHttpDate("Tue, 16 Sep 2025 23:14:39 GMT"), int64_t{1758064479} * 1'000'000'000);
  EXPECT_FALSE(ParseHttpDate("Tue, 16 Sepember 2025 23:14:39 GMT"));
  EXPECT_FALSE(ParseHttpDate("16 Sep 2025"));
}

}  // namespace
}  // namespace agentreplay::harness
