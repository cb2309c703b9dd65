// The proxy_router over real loopback sockets: lifecycle, byte identity with in-process
// dispatch, error answers, keep-alive, the configured hop delay, sleeping tools, concurrency.
#include "mocks/server/proxy_router.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "harness/real/blocking_http_transport.h"
#include "tests/src/fake_ports.h"
#include "tools/http_tool_dispatcher.h"
#include "tools/in_process_dispatcher.h"

namespace agentreplay::mocks {
namespace {

using harness::BlockingHttpTransport;
using std::chrono::milliseconds;
using testing::FixedClock;
using testing::RunSync;
using SteadyTime = std::chrono::steady_clock;

// A summer instant, so zones with daylight saving time tell their DST offset.
constexpr std::chrono::sys_seconds kWallOrigin{
    std::chrono::sys_days{std::chrono::year{2026} / std::chrono::July / 15} +
    std::chrono::hours(12) + std::chrono::minutes(34)};

// The agent side's real clock, for tests that look at exec time.
class SteadyTestClock : public Clock {
 public:
  TimePoint Now() const override {
    return TimePoint(std::chrono::duration_cast<Duration>(SteadyTime::now().time_since_epoch()));
  }
  Task<void> Sleep(Duration d) override {
    std::this_thread::sleep_for(d);  // never called here: the dispatcher does not sleep
    co_return;
  }
  Task<bool> SleepUnlessCancelled(Duration d, WaitCanceller& canceller) override {
    if (canceller.cancelled()) co_return false;
    std::this_thread::sleep_for(d);
    co_return true;
  }
};

// Returns its arguments untouched: any byte the hop alters shows up in the output.
class EchoTool : public Tool {
 public:
  const ToolSpec& spec() const override { return spec_; }
  Task<ToolResult> Run(std::string arguments, ToolContext&) override {
    co_return ToolResult{std::move(arguments), false};
  }

 private:
  ToolSpec spec_{"echo", "Returns its arguments.", R"({"type":"object"})"};
};

// Waits on the context's clock, which inside the router is the router's own timer.
class SleepTool : public Tool {
 public:
  explicit SleepTool(Duration d) : duration_(d) {}
  const ToolSpec& spec() const override { return spec_; }
  Task<ToolResult> Run(std::string, ToolContext& context) override {
    co_await context.clock->Sleep(duration_);
    co_return ToolResult{R"({"slept":true})", false};
  }

 private:
  Duration duration_;
  ToolSpec spec_{"sleep", "Sleeps.", R"({"type":"object"})"};
};

ToolCatalog TestCatalog(Duration sleep = milliseconds(30)) {
  ToolCatalog catalog = MakeDefaultCatalog();
  catalog.Add(std::make_unique<EchoTool>());
  catalog.Add(std::make_unique<SleepTool>(sleep));
  return catalog;
}

ToolCall TimeCall(const std::string& id, const std::string& zone) {
  return ToolCall{id, "get_current_time", R"({"timezone":")" + zone + R"("})"};
}

class ProxyRouterTest : public ::testing::Test {
 protected:
  std::unique_ptr<ProxyRouter> StartRouter(Duration extra_delay = Duration::zero(),
                                           uint16_t port = 0) {
    auto router = ProxyRouter::Start(catalog_, ToolContext{&frozen_, kWallOrigin}, "127.0.0.1",
                                     port, extra_delay);
    EXPECT_NE(router, nullptr);
    return router;
  }

