// Tool overhead, taken apart: latencies per call of a tool (call_latency_ms), the proxy hop's
// cost per tool, drawn per call alike in both worlds, and the wait for a free tool slot
// (tool_queue_ms) kept out of tool_overhead_ms. Exact in the simulated world; the real world
// over loopback within stated tolerances.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "harness/packages/registry.h"
#include "harness/packages/shipped_files.h"
#include "harness/run/agent_session.h"
#include "harness/run/matrix_runner.h"
#include "harness/run/proxy_hop_draws.h"
#include "harness/scenario/scenario_loader.h"
#include "harness/scenario/scenario_writer.h"
#include "tests/harness/test_variants.h"

namespace agentreplay::harness {
namespace {

using mocks::Dist;

Variant V(std::string_view spec) { return ShippedVariant(spec); }

// `calls` calls of get_current_time (40 ms each unless the test says otherwise) in one step,
// then a short answer.
mocks::Scenario Calls(int calls, int turns = 1) {
  mocks::Scenario s;
  s.name = "calls";
  s.description = "tool calls";
  s.latency.network_rtt_ms = Dist::Fixed(20);
  s.latency.processing_ms = Dist::Fixed(10);
  s.proxy_hop_ms = Dist::Fixed(12);
  s.tools["get_current_time"].latency_ms = Dist::Fixed(40);
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
    answer.text_chunks = {"Noon."};
    turn.steps = {call, answer};
    s.turns.push_back(turn);
  }
  return s;
}

results::Cell RunOne(World& world, const mocks::Scenario& s, Variant v) {
  MatrixOptions options;
  options.repetitions = 1;
  options.seed = 5;
  return RunCell(world, s, v, v.settings.runtime, options);
}

results::Cell RunOne(const mocks::Scenario& s, std::string_view variant) {
  auto world = MakeSimWorld();
  return RunOne(*world, s, V(variant));
}

double M(const results::Cell& cell, const std::string& metric, size_t sample = 0) {
  EXPECT_EQ(cell.error_samples, 0) << cell.variant << ": " << cell.samples[0].error_reason;
  return cell.samples.at(sample).metrics.at(metric);
}

TEST(ToolOverheadTest, TheNewFieldsLoadAndWriteBack) {
  const char* text = R"({"schema": "agentreplay.scenario/v1", "name": "fields",
      "description": "per-call tool latencies, a tool's hop, connection costs",
      "latency": {"connect_ms": 30, "tls_handshake_ms": {"dist": "uniform", "min": 10, "max": 20}},
      "tools": {"get_current_time": {"latency_ms": 40, "proxy_hop_ms": 25,
                                     "call_latency_ms": [100, {"dist": "lognormal", "median": 70,
                                                               "sigma": 0.1}]}},
      "turns": [{"user": "hi", "steps": [{"text": "hello"}]}]})";
  auto loaded = ParseScenario(text, "fields.json");
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_EQ(loaded->latency.connect_ms, Dist::Fixed(30));
  EXPECT_EQ(loaded->latency.tls_handshake_ms, Dist::Uniform(10, 20));
  const mocks::ToolBehaviour& tool = loaded->tools.at("get_current_time");
  EXPECT_EQ(tool.proxy_hop_ms, Dist::Fixed(25));
  EXPECT_THAT(tool.call_latency_ms,
              ::testing::ElementsAre(Dist::Fixed(100), Dist::Lognormal(70, 0.1)));
  auto again = ParseScenario(ScenarioToJson(*loaded), "again.json");
  ASSERT_TRUE(again) << again.error();
  EXPECT_EQ(again->latency.tls_handshake_ms, loaded->latency.tls_handshake_ms);
  EXPECT_EQ(again->tools.at("get_current_time").call_latency_ms, tool.call_latency_ms);
  EXPECT_EQ(again->tools.at("get_current_time").proxy_hop_ms, tool.proxy_hop_ms);

  auto bad = ParseScenario(R"({"schema": "agentreplay.scenario/v1", "name": "bad",
      "description": "d", "tools": {"t": {"call_latency_ms": [5, -1]}},
      "turns": [{"user": "hi", "steps": [{"text": "hello"}]}]})",
                           "bad.json");
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error(), ::testing::HasSubstr("/tools/t/call_latency_ms/1"));
}

