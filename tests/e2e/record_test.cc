// End-to-end: `agentreplay record` in front of `agentreplay serve`, both run as a user runs
// them. Every runtime's flows, streamed and not, go through the proxy; the cassette must hold
// one exchange per request with the bytes the client got, the served scenario's timing (within
// the loopback noise this test measures against `serve` directly), and no secret; nor may the
// proxy's output. A proxy killed mid-stream keeps every completed exchange; one stopped with
// SIGINT mid-stream lets the stream finish first.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "harness/recording/cassette_reader.h"
#include "harness/recording/redaction.h"
#include "tests/e2e/record_test_support.h"

namespace agentreplay {
namespace {

namespace fs = std::filesystem;
using testing::Agentreplay;
using testing::Answer;
using testing::Client;
using ::testing::HasSubstr;
using testing::JsonString;
using ::testing::Not;
using testing::Piece;
using testing::Slurp;

// tests/fixtures/record/fixed_timeline.json: the deltas are due 180, 220, ... 340 ms after the
// server receives a request (processing 60 ms, ttft 120 ms, a 40 ms gap).
const fs::path kScenario =
    fs::path(AGENTREPLAY_SOURCE_DIR) / "tests" / "fixtures" / "record" / "fixed_timeline.json";
constexpr double kFirstDeltaMs = 180;
constexpr double kGapMs = 40;
// How each delta shows on the wire in every runtime: a JSON string of its own.
const std::vector<std::string> kDeltas = {"\"One\"", "\" two\"", "\" three\"", "\" four\"",
                                          "\" five.\""};

// Fake credentials: shaped like the real ones, so a leak would be recognised.
const std::string kKey = "sk-proj-Zx81LqP0aV3kT9wE2mNc7RdY4uHs6BfGj";
const std::string kOrganization = "org-Q3rT8sLmV2xNsecret";
const std::string kCustomerRef = "alice-7c1f9e@example.com";

double Expected(size_t k) { return kFirstDeltaMs + kGapMs * static_cast<double>(k); }

// When each delta arrived (the first piece holding it), or -1.
std::vector<double> DeltaOffsets(const std::vector<Piece>& pieces) {
  std::vector<double> out;
  for (const std::string& delta : kDeltas) {
    const auto it = std::find_if(pieces.begin(), pieces.end(), [&](const Piece& p) {
      return p.bytes.find(delta) != std::string::npos;
    });
    out.push_back(it == pieces.end() ? -1 : it->at_ms);
  }
  return out;
}

std::vector<Piece> PiecesOf(const mocks::CassetteResponse& response) {
  std::vector<Piece> out;
  for (const auto& c : response.chunks) out.push_back(Piece{ToMillis(c.at), c.bytes});
  return out;
}

// The q-quantile (0..1) of `v`, nearest rank.
double Quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(rank, v.size() - 1)];
}
double Median(const std::vector<double>& v) { return Quantile(v, 0.5); }

// One request the test made, and what it got.
struct Call {
  std::string session;
  std::string method;
  std::string target;  // under the base URL ("/chat/completions")
  Answer answer;
  bool streamed = false;
};

HttpHeaders Session(const std::string& id, bool assistants) {
  HttpHeaders h = {{"x-agentreplay-session", id}};
  if (assistants) h.push_back({"OpenAI-Beta", "assistants=v2"});
  return h;
}