  ToolCatalog catalog_ = TestCatalog();
  FixedClock frozen_;  // never moves: outputs are deterministic on both paths
};

TEST_F(ProxyRouterTest, StartsOnAnEphemeralPortAndStopsPromptly) {
  auto router = StartRouter();
  ASSERT_NE(router, nullptr);
  const uint16_t port = router->port();
  ASSERT_NE(port, 0);
  EXPECT_EQ(router->base_url(), "http://127.0.0.1:" + std::to_string(port));

  BlockingHttpTransport transport("127.0.0.1", port);
  HttpToolDispatcher hop(transport, frozen_);
  EXPECT_FALSE(RunSync(hop.Dispatch(TimeCall("c1", "UTC"))).is_error);

  // An idle keep-alive connection is still open: Stop must close it, not wait for it.
  const auto before = SteadyTime::now();
  router->Stop();
  EXPECT_LT(SteadyTime::now() - before, std::chrono::seconds(5));
  router->Stop();  // idempotent

  const ToolOutput gone = RunSync(hop.Dispatch(TimeCall("c2", "UTC")));
  EXPECT_TRUE(gone.is_error);
  EXPECT_NE(gone.output.find("dispatch_failed"), std::string::npos) << gone.output;

  // The port is free again.
  auto again = StartRouter(Duration::zero(), port);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->port(), port);
  BlockingHttpTransport fresh("127.0.0.1", port);
  HttpToolDispatcher hop2(fresh, frozen_);
  EXPECT_FALSE(RunSync(hop2.Dispatch(TimeCall("c3", "UTC"))).is_error);
}

TEST_F(ProxyRouterTest, DestructorStopsAndFreesThePort) {
  uint16_t port = 0;
  {
    auto router = StartRouter();
    ASSERT_NE(router, nullptr);
    port = router->port();
    BlockingHttpTransport transport("127.0.0.1", port);
    HttpToolDispatcher hop(transport, frozen_);
    EXPECT_FALSE(RunSync(hop.Dispatch(TimeCall("c1", "UTC"))).is_error);
  }
  auto again = StartRouter(Duration::zero(), port);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->port(), port);
}

TEST_F(ProxyRouterTest, StartFailsOnABadAddress) {
  EXPECT_EQ(ProxyRouter::Start(catalog_, ToolContext{&frozen_, kWallOrigin}, "not-an-ip"), nullptr);
}

TEST_F(ProxyRouterTest, OutputsAreByteIdenticalToInProcessDispatch) {
  auto router = StartRouter();
  ASSERT_NE(router, nullptr);
  BlockingHttpTransport transport("127.0.0.1", router->port());
  HttpToolDispatcher hop(transport, frozen_);
  InProcessDispatcher local(catalog_, ToolContext{&frozen_, kWallOrigin});

  std::vector<ToolCall> calls;
  for (const char* zone : {"UTC", "GMT", "Etc/UTC", "Europe/Warsaw", "America/New_York",
                           "Asia/Kolkata", "Australia/Lord_Howe", "Mars/Olympus", "../passwd"}) {
    calls.push_back(TimeCall("t" + std::to_string(calls.size()), zone));
  }
  for (const char* args : {"", "not json", "[]", "{}", R"({"timezone":5})",
                           R"({"timezone":"UTC","extra":"\u00e9\n\"q\""})"}) {
    calls.push_back(ToolCall{"b" + std::to_string(calls.size()), "get_current_time", args});
  }
  calls.push_back(ToolCall{"u1", "get_weather", R"({"city":"Oslo"})"});
  calls.push_back(ToolCall{"u2", "", "{}"});
  // Control bytes, a NUL, UTF-8 and a byte that is not UTF-8 must cross the hop untouched.
  constexpr char kOddBytes[] = "a\0b\x01\t\"\\ za\xC5\xBC\xC3\xB3\xC5\x82\xFF";
  calls.push_back(ToolCall{"e1", "echo", std::string(kOddBytes, sizeof(kOddBytes) - 1)});

  for (const ToolCall& call : calls) {
    SCOPED_TRACE(call.call_id + " " + call.name + " " + call.arguments);
    const ToolOutput expected = RunSync(local.Dispatch(call));
    const ToolOutput actual = RunSync(hop.Dispatch(call));
    EXPECT_EQ(actual.output, expected.output);
    EXPECT_EQ(actual.is_error, expected.is_error);
    EXPECT_EQ(actual.call_id, call.call_id);
    EXPECT_EQ(actual.output.find("dispatch_failed"), std::string::npos);
  }
  // Every call above shared one keep-alive connection.
  EXPECT_EQ(router->connections_accepted(), 1u);
}

// Sends raw requests and checks the router's error answers.
class RawRequests : public ProxyRouterTest {
 protected:
  HttpResponse Send(std::string method, std::string target, std::string body) {
    HttpRequest request{std::move(method), std::move(target), {}, std::move(body)};
    request.headers.push_back({"Content-Type", "application/json"});
    return RunSync(transport_->Send(std::move(request)));
  }
  // The error type of an {"error":{"type":...}} body, or "" when the body has another shape.
  static std::string ErrorType(HttpResponse& response) {
    const BodyChunk body = RunSync(ReadAll(*response.body));
    rapidjson::Document doc;
    doc.Parse(body.bytes.data(), body.bytes.size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("error")) return "";
    const auto& error = doc["error"];
    if (!error.IsObject() || !error.HasMember("message") || !error["message"].IsString() ||
        std::string(error["message"].GetString()).empty()) {
      return "";
    }
    return error.HasMember("type") && error["type"].IsString() ? error["type"].GetString() : "";
  }
  void SetUp() override {
    router_ = StartRouter();
    ASSERT_NE(router_, nullptr);
    transport_ = std::make_unique<BlockingHttpTransport>("127.0.0.1", router_->port());
  }
  std::unique_ptr<ProxyRouter> router_;
  std::unique_ptr<BlockingHttpTransport> transport_;
};