TEST(ToolOverheadTest, EachCallOfAToolInATurnTakesItsOwnLatencyThenTheToolsDefault) {
  auto s = Calls(/*calls=*/3, /*turns=*/2);
  s.tools["get_current_time"].call_latency_ms = {Dist::Fixed(100), Dist::Fixed(70)};
  const auto cell = RunOne(s, "p2+p3+p5");
  EXPECT_DOUBLE_EQ(M(cell, "tool_exec_ms", 0), 100.0 + 70.0 + 40.0);
  EXPECT_DOUBLE_EQ(M(cell, "tool_exec_ms", 1), 100.0 + 70.0 + 40.0);  // counted per turn
}

TEST(ToolOverheadTest, AToolsOwnHopReplacesTheScenariosHop) {
  auto s = Calls(1);
  s.tools["get_current_time"].proxy_hop_ms = Dist::Fixed(30);
  const auto hop = RunOne(s, "p3+p5");
  const auto local = RunOne(s, "p2+p3+p5");
  EXPECT_DOUBLE_EQ(M(hop, "tool_overhead_ms") - M(local, "tool_overhead_ms"), 30.0);
  EXPECT_DOUBLE_EQ(M(hop, "e2e_ms") - M(local, "e2e_ms"), 30.0);
  EXPECT_DOUBLE_EQ(M(hop, "tool_queue_ms"), 0.0);
}

TEST(ToolOverheadTest, WaitingForAToolSlotIsQueueingNotOverhead) {
  const auto s = Calls(5);  // five calls of 40 ms, in-process
  const auto serial = RunOne(s, "p2+p3+p5");
  const auto pool4 = RunOne(s, "p2+p3+p5+px");
  Variant two = V("p2+p3+p5+px");
  two.settings.max_parallel_tools = 2;
  auto world = MakeSimWorld();
  const auto pool2 = RunOne(*world, s, two);
  // Each call waits for the calls before it (one slot) or for a free worker of the pool.
  EXPECT_DOUBLE_EQ(M(serial, "tool_queue_ms"), 0 + 40 + 80 + 120 + 160.0);
  EXPECT_DOUBLE_EQ(M(pool4, "tool_queue_ms"), 0 + 0 + 0 + 0 + 40.0);
  EXPECT_DOUBLE_EQ(M(pool2, "tool_queue_ms"), 0 + 0 + 40 + 40 + 80.0);
  // Overhead is what is left, and in-process there is none: waiting for a slot is queueing,
  // and waiting for a slower sibling is that sibling's execution (tool_path_ms).
  EXPECT_DOUBLE_EQ(M(serial, "tool_overhead_ms"), 0.0);
  EXPECT_DOUBLE_EQ(M(pool2, "tool_overhead_ms"), 0.0);
  EXPECT_DOUBLE_EQ(M(pool4, "tool_overhead_ms"), 0.0);
  EXPECT_DOUBLE_EQ(M(serial, "tool_path_ms"), 200.0);
  EXPECT_DOUBLE_EQ(M(pool2, "tool_path_ms"), 120.0);
  EXPECT_DOUBLE_EQ(M(pool4, "tool_path_ms"), 80.0);
  EXPECT_DOUBLE_EQ(M(serial, "tool_exec_ms"), 200.0);
  EXPECT_DOUBLE_EQ(M(pool2, "tool_exec_ms"), 200.0);
}

// Per call: the dispatch time (tool_execution_started to completed) less the tool's own time.
class DispatchTimes : public EventSink {
 public:
  void OnEvent(const AgentEvent& event) override {
    if (event.type == AgentEventType::kToolExecutionStarted) started_[event.call_id] = event.at;
    if (event.type == AgentEventType::kToolExecutionCompleted) {
      order_.push_back(event.call_id);
      done_[event.call_id] = event.at;
    }
  }
  // In the order calls completed (one after another: the order they ran).
  std::vector<double> HopsMs(double exec_ms) const {
    std::vector<double> out;
    for (const auto& id : order_) {
      out.push_back(ToMillis(done_.at(id) - started_.at(id)) - exec_ms);
    }
    return out;
  }

