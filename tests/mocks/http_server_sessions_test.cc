// The mock HTTP server's sessions against a client that invents session ids without end: a
// maximum of live ones (a clear error beyond it) and expiry of idle ones (their memory freed),
// while sessions opened through the C++ API and requests in flight keep theirs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "harness/scenario/scenario_loader.h"
#include "mocks/server/http_server.h"
#include "mocks/server/session_table.h"
#include "tests/mocks/raw_socket.h"

namespace agentreplay::mocks {
namespace {

using namespace std::chrono_literals;
using raw::Connect;
using raw::Received;
using raw::ReceiveOne;
using raw::SendAll;

Scenario ShippedScenario() {
  auto loaded =
      harness::LoadScenarioFile(std::string(AGENTREPLAY_SCENARIOS_DIR) + "/two_tool_rounds.json");
  EXPECT_TRUE(loaded.ok());
  return *loaded;
}

std::string Get(const std::string& session) {
  return "GET /v1/nothing HTTP/1.1\r\nhost: x\r\nx-agentreplay-session: " + session + "\r\n\r\n";
}

TEST(MockServerHardeningTest, ANewSessionBeyondTheLimitGetsAnError) {
  MockServerOptions options;
  options.scenario = ShippedScenario();
  options.max_sessions = 3;
  auto server = MockServer::Start(std::move(options));
  ASSERT_NE(server, nullptr);
  server->OpenSession("opened", ShippedScenario(), 7);  // the caller's: not counted
  const int fd = Connect(server->port());
  for (const std::string session : {"a", "b", "c"}) {
    ASSERT_TRUE(SendAll(fd, Get(session)));
    const Received r = ReceiveOne(fd);
    EXPECT_EQ(r.bytes.rfind("HTTP/1.1 404 ", 0), 0u) << r.bytes;  // the mock's own answer
  }
  ASSERT_TRUE(SendAll(fd, Get("d")));
  const Received refused = ReceiveOne(fd);
  EXPECT_EQ(refused.bytes.rfind("HTTP/1.1 503 ", 0), 0u) << refused.bytes;
  EXPECT_NE(refused.bytes.find("--max-sessions"), std::string::npos) << refused.bytes;
  EXPECT_NE(refused.bytes.find("\"session_limit_reached\""), std::string::npos) << refused.bytes;
  EXPECT_FALSE(refused.closed);
  // Known sessions and the default one still work.
  ASSERT_TRUE(SendAll(fd, Get("a")));
  EXPECT_EQ(ReceiveOne(fd).bytes.rfind("HTTP/1.1 404 ", 0), 0u);
  ASSERT_TRUE(SendAll(fd, "GET /v1/nothing HTTP/1.1\r\nhost: x\r\n\r\n"));
  EXPECT_EQ(ReceiveOne(fd).bytes.rfind("HTTP/1.1 404 ", 0), 0u);
  ::close(fd);
  EXPECT_FALSE(server->HasSession("d"));
  EXPECT_EQ(server->session_count(), 5u);  // opened, a, b, c, default
  EXPECT_EQ(server->stats().sessions_refused, 1u);
}

TEST(MockServerHardeningTest, AnIdleSessionExpiresAndIsFreed) {
  MockServerOptions options;
  options.scenario = ShippedScenario();
  options.session_idle_timeout = 200ms;
  auto server = MockServer::Start(std::move(options));
  ASSERT_NE(server, nullptr);
  server->OpenSession("opened", ShippedScenario(), 7);  // the caller's: never expires
  const int fd = Connect(server->port());
  ASSERT_TRUE(SendAll(fd, Get("passing")));
  EXPECT_EQ(ReceiveOne(fd).bytes.rfind("HTTP/1.1 404 ", 0), 0u);
  EXPECT_TRUE(server->HasSession("passing"));
  for (int i = 0; i < 100 && server->HasSession("passing"); ++i) std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(server->HasSession("passing"));
  EXPECT_TRUE(server->HasSession("opened"));
  EXPECT_EQ(server->session_count(), 1u);
  EXPECT_EQ(server->stats().sessions_expired, 1u);
  // The id can be used again: a fresh session.
  ASSERT_TRUE(SendAll(fd, Get("passing")));
  EXPECT_EQ(ReceiveOne(fd).bytes.rfind("HTTP/1.1 404 ", 0), 0u);
  EXPECT_TRUE(server->HasSession("passing"));
  ::close(fd);
}

// Requests in flight keep their session: its idle time starts when the last one is written.
TEST(SessionTableTest, ASessionInUseNeverExpires) {
  SessionTable table(std::make_shared<const Scenario>(ShippedScenario()), 1, 50ms, 0);
  SessionUse use = table.Acquire("busy", SteadyClock::now());
  ASSERT_TRUE(use);
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(table.Expire(SteadyClock::now()), 0u);
  EXPECT_NE(table.Find("busy"), nullptr);
  std::weak_ptr<SessionSlot> slot = use.slot();
  use.reset();  // the response is written: idle from now
  EXPECT_EQ(table.Expire(SteadyClock::now()), 0u);
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(table.Expire(SteadyClock::now()), 1u);
  EXPECT_EQ(table.Find("busy"), nullptr);
  EXPECT_TRUE(slot.expired());  // freed, not just forgotten
  EXPECT_EQ(table.size(), 0u);
}

}  // namespace
}  // namespace agentreplay::mocks