TEST_F(RawRequests, BadBodiesAnswer400WithTheErrorShape) {
  for (const char* body : {"not json", "[1,2]", R"({"call_id":"c","name":"echo"})",
                           R"({"call_id":"c","name":"echo","arguments":{}})",
                           R"({"call_id":7,"name":"echo","arguments":"{}"})"}) {
    SCOPED_TRACE(body);
    HttpResponse response = Send("POST", "/v1/tool_calls", body);
    ASSERT_FALSE(response.error);
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(ErrorType(response), "invalid_request");
  }
  // Error answers keep the connection alive.
  EXPECT_EQ(transport_->connections_opened(), 1u);
}

TEST_F(RawRequests, UnknownPathsAnswer404AndOtherMethods405) {
  HttpResponse missing = Send("POST", "/v1/other", "{}");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(ErrorType(missing), "not_found");
  HttpResponse root = Send("GET", "/", "");
  EXPECT_EQ(root.status, 404);
  HttpResponse get = Send("GET", "/v1/tool_calls", "");
  EXPECT_EQ(get.status, 405);
  EXPECT_EQ(FindHeader(get.headers, "allow").value_or(""), "POST");

  // The dispatcher turns a 404 (wrong prefix) into a structured tool error.
  HttpToolDispatcher wrong_prefix(*transport_, frozen_, "/v2");
  const ToolOutput out = RunSync(wrong_prefix.Dispatch(TimeCall("c1", "UTC")));
  EXPECT_TRUE(out.is_error);
  EXPECT_EQ(out.call_id, "c1");
  EXPECT_NE(out.output.find(R"("type":"dispatch_failed")"), std::string::npos) << out.output;
  EXPECT_NE(out.output.find("404"), std::string::npos) << out.output;
  EXPECT_EQ(transport_->connections_opened(), 1u);
}

TEST_F(ProxyRouterTest, KeepAliveServesManyCallsOnOneConnection) {
  auto router = StartRouter();
  ASSERT_NE(router, nullptr);
  BlockingHttpTransport transport("127.0.0.1", router->port());
  HttpToolDispatcher hop(transport, frozen_);
  InProcessDispatcher local(catalog_, ToolContext{&frozen_, kWallOrigin});
  const ToolOutput expected = RunSync(local.Dispatch(TimeCall("x", "Europe/Warsaw")));
  for (int i = 0; i < 100; ++i) {
    const ToolOutput out =
        RunSync(hop.Dispatch(TimeCall("k" + std::to_string(i), "Europe/Warsaw")));
    ASSERT_EQ(out.output, expected.output) << i;
    ASSERT_EQ(out.call_id, "k" + std::to_string(i));
  }
  EXPECT_EQ(transport.connections_opened(), 1u);
  EXPECT_EQ(router->connections_accepted(), 1u);
}

TEST_F(ProxyRouterTest, ExtraDelayIsAddedBeforeTheAnswer) {
  const Duration delay = milliseconds(50);
  auto router = StartRouter(delay);
  ASSERT_NE(router, nullptr);
  BlockingHttpTransport transport("127.0.0.1", router->port());
  HttpToolDispatcher hop(transport, frozen_);
  const auto before = SteadyTime::now();
  const ToolOutput out = RunSync(hop.Dispatch(TimeCall("c1", "UTC")));
  const auto elapsed = SteadyTime::now() - before;
  EXPECT_FALSE(out.is_error) << out.output;
  // Lower bound only; the tolerance covers rounding between the two steady-clock readings.
  const Duration tolerance = milliseconds(1);
  EXPECT_GE(elapsed, delay - tolerance);
}