// Every runtime, streamed and not, through `client`; sessions are named `prefix`-flow.
std::vector<Call> DriveAllRuntimes(Client& client, const std::string& prefix, bool streams_only) {
  std::vector<Call> calls;
  auto call = [&](const std::string& flow, const std::string& method, const std::string& target,
                  const std::string& body, bool streamed, bool assistants) -> const Answer& {
    const std::string session = prefix + "-" + flow;
    calls.push_back(Call{session, method, target,
                         client.Call(method, target, body, Session(session, assistants)),
                         streamed});
    EXPECT_EQ(calls.back().answer.status, 200)
        << method << " " << target << ": " << calls.back().answer.body;
    return calls.back().answer;
  };
  const std::string messages = R"("messages":[{"role":"user","content":"Say five words."}])";
  // A member the user asks to redact (--redact-field customer_ref); the mock does not echo it.
  const std::string user = R"("metadata":{"customer_ref":")" + kCustomerRef + R"("})";
  for (const bool stream : {true, false}) {
    if (!stream && streams_only) break;
    const std::string s = stream ? "stream" : "json";
    const std::string flag = stream ? R"(,"stream":true)" : "";
    call("chat-" + s, "POST", "/chat/completions",
         R"({"model":"gpt-4o-mini",)" + messages + "," + user + flag + "}", stream, false);
    call("responses-" + s, "POST", "/responses",
         R"({"model":"gpt-4o-mini","input":"Say five words.")" + flag + "}", stream, false);
    const std::string flow = "assistants-" + s;
    const std::string assistant = JsonString(
        call(flow, "POST", "/assistants", R"({"model":"gpt-4o-mini"})", false, true).body, "id");
    const std::string thread =
        JsonString(call(flow, "POST", "/threads", "{" + messages + "}", false, true).body, "id");
    const std::string runs = "/threads/" + thread + "/runs";
    const std::string run =
        JsonString(call(flow, "POST", runs, R"({"assistant_id":")" + assistant + "\"" + flag + "}",
                        stream, true)
                       .body,
                   "id");
    if (stream) continue;
    for (int i = 0; i < 100; ++i) {  // poll the run until it completes
      if (JsonString(call(flow, "GET", runs + "/" + run, "", false, true).body, "status") ==
          "completed") {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    call(flow, "GET", "/threads/" + thread + "/messages", "", false, true);
  }
  return calls;
}

// How far a streamed call's deltas arrived from the scenario's timeline, per delta.
std::vector<double> Deviations(const std::vector<Piece>& pieces) {
  std::vector<double> out;
  const auto offsets = DeltaOffsets(pieces);
  for (size_t k = 0; k < offsets.size(); ++k) {
    out.push_back(offsets[k] < 0 ? 1e9 : std::abs(offsets[k] - Expected(k)));
  }
  return out;
}

class RecordE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("agentreplay-record-" + std::to_string(::getpid()) + "-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string File(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
};

TEST_F(RecordE2eTest, EveryRuntimeIsRecordedWithTheServedTimingAndNoSecret) {
  Agentreplay served({"serve", kScenario.string(), "--port", "0"}, File("serve.err"));
  const std::string upstream = served.BaseUrl();
  ASSERT_FALSE(upstream.empty()) << served.first_line();
  const std::string cassette_file = File("all.cassette.jsonl");
  Agentreplay proxy({"--log-level", "debug", "record", "--upstream", upstream, "--out",
                     cassette_file, "--redact-field", "customer_ref"},
                    File("record.err"));
  const std::string base = proxy.BaseUrl();
  ASSERT_FALSE(base.empty()) << proxy.first_line();
  EXPECT_EQ(proxy.first_line(), "agentreplay record: listening on " + base + " -> " + upstream);

  const HttpHeaders credentials = {{"Authorization", "Bearer " + kKey},
                                   {"OpenAI-Organization", kOrganization}};
  // The noise of this machine's loopback and timers: the same streams straight from `serve`,
  // before and after the proxied ones (a machine's load changes). A loaded machine delays a
  // timer now and then, so the checks below compare quantiles, not single deltas.
  std::vector<double> direct_deviations;
  Client direct(upstream, credentials);
  auto measure_noise = [&](const std::string& prefix) {
    for (const Call& c : DriveAllRuntimes(direct, prefix, true)) {
      if (!c.streamed) continue;
      for (double d : Deviations(c.answer.pieces)) direct_deviations.push_back(d);
    }
  };
  measure_noise("direct-before");
  Client client(base, credentials);
  const std::vector<Call> calls = DriveAllRuntimes(client, "proxied", false);
  measure_noise("direct-after");
  const double noise = Median(direct_deviations);
  const double noise90 = Quantile(direct_deviations, 0.9);
  proxy.Signal(SIGINT);
  EXPECT_EQ(proxy.Wait(), 0);
  const std::string proxy_output =
      proxy.first_line() + proxy.ReadRest() + Slurp(File("record.err"));
  served.Signal(SIGINT);
  EXPECT_EQ(served.Wait(), 0);

  auto cassette = harness::LoadCassetteFile(cassette_file);
  ASSERT_TRUE(cassette) << cassette.error();
  EXPECT_EQ(cassette->name, "all");
  EXPECT_EQ(cassette->runtime, "chat");  // the first request's API
  EXPECT_EQ(cassette->model, "gpt-4o-mini");
  EXPECT_EQ(cassette->source.kind, "record");
  EXPECT_EQ(cassette->source.origin, upstream);
  EXPECT_FALSE(cassette->source.recorded_at.empty());
  EXPECT_THAT(cassette->redacted,
              ::testing::IsSupersetOf({"authorization", "openai-organization", "customer_ref"}));
  ASSERT_EQ(cassette->exchanges.size(), calls.size());
  std::vector<double> recorded_deviations;
  std::vector<double> overhead;   // the client's offset minus the proxy's, per delta
  std::vector<double> per_piece;  // the same, less what the exchange's head took
  for (size_t i = 0; i < calls.size(); ++i) {
    const Call& call = calls[i];
    const mocks::CassetteExchange& e = cassette->exchanges[i];
    SCOPED_TRACE(call.method + " " + call.target);
    EXPECT_EQ(e.conversation, call.session);
    EXPECT_EQ(e.request.method, call.method);
    EXPECT_EQ(e.request.target, "/v1" + call.target);
    EXPECT_EQ(FindHeader(e.request.headers, "authorization"), "Bearer REDACTED");
    EXPECT_EQ(e.response.status, call.answer.status);
    EXPECT_EQ(e.response.error, "");
    std::string recorded;
    for (const auto& chunk : e.response.chunks) recorded += chunk.bytes;
    EXPECT_EQ(recorded, call.answer.body);
    if (!call.streamed) continue;
    const auto at_proxy = DeltaOffsets(PiecesOf(e.response));
    const auto at_client = DeltaOffsets(call.answer.pieces);
    for (size_t k = 0; k < kDeltas.size(); ++k) {
      // Gross errors only (a wrong origin, a missing delta): a single delta may be late.
      EXPECT_NEAR(at_proxy[k], Expected(k), kGapMs + 3 * noise90) << kDeltas[k];
      recorded_deviations.push_back(std::abs(at_proxy[k] - Expected(k)));
      overhead.push_back(at_client[k] - at_proxy[k]);
      per_piece.push_back(at_client[k] - at_proxy[k] -
                          (call.answer.headers_ms - ToMillis(e.response.headers_at)));
    }
  }
  ASSERT_FALSE(overhead.empty());
  // What the proxy costs the client: the same pieces seen by the client and recorded by the
  // proxy. That includes the request's own hop through the proxy, paid once per exchange; less
  // the head's share of it, what remains is the relay's cost per piece. (net_test's relay test
  // measures the latter on one clock, precisely.)
  std::printf(
      "record: deviation from the scenario, median/p90: direct %.2f/%.2f ms, recorded "
      "%.2f/%.2f ms; client minus proxy per delta: median %.3f ms (max %.3f), beyond the "
      "head's: median %.3f ms\n",
      noise, noise90, Median(recorded_deviations), Quantile(recorded_deviations, 0.9),
      Median(overhead), *std::max_element(overhead.begin(), overhead.end()), Median(per_piece));
  EXPECT_LE(Median(recorded_deviations), std::max(5.0, 2 * noise + 2));
  EXPECT_LE(Quantile(recorded_deviations, 0.9), std::max(20.0, 2 * noise90 + 5));
  EXPECT_LT(Median(overhead), std::max(5.0, 2 * noise));
  EXPECT_LT(Median(per_piece), std::max(2.0, 2 * noise));

  const std::string text = Slurp(cassette_file);
  for (const std::string* secret : {&kKey, &kOrganization, &kCustomerRef}) {
    EXPECT_THAT(text, Not(HasSubstr(*secret)));
    EXPECT_THAT(proxy_output, Not(HasSubstr(*secret)));
  }
  EXPECT_FALSE(harness::LooksLikeSecret(text));
  EXPECT_FALSE(harness::LooksLikeSecret(proxy_output));
  EXPECT_THAT(proxy_output, HasSubstr("POST /v1/chat/completions"));  // it did log
}

TEST_F(RecordE2eTest, AKilledProxyKeepsEveryCompletedExchange) {
  // A third of the pace: the stream below takes about a second.
  Agentreplay served({"serve", kScenario.string(), "--port", "0", "--time-scale", "3"},
                     File("serve.err"));
  const std::string upstream = served.BaseUrl();
  ASSERT_FALSE(upstream.empty());
  const std::string cassette_file = File("killed.cassette.jsonl");
  Agentreplay proxy({"record", "--upstream", upstream, "--out", cassette_file}, File("record.err"));
  const std::string base = proxy.BaseUrl();
  ASSERT_FALSE(base.empty());
  Client client(base, {});
  const std::string chat = R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hi"}])";
  EXPECT_EQ(client.Call("POST", "/chat/completions", chat + "}").status, 200);
  EXPECT_EQ(client.Call("POST", "/responses", R"({"model":"gpt-4o-mini","input":"Hi"})").status,
            200);
  const std::string first = client.StartStream("/chat/completions", chat + R"(,"stream":true})");
  EXPECT_THAT(first, HasSubstr("chat.completion.chunk"));
  proxy.Signal(SIGKILL);
  EXPECT_EQ(proxy.Wait(), 128 + SIGKILL);
  served.Signal(SIGINT);
  served.Wait();

  harness::CassetteReadOptions read;
  read.allow_truncated_tail = true;
  auto cassette = harness::LoadCassetteFile(cassette_file, read);
  ASSERT_TRUE(cassette) << cassette.error();
  ASSERT_EQ(cassette->exchanges.size(), 2u);
  EXPECT_EQ(cassette->exchanges[0].request.target, "/v1/chat/completions");
  EXPECT_EQ(cassette->exchanges[1].request.target, "/v1/responses");
  for (const auto& e : cassette->exchanges) EXPECT_EQ(e.response.error, "");
}

TEST_F(RecordE2eTest, ADroppedStreamIsAbandonedAndSigintLetsAnOpenStreamFinish) {
  Agentreplay served({"serve", kScenario.string(), "--port", "0", "--time-scale", "3"},
                     File("serve.err"));
  const std::string upstream = served.BaseUrl();
  ASSERT_FALSE(upstream.empty());
  const std::string cassette_file = File("drained.cassette.jsonl");
  Agentreplay proxy({"record", "--upstream", upstream, "--out", cassette_file}, File("record.err"));
  const std::string base = proxy.BaseUrl();
  ASSERT_FALSE(base.empty());
  const std::string request = R"({"model":"gpt-4o-mini","input":"Hi","stream":true})";
  Client client(base, {});
  // A client that gives up mid-stream.
  EXPECT_THAT(client.StartStream("/responses", request), HasSubstr("response.created"));
  client.Drop();
  // A stream still playing when the proxy is told to stop: it plays to its end.
  const std::string first = client.StartStream("/responses", request);
  proxy.Signal(SIGINT);
  const Answer rest = client.FinishStream();
  EXPECT_EQ(rest.error, "");
  EXPECT_THAT(rest.body, HasSubstr("response.completed"));
  EXPECT_EQ(proxy.Wait(), 0);
  served.Signal(SIGINT);
  served.Wait();

  auto cassette = harness::LoadCassetteFile(cassette_file);
  ASSERT_TRUE(cassette) << cassette.error();
  ASSERT_EQ(cassette->exchanges.size(), 2u);
  EXPECT_EQ(cassette->exchanges[0].response.error, "abandoned");
  EXPECT_EQ(cassette->exchanges[1].response.error, "");
  std::string recorded;
  for (const auto& chunk : cassette->exchanges[1].response.chunks) recorded += chunk.bytes;
  EXPECT_EQ(recorded, first + rest.body);
  EXPECT_THAT(Slurp(File("record.err")), HasSubstr("2 exchanges written"));
}

}  // namespace
}  // namespace agentreplay
