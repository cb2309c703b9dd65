// `agentreplay chat` end to end: the binary, run as a user runs it, against a loopback server
// that replays a recorded Responses stream (real API traffic, see the fixtures' SOURCES.md).
// No network, no key.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/cli_runner.h"
#include "tests/net/test_server.h"

namespace agentreplay::net {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using agentreplay::testing::CliResult;
using agentreplay::testing::Slurp;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ReceivedRequest;
using testing::Script;
using testing::TestServer;
using testing::Write;

// A recorded streamed response: its SSE events (as the server wrote them) and the text
// the model produced.
struct Recording {
  std::vector<std::string> events;
  std::string text;
};

Recording LoadRecording(const std::string& file) {
  Recording r;
  rapidjson::Document doc;
  doc.Parse(Slurp(fs::path(AGENTREPLAY_FIXTURES_DIR) / file).c_str());
  EXPECT_FALSE(doc.HasParseError()) << file;
  if (doc.HasParseError()) return r;
  const auto& lines = doc["Entries"][0]["ResponseBody"];
  std::string event;
  for (const auto& line : lines.GetArray()) {
    event += line.GetString();
    if (event.size() >= 2 && event.compare(event.size() - 2, 2, "\n\n") == 0) {
      r.events.push_back(event);
      event.clear();
    }
  }
  if (!event.empty()) r.events.push_back(event);
  for (const auto& e : r.events) {
    const auto data = e.find("data: ");
    if (data == std::string::npos) continue;
    rapidjson::Document d;
    d.Parse(e.c_str() + data + 6, e.size() - data - 6);
    if (!d.HasParseError() && d.HasMember("type") &&
        std::string(d["type"].GetString()) == "response.output_text.delta") {
      r.text += d["delta"].GetString();
    }
  }
  return r;
}

// Answers POST /v1/responses with the recording, one event per chunk, a few ms apart.
Script Replay(const Recording& recording) {
  Script s{Write(testing::Head(200, std::nullopt, {{"Content-Type", "text/event-stream"}}))};
  for (const auto& e : recording.events) {
    s.push_back(testing::Pause(5ms));
    s.push_back(Write(testing::Chunk(e)));
  }
  s.push_back(Write(testing::LastChunk()));
  return s;
}

// The same, but the body never ends: the server holds the connection open after the last
// event, as some proxies and servers do.
Script ReplayHeldOpen(const Recording& recording) {
  Script s = Replay(recording);
  s.back() = testing::Stall();
  return s;
}

// The value `chat` printed for `metric` in its metrics block; -1 when absent.
double PrintedMetric(const std::string& out, const std::string& metric) {
  const size_t at = out.find("\n" + metric + " ");
  if (at == std::string::npos) return -1;
  std::istringstream in(out.substr(at + metric.size() + 1));
  double value = -1;
  in >> value;
  return value;
}

class ChatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("agentreplay-chat-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs the binary with OPENAI_* unset, plus `env` assignments.
  CliResult Chat(std::vector<std::string> args, const std::string& env = "") {
    args.insert(args.begin(), "chat");
    return agentreplay::testing::RunCli(dir_, args,
                                        "env -u OPENAI_API_KEY -u OPENAI_BASE_URL " + env);
  }

  fs::path dir_;
};

TEST_F(ChatTest, StreamsARecordedResponsesAnswerAndPrintsTheTurnsMetrics) {
  const Recording recording = LoadRecording("dotnet-responses-streaming-text.json");
  ASSERT_GT(recording.events.size(), 5u);
  ASSERT_FALSE(recording.text.empty());
  TestServer server([&](const ReceivedRequest& r) {
    if (r.method == "POST" && r.target == "/v1/responses") return Replay(recording);
    return Script{Write(testing::Full(404, "{}"))};
  });

  const CliResult r = Chat({"Hello, world!", "--runtime", "responses", "--model", "gpt-4o-mini",
                            "--base-url", server.base_url() + "/v1"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr(recording.text));
  for (const char* metric : {"ttfs_ms", "ttft_ms", "e2e_ms", "requests", "tool_calls"}) {
    EXPECT_THAT(r.out, HasSubstr(metric));
  }
  EXPECT_THAT(r.out, HasSubstr("responses.create"));

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_THAT(requests[0].body, HasSubstr("Hello, world!"));
  EXPECT_THAT(requests[0].body, HasSubstr("\"stream\":true"));
  EXPECT_FALSE(FindHeader(requests[0].headers, "authorization"));  // loopback needs no key
}

TEST_F(ChatTest, ABodyHeldOpenAfterTheTerminalEventDoesNotHoldTheTurn) {
  const Recording recording = LoadRecording("dotnet-responses-streaming-text.json");
  TestServer server([&](const ReceivedRequest&) { return ReplayHeldOpen(recording); });
  const auto start = std::chrono::steady_clock::now();
  // Waiting for the body's end would last until the read timeout (the turn's 30 s) and fail.
  const CliResult r = Chat({"hi", "--timeout", "30", "--base-url", server.base_url() + "/v1"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr(recording.text));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);
  // e2e ends at response.completed: the 17 events arrive 5 ms apart.
  const double e2e = PrintedMetric(r.out, "e2e_ms");
  EXPECT_GT(e2e, 0) << r.out;
  EXPECT_LT(e2e, 5000) << r.out;
}

TEST_F(ChatTest, ShowsRecordedReasoningOnStderrApartFromTheAnswer) {
  const Recording recording = LoadRecording("dotnet-responses-reasoning-summary-streaming.json");
  ASSERT_FALSE(recording.text.empty());
  TestServer server([&](const ReceivedRequest&) { return Replay(recording); });
  const CliResult r = Chat({"Plan my trip", "--base-url", server.base_url() + "/v1"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("[reasoning] **Planning a New York itinerary**\n\nThe user is"));
  EXPECT_THAT(r.out, HasSubstr(recording.text));
  EXPECT_THAT(r.out, Not(HasSubstr("Planning a New York itinerary")));
}

TEST_F(ChatTest, SendsTheKeyAsABearerToken) {
  const Recording recording = LoadRecording("dotnet-responses-streaming-text.json");
  TestServer server([&](const ReceivedRequest&) { return Replay(recording); });
  const CliResult r =
      Chat({"hi", "--base-url", server.base_url() + "/v1"}, "OPENAI_API_KEY=sk-loopback-test");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(FindHeader(requests[0].headers, "authorization"), "Bearer sk-loopback-test");
}

TEST_F(ChatTest, ReadsTheBaseUrlFromTheEnvironment) {
  const Recording recording = LoadRecording("dotnet-responses-streaming-text.json");
  TestServer server([&](const ReceivedRequest&) { return Replay(recording); });
  const CliResult r = Chat({"hi"}, "OPENAI_BASE_URL=" + server.base_url() + "/v1");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr(recording.text));
}

TEST_F(ChatTest, MissingKeyForARemoteEndpointIsAUsageError) {
  // Refused before any connection is attempted.
  const CliResult r = Chat({"hi", "--base-url", "https://api.example.invalid/v1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("OPENAI_API_KEY"));
}

TEST_F(ChatTest, ATransportFailureEndsTheTurnWithItsReason) {
  TestServer server([](const ReceivedRequest&) { return Script{testing::ResetConnection()}; });
  // No retry package: the first failure ends the turn.
  const CliResult r =
      Chat({"hi", "--variant", "p0+p2+p3", "--base-url", server.base_url() + "/v1"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("connection_reset"));
  EXPECT_THAT(r.out, HasSubstr("e2e_ms"));
  EXPECT_THAT(r.out, Not(HasSubstr("ttft_ms")));
}

// A hostile endpoint: every way it can make the agent parse or hold too much ends the turn with
// a named error (exit 1, metrics printed), never a crash. Before the bounded parser, the nested
// event overflowed the stack (SIGSEGV, exit 139) and the endless line grew without a bound.
Script SseOf(std::string event_bytes) {
  return Script{Write(testing::Head(200, std::nullopt, {{"Content-Type", "text/event-stream"}})),
                Write(testing::Chunk(event_bytes)), Write(testing::LastChunk())};
}

TEST_F(ChatTest, AHostileEndpointsDeeplyNestedEventIsAnErrorNotACrash) {
  const std::string nested = "data: " + std::string(300'000, '[') + "\n\n";
  TestServer server([&](const ReceivedRequest&) { return SseOf(nested); });
  const CliResult r =
      Chat({"hi", "--variant", "p0+p2+p3", "--base-url", server.base_url() + "/v1"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("Nesting deeper than 512 levels"));
  EXPECT_THAT(r.out, HasSubstr("e2e_ms"));
}

TEST_F(ChatTest, AHostileEndpointsDeeplyNestedBodyIsAnErrorNotACrash) {
  std::string body;
  for (int i = 0; i < 300'000; ++i) body += "{\"a\":";
  TestServer server([&](const ReceivedRequest&) {
    return Script{Write(testing::Full(400, body, {{"Content-Type", "application/json"}}))};
  });
  const CliResult r =
      Chat({"hi", "--variant", "p0+p2+p3", "--base-url", server.base_url() + "/v1"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("http_400"));
  EXPECT_THAT(r.out, HasSubstr("e2e_ms"));
}

TEST_F(ChatTest, AnSseEventLongerThanTheBoundEndsTheTurnWithItsReason) {
  // One line of 17 MiB that never ends, in 1 MiB chunks: the decoder gives up at 16 MiB.
  Script s{Write(testing::Head(200, std::nullopt, {{"Content-Type", "text/event-stream"}}))};
  const std::string piece(std::size_t{1} << 20, 'x');
  s.push_back(Write(testing::Chunk("data: ")));
  for (int i = 0; i < 17; ++i) s.push_back(Write(testing::Chunk(piece)));
  s.push_back(Write(testing::LastChunk()));
  TestServer server([&](const ReceivedRequest&) { return s; });
  const CliResult r =
      Chat({"hi", "--variant", "p0+p2+p3", "--base-url", server.base_url() + "/v1"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("sse_event_too_large"));
}

}  // namespace
}  // namespace agentreplay::net