TEST(ProxyRouterClockTest, SleepingToolWaitsOnTimersWhileOthersAreServed) {
  ToolCatalog catalog = TestCatalog(milliseconds(500));
  // No clock given: the router's own monotonic clock measures exec time and runs sleeps.
  auto router = ProxyRouter::Start(catalog, ToolContext{});
  ASSERT_NE(router, nullptr);
  SteadyTestClock clock;

  std::atomic<bool> slow_done{false};
  ToolOutput slow;
  std::thread sleeper([&] {
    BlockingHttpTransport transport("127.0.0.1", router->port());
    HttpToolDispatcher hop(transport, clock);
    slow = RunSync(hop.Dispatch(ToolCall{"s1", "sleep", "{}"}));
    slow_done = true;
  });
  std::this_thread::sleep_for(milliseconds(50));
  BlockingHttpTransport transport("127.0.0.1", router->port());
  HttpToolDispatcher hop(transport, clock);
  const ToolOutput quick = RunSync(hop.Dispatch(TimeCall("q1", "UTC")));
  EXPECT_FALSE(slow_done) << "a sleeping tool blocked the router's thread";
  EXPECT_FALSE(quick.is_error) << quick.output;
  // With no wall origin given, the router tells the real time of day.
  EXPECT_NE(quick.output.find("\"unix_time\":"), std::string::npos);
  sleeper.join();
  EXPECT_FALSE(slow.is_error) << slow.output;
  EXPECT_EQ(slow.output, R"({"slept":true})");
  // Measured by the router at the implementation boundary (lower bound only).
  EXPECT_GE(slow.exec_time, milliseconds(499));
}

// Stop while a call is parked (in a sleeping tool, or in the hop delay): Stop wakes it, closes
// the connection and returns long before the wait would have ended.
void ExpectStopInterruptsAWait(Duration tool_sleep, Duration extra_delay, const char* tool) {
  ToolCatalog catalog = TestCatalog(tool_sleep);
  FixedClock frozen;
  auto router =
      ProxyRouter::Start(catalog, ToolContext{&frozen, kWallOrigin}, "127.0.0.1", 0, extra_delay);
  ASSERT_NE(router, nullptr);
  ToolOutput out;
  std::thread client([&] {
    BlockingHttpTransport transport("127.0.0.1", router->port());
    HttpToolDispatcher hop(transport, frozen);
    out = RunSync(hop.Dispatch(ToolCall{"c1", tool, "{}"}));
  });
  while (router->connections_accepted() == 0) std::this_thread::sleep_for(milliseconds(5));
  std::this_thread::sleep_for(milliseconds(100));  // let the request reach the tool
  const auto before = SteadyTime::now();
  router->Stop();
  EXPECT_LT(SteadyTime::now() - before, std::chrono::seconds(5));
  client.join();
  EXPECT_TRUE(out.is_error);
  EXPECT_NE(out.output.find("dispatch_failed"), std::string::npos) << out.output;
}

TEST(ProxyRouterStopTest, StopWakesASleepingTool) {
  ExpectStopInterruptsAWait(std::chrono::seconds(30), Duration::zero(), "sleep");
}

TEST(ProxyRouterStopTest, StopCancelsTheHopDelay) {
  ExpectStopInterruptsAWait(Duration::zero(), std::chrono::seconds(30), "echo");
}

TEST_F(ProxyRouterTest, ServesConcurrentClients) {
  auto router = StartRouter();
  ASSERT_NE(router, nullptr);
  const std::vector<std::string> zones = {"UTC", "Europe/Warsaw", "America/New_York",
                                          "Asia/Kolkata", "Mars/Olympus"};
  std::vector<std::string> expected;
  InProcessDispatcher local(catalog_, ToolContext{&frozen_, kWallOrigin});
  for (const std::string& zone : zones) {
    expected.push_back(RunSync(local.Dispatch(TimeCall("x", zone))).output);
  }

  constexpr int kThreads = 8;
  constexpr int kCallsPerThread = 50;
  std::atomic<int> correct{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      BlockingHttpTransport transport("127.0.0.1", router->port());
      HttpToolDispatcher hop(transport, frozen_);
      for (int i = 0; i < kCallsPerThread; ++i) {
        const size_t z = static_cast<size_t>(t + i) % zones.size();
        const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        const ToolOutput out = RunSync(hop.Dispatch(TimeCall(id, zones[z])));
        if (out.call_id == id && out.output == expected[z]) ++correct;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(correct.load(), kThreads * kCallsPerThread);
  EXPECT_EQ(router->connections_accepted(), static_cast<uint64_t>(kThreads));
}

}  // namespace
}  // namespace agentreplay::mocks