 private:
  std::map<std::string, TimePoint> started_;
  std::map<std::string, TimePoint> done_;
  std::vector<std::string> order_;
};

std::vector<double> HopsIn(World& world, const mocks::Scenario& s, uint64_t seed) {
  auto session = world.Open(s, seed);
  DispatchTimes times;
  AgentSessionSpec spec;
  spec.scenario = &s;
  spec.settings = V("p3+p5").settings;
  spec.seed = seed;
  spec.observer = &times;
  auto agent = AgentSession::Open(*session, std::move(spec));
  EXPECT_TRUE(agent) << agent.error();
  if (!agent) return {};
  const MeasuredTurn turn = (*agent)->RunTurn(s.turns[0].user);
  EXPECT_TRUE(turn.sample.ok) << turn.sample.error_message;
  return times.HopsMs(5.0);
}

// The hop is drawn per call from one seeded stream in the agent's dispatch order: the simulated
// world waits exactly the draws, and the real world's proxy_router spends the same draws around
// a loopback round trip (per call within 8 ms: the round trip and the timers' slack).
TEST(ToolOverheadTest, TheHopIsDrawnPerCallAndBothWorldsSeeTheSameDraws) {
  auto s = Calls(4);
  s.tools["get_current_time"].latency_ms = Dist::Fixed(5);
  s.proxy_hop_ms = Dist::Uniform(10, 90);
  constexpr uint64_t kSeed = 11;
  ProxyHopDraws draws(ProxyHopCosts(s), kSeed);
  std::vector<double> expected;
  for (int i = 0; i < 4; ++i) expected.push_back(ToMillis(draws.Next("get_current_time")));
  EXPECT_GT(std::set<double>(expected.begin(), expected.end()).size(), 1u);

  auto sim = MakeSimWorld();
  const std::vector<double> sim_hops = HopsIn(*sim, s, kSeed);
  ASSERT_EQ(sim_hops.size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_NEAR(sim_hops[i], expected[i], 1e-6) << "call " << i;

  auto real = MakeRealWorld(RealWorldOptions{});
  ASSERT_TRUE(real) << real.error();
  const std::vector<double> real_hops = HopsIn(**real, s, kSeed);
  ASSERT_EQ(real_hops.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_NEAR(real_hops[i], expected[i], 8.0) << "call " << i;
    RecordProperty("hop_delta_ms_" + std::to_string(i), std::to_string(real_hops[i] - expected[i]));
  }
}

// The real world measures the same split: per-call latencies through the hop, and the wait
// for px's workers (15 ms + 5 %: timers and loopback round trips add up over a wave).
TEST(ToolOverheadTest, TheRealWorldSplitsQueueingAndPerCallLatenciesAlike) {
  auto real = MakeRealWorld(RealWorldOptions{});
  ASSERT_TRUE(real) << real.error();
  auto sim = MakeSimWorld();
  auto per_call = Calls(3);
  per_call.tools["get_current_time"].call_latency_ms = {Dist::Fixed(100), Dist::Fixed(70)};
  Variant two = V("p2+p3+p5+px");
  two.settings.max_parallel_tools = 2;
  const struct {
    mocks::Scenario scenario;
    Variant variant;
  } cases[] = {{per_call, V("p3+p5")}, {Calls(5), two}};
  for (const auto& c : cases) {
    const auto s = RunOne(*sim, c.scenario, c.variant);
    const auto r = RunOne(**real, c.scenario, c.variant);
    for (const char* metric : {"tool_exec_ms", "tool_queue_ms", "tool_overhead_ms"}) {
      const double want = M(s, metric);
      EXPECT_NEAR(M(r, metric), want, 15.0 + 0.05 * want) << c.variant.name << " " << metric;
      RecordProperty(c.variant.name + "_" + metric + "_delta_ms",
                     std::to_string(M(r, metric) - want));
    }
  }
}

}  // namespace
}  // namespace agentreplay::harness
