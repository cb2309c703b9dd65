// Package pc (connection pooling): without it every request to the model API and to the proxy
// hop opens a connection and pays the scenario's connect and TLS handshake times; with it a
// turn's requests share one. Exact in the simulated world; the real world must open the same
// connections (counted by its clients) and take about as long.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/packages/registry.h"
#include "harness/packages/settings.h"
#include "harness/packages/shipped_files.h"
#include "harness/run/matrix_runner.h"
#include "tests/harness/test_variants.h"

namespace agentreplay::harness {
namespace {

using mocks::Dist;

const Registry& Shipped() { return ShippedPackages(); }
Variant V(std::string_view spec) { return ShippedVariant(spec); }

// One tool round (`calls` calls of get_current_time, 20 ms each) then a short answer, on a
// network whose connections cost 30 ms (TCP) + 20 ms (TLS).
mocks::Scenario HandshakeScenario(int calls = 1, int turns = 1) {
  mocks::Scenario s;
  s.name = "handshakes";
  s.description = "connections are expensive";
  s.latency.network_rtt_ms = Dist::Fixed(20);
  s.latency.processing_ms = Dist::Fixed(10);
  s.latency.connect_ms = Dist::Fixed(30);
  s.latency.tls_handshake_ms = Dist::Fixed(20);
  s.proxy_hop_ms = Dist::Fixed(6);
  s.tools["get_current_time"].latency_ms = Dist::Fixed(20);
  for (int t = 0; t < turns; ++t) {
    mocks::TurnScript turn;
    turn.user = "What time is it?";
    mocks::StepScript call;
    call.ttft_ms = Dist::Fixed(50);
    for (int i = 0; i < calls; ++i) {
      call.tool_calls.push_back({"get_current_time", R"({"timezone":"UTC"})", 1});
    }
    mocks::StepScript answer;
    answer.ttft_ms = Dist::Fixed(40);
    answer.chunk_gap_ms = Dist::Fixed(5);
    answer.text_chunks = {"It", " is", " noon."};
    turn.steps = {call, answer};
    s.turns.push_back(turn);
  }
  return s;
}

results::Cell RunOne(World& world, const mocks::Scenario& s, std::string_view variant) {
  MatrixOptions options;
  options.repetitions = 1;
  options.seed = 3;
  const Variant v = V(variant);
  return RunCell(world, s, v, v.settings.runtime, options);
}

double M(const results::Cell& cell, const std::string& metric, size_t sample = 0) {
  EXPECT_EQ(cell.error_samples, 0) << cell.variant << ": " << cell.samples[0].error_reason << " "
                                   << cell.samples[0].error_message;
  return cell.samples.at(sample).metrics.at(metric);
}

TEST(ConnectionPoolTest, PcIsARegisteredPackageThatSetsTheIdlePool) {
  const Package* pc = Shipped().Find("pc");
  ASSERT_NE(pc, nullptr);
  EXPECT_EQ(pc->name, "connection pooling");
  EXPECT_EQ(V("baseline").settings.max_idle_connections, 0);  // legacy: no reuse
  EXPECT_EQ(V("pc").settings.max_idle_connections, 8);
  EXPECT_THAT(Shipped().ladders().at("extras"), ::testing::Contains("p0+p2+p1+p3+p4+p5+pc"));
}

TEST(ConnectionPoolTest, TheIdlePoolIsASettingRunSetCanSweep) {
  VariantSettings settings;
  ASSERT_TRUE(ApplySetting(settings, "max_idle_connections", 2.0));
  EXPECT_EQ(settings.max_idle_connections, 2);
  EXPECT_FALSE(ApplySetting(settings, "max_idle_connections", -1.0));
  EXPECT_FALSE(ApplySetting(settings, "max_idle_connections", true));
  EXPECT_THAT(SettingNames(), ::testing::Contains("max_idle_connections"));
}

TEST(ConnectionPoolTest, WithoutPcEveryRequestPaysTheHandshakes) {
  auto world = MakeSimWorld();
  const auto s = HandshakeScenario();
  const auto fresh = RunOne(*world, s, "p2+p3+p5");  // two requests, tools in-process
  const auto pooled = RunOne(*world, s, "p2+p3+p5+pc");
  EXPECT_DOUBLE_EQ(M(fresh, "requests"), 2.0);
  EXPECT_DOUBLE_EQ(M(fresh, "connections"), 2.0);
  EXPECT_DOUBLE_EQ(M(pooled, "connections"), 1.0);
  // 30 ms + 20 ms once more without the pool, all of it waiting on the back end.
  EXPECT_DOUBLE_EQ(M(fresh, "e2e_ms") - M(pooled, "e2e_ms"), 50.0);
  EXPECT_DOUBLE_EQ(M(fresh, "llm_wait_ms") - M(pooled, "llm_wait_ms"), 50.0);
  // Nothing else moves: the same scenario without handshakes is 100 ms (two of them) faster.
  auto free = s;
  free.latency.connect_ms = Dist::Fixed(0);
  free.latency.tls_handshake_ms = Dist::Fixed(0);
  EXPECT_DOUBLE_EQ(M(fresh, "e2e_ms") - M(RunOne(*world, free, "p2+p3+p5"), "e2e_ms"), 100.0);
}

TEST(ConnectionPoolTest, APooledSessionPaysTheHandshakesOnceAcrossTurns) {
  auto world = MakeSimWorld();
  const auto s = HandshakeScenario(/*calls=*/1, /*turns=*/3);
  const auto pooled = RunOne(*world, s, "p2+p3+p5+pc");
  const auto fresh = RunOne(*world, s, "p2+p3+p5");
  ASSERT_EQ(pooled.samples.size(), 3u);
  EXPECT_DOUBLE_EQ(M(pooled, "connections", 0), 1.0);
  EXPECT_DOUBLE_EQ(M(pooled, "connections", 1), 0.0);
  EXPECT_DOUBLE_EQ(M(pooled, "connections", 2), 0.0);
  EXPECT_DOUBLE_EQ(M(pooled, "e2e_ms", 0) - M(pooled, "e2e_ms", 1), 50.0);
  for (size_t t = 0; t < 3; ++t) {
    EXPECT_DOUBLE_EQ(M(fresh, "connections", t), 2.0);
    EXPECT_DOUBLE_EQ(M(fresh, "e2e_ms", t), M(fresh, "e2e_ms", 0));
  }
}

TEST(ConnectionPoolTest, TheProxyHopOpensItsOwnConnections) {
  auto world = MakeSimWorld();
  // One call through the hop: its connection is counted, its cost stays proxy_hop_ms.
  EXPECT_DOUBLE_EQ(M(RunOne(*world, HandshakeScenario(), "p3+p5"), "connections"), 3.0);
  EXPECT_DOUBLE_EQ(M(RunOne(*world, HandshakeScenario(), "p3+p5+pc"), "connections"), 2.0);
  // Five calls on px's four workers: five hop connections without the pool; with it the first
  // wave opens four and the fifth call reuses one.
  const auto five = HandshakeScenario(/*calls=*/5);
  EXPECT_DOUBLE_EQ(M(RunOne(*world, five, "p3+p5+px"), "connections"), 2.0 + 5.0);
  EXPECT_DOUBLE_EQ(M(RunOne(*world, five, "p3+p5+px+pc"), "connections"), 1.0 + 4.0);
  // Without px the calls go one after another on one pooled connection.
  EXPECT_DOUBLE_EQ(M(RunOne(*world, five, "p3+p5+pc"), "connections"), 1.0 + 1.0);
}

TEST(ConnectionPoolTest, TheLegacyAgentOpensAConnectionPerRequestAndPerToolCall) {
  auto world = MakeSimWorld();
  const auto cell = RunOne(*world, HandshakeScenario(), "baseline");
  EXPECT_DOUBLE_EQ(M(cell, "connections"), M(cell, "requests") + M(cell, "tool_calls"));
}

// The real world opens (and counts) the same connections over loopback, and the served mock
// charges the same handshakes to a request on a new connection.
TEST(ConnectionPoolRealWorldTest, CountsEqualTheSimulatedWorldAndHandshakesCostTheSame) {
  auto sim = MakeSimWorld();
  auto real = MakeRealWorld(RealWorldOptions{});
  ASSERT_TRUE(real) << real.error();
  auto s = HandshakeScenario(/*calls=*/3, /*turns=*/2);
  s.latency.connect_ms = Dist::Uniform(20, 40);  // drawn per connection, alike in both worlds
  for (const char* variant : {"p3+p5", "p3+p5+pc", "p3+p5+px", "p3+p5+px+pc"}) {
    const auto sim_cell = RunOne(*sim, s, variant);
    const auto real_cell = RunOne(**real, s, variant);
    ASSERT_EQ(sim_cell.samples.size(), real_cell.samples.size());
    for (size_t t = 0; t < sim_cell.samples.size(); ++t) {
      const auto& r = real_cell.samples[t];
      ASSERT_TRUE(r.ok) << variant << ": " << r.error_reason << ": " << r.error_message;
      EXPECT_EQ(M(real_cell, "connections", t), M(sim_cell, "connections", t))
          << variant << " turn " << t;
      // The tolerance of the real world's other tests: 30 ms + 5 %.
      const double sim_ms = M(sim_cell, "e2e_ms", t);
      EXPECT_NEAR(M(real_cell, "e2e_ms", t), sim_ms, 30.0 + 0.05 * sim_ms)
          << variant << " turn " << t;
      RecordProperty(std::string(variant) + "_e2e_delta_ms_" + std::to_string(t),
                     std::to_string(M(real_cell, "e2e_ms", t) - sim_ms));
    }
  }
}

}  // namespace
}  // namespace agentreplay::harness
