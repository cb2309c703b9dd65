// A lazy body (MockResponse::lazy, what the HTTP server asks for) must be exactly the eager one:
// the same chunks at the same instants, the same request log, and the same wire plan, faults
// included. The simulated world uses eager bodies, so any difference would split the worlds.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mocks/api/chat/chat_renderer.h"
#include "mocks/api/mock_backend.h"
#include "mocks/api/openai_error.h"
#include "mocks/api/responses/responses_renderer.h"
#include "mocks/model/step_planner.h"
#include "mocks/server/wire_writer.h"
#include "tests/mocks/mock_test_util.h"

namespace agentreplay::mocks {
namespace {

using testing::Ms;
using testing::Post;

// Every kind of output the Responses stream renders, with varied gaps so that some events
// share an instant and others do not.
Scenario EveryOutputScenario() {
  Scenario s = testing::WeatherScenario();
  s.latency.network_rtt_ms = Dist::Lognormal(40, 0.3);
  StepScript& call = s.turns[0].steps[0];
  call.reasoning =
      ReasoningScript{{"Think", "ing ", "hard"}, Dist::Fixed(5), Dist::Fixed(0), {}, true};
  call.hosted_tools.push_back(
      HostedToolScript{"web_search", "weather sf", "", "", "", Dist::Fixed(30), false});
  call.chunk_gap_ms = Dist::Uniform(0, 3);
  StepScript& answer = s.turns[0].steps[1];
  answer.chunk_gap_ms = Dist::Lognormal(10, 0.5);
  answer.reasoning = ReasoningScript{{"raw ", "text"}, Dist::Fixed(1), Dist::Fixed(2), {}, false};
  s.turns[1].steps[0].refusal = true;
  return s;
}

std::vector<TimedChunk> Drain(ChunkSource& source) {
  std::vector<TimedChunk> out;
  TimedChunk chunk;
  while (source.Next(chunk)) out.push_back(std::move(chunk));
  return out;
}

void ExpectSameChunks(const std::vector<TimedChunk>& a, const std::vector<TimedChunk>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].at, b[i].at) << i;
    EXPECT_EQ(a[i].bytes, b[i].bytes) << i;
  }
}

TEST(LazyBodyTest, StreamSourceRendersTheEagerChunks) {
  const Scenario scenario = EveryOutputScenario();
  for (size_t step = 0; step < 2; ++step) {
    for (const bool grouped : {true, false}) {
      Rng rng(StepSeed(3, 0, step));
      const StepPlan plan = PlanStep(scenario, 0, step, 100, rng);
      ResponsesRenderContext context;
      context.response_id = "resp_x";
      for (size_t i = 0; i < plan.outputs.size(); ++i) {
        context.item_ids.push_back("item_" + std::to_string(i));
        context.call_ids.push_back("call_" + std::to_string(i));
      }
      context.model = scenario.model;
      context.obfuscation_seed = 17;
      context.group_same_instant = grouped;
      auto request = std::make_shared<rapidjson::Document>();
      request->Parse(R"({"model":"gpt-4o-mini","instructions":"Be brief.","stream":true})");
      context.request = request.get();
      const std::vector<TimedChunk> eager = RenderResponsesStream(plan, context);
      auto source = MakeResponsesStreamSource(plan, context);
      request.reset();  // the source has its own copy
      ExpectSameChunks(Drain(*source), eager);
    }
  }
}

TEST(LazyBodyTest, ChatStreamSourceRendersTheEagerChunks) {
  Scenario scenario = EveryOutputScenario();
  scenario.turns[0].steps[0].tool_calls.push_back(ToolCallScript{"no_arguments", "", 1});
  for (size_t step = 0; step < 2; ++step) {
    for (const bool grouped : {true, false}) {
      for (const bool usage : {true, false}) {
        Rng rng(StepSeed(4, 0, step));
        const StepPlan plan = PlanStep(scenario, 0, step, 100, rng);
        ChatRenderContext context;
        context.completion_id = "chatcmpl-x";
        for (size_t i = 0; i < plan.outputs.size(); ++i) {
          context.call_ids.push_back("call_" + std::to_string(i));
        }
        context.model = "gpt-4o-mini-2024-07-18";
        context.system_fingerprint = "fp_x";
        context.include_usage = usage;
        context.group_same_instant = grouped;
        const std::vector<TimedChunk> eager = RenderChatStream(plan, context);
        ExpectSameChunks(Drain(*MakeChatStreamSource(plan, context)), eager);
      }
    }
  }
}

TEST(LazyBodyTest, ChatBackendGivesTheSameStreamLazily) {
  MockBackend eager(EveryOutputScenario(), 5);
  MockBackend lazy(EveryOutputScenario(), 5);
  lazy.set_lazy_bodies(true);
  const HttpRequest request =
      Post("/v1/chat/completions",
           R"({"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},)"
           R"("messages":[{"role":"user","content":"weather?"}]})");
  const MockResponse a = eager.Handle(request, testing::At(0));
  MockResponse b = lazy.Handle(request, testing::At(0));
  ASSERT_NE(b.lazy, nullptr);
  Materialize(b);
  EXPECT_EQ(a.status, 200);
  ExpectSameChunks(a.chunks, b.chunks);
  EXPECT_EQ(eager.request_log()[0].response_bytes, lazy.request_log()[0].response_bytes);
}

// A conversation over both turns (a call, its answer, a refusal), on a back end.
std::vector<MockResponse> Play(MockBackend& backend) {
  std::vector<MockResponse> out;
  out.push_back(backend.Handle(
      Post("/v1/responses", R"({"model":"gpt-4o-mini","input":"weather?","stream":true})"),
      testing::At(0)));
  Materialize(out.back());
  const auto done = testing::ParseJson(testing::SplitSse(testing::Concat(out.back())).back().data);
  const std::string id = done["response"]["id"].GetString();
  std::string call;
  for (const auto& item : done["response"]["output"].GetArray()) {
    if (std::string(item["type"].GetString()) == "function_call")
      call = item["call_id"].GetString();
  }
  out.push_back(backend.Handle(
      Post("/v1/responses", R"({"model":"gpt-4o-mini","stream":true,"previous_response_id":")" +
                                id + R"(","input":[{"type":"function_call_output","call_id":")" +
                                call + R"(","output":"22C"}]})"),
      testing::At(900)));
  Materialize(out.back());
  const auto done2 = testing::ParseJson(testing::SplitSse(testing::Concat(out.back())).back().data);
  out.push_back(backend.Handle(
      Post("/v1/responses", R"({"model":"gpt-4o-mini","stream":true,"previous_response_id":")" +
                                std::string(done2["response"]["id"].GetString()) +
                                R"(","input":"Thanks!"})"),
      testing::At(2000)));
  Materialize(out.back());
  return out;
}

TEST(LazyBodyTest, BackendGivesTheSameResponsesAndLogLazily) {
  MockBackend eager(EveryOutputScenario(), 42);
  MockBackend lazy(EveryOutputScenario(), 42);
  lazy.set_lazy_bodies(true);
  // Pulled one chunk at a time, as the server does, before the next request arrives.
  const std::vector<MockResponse> a = Play(eager);
  const std::vector<MockResponse> b = Play(lazy);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(b[i].lazy, nullptr);  // drained by Play
    EXPECT_EQ(a[i].headers_at, b[i].headers_at);
    ExpectSameChunks(a[i].chunks, b[i].chunks);
  }
  ASSERT_EQ(eager.request_log().size(), lazy.request_log().size());
  for (size_t i = 0; i < eager.request_log().size(); ++i) {
    EXPECT_EQ(eager.request_log()[i].response_bytes, lazy.request_log()[i].response_bytes) << i;
  }
}

TEST(LazyBodyTest, OnlyStreamsAreLazy) {
  MockBackend backend(EveryOutputScenario(), 1);
  backend.set_lazy_bodies(true);
  const MockResponse streamed = backend.Handle(
      Post("/v1/responses", R"({"model":"gpt-4o-mini","input":"weather?","stream":true})"),
      testing::At(0));
  EXPECT_NE(streamed.lazy, nullptr);
  EXPECT_TRUE(streamed.chunks.empty());
  MockBackend other(EveryOutputScenario(), 1);
  other.set_lazy_bodies(true);
  const MockResponse whole = other.Handle(
      Post("/v1/responses", R"({"model":"gpt-4o-mini","input":"weather?"})"), testing::At(0));
  EXPECT_EQ(whole.lazy, nullptr);
  EXPECT_EQ(whole.chunks.size(), 1U);
}

// Yields a fixed list of chunks, as a lazy body would.
class ListSource final : public ChunkSource {
 public:
  explicit ListSource(std::vector<TimedChunk> chunks) : chunks_(std::move(chunks)) {}
  bool Next(TimedChunk& chunk) override {
    if (next_ == chunks_.size()) return false;
    chunk = chunks_[next_++];
    return true;
  }

 private:
  std::vector<TimedChunk> chunks_;
  size_t next_ = 0;
};

MockResponse StreamResponse() {
  MockResponse r;
  r.headers = StandardHeaders("text/event-stream; charset=utf-8", "req_1", Ms(3));
  r.headers_at = Ms(10);
  r.chunks = {{Ms(10), "data: a\n\n"}, {Ms(12), ""},
              {Ms(12), "data: b\n\n"}, {Ms(11), "data: c\n\n"},
              {Ms(30), "data: d\n\n"}, {Ms(30), "data: e\n\n"}};
  return r;
}

void ExpectSamePlan(const WirePlan& a, const WirePlan& b) {
  EXPECT_EQ(a.request_id, b.request_id);
  EXPECT_EQ(a.keep_alive, b.keep_alive);
  ASSERT_EQ(a.steps.size(), b.steps.size());
  for (size_t i = 0; i < a.steps.size(); ++i) {
    EXPECT_EQ(a.steps[i].at, b.steps[i].at) << i;
    EXPECT_EQ(a.steps[i].action, b.steps[i].action) << i;
    EXPECT_EQ(a.steps[i].bytes, b.steps[i].bytes) << i;
    EXPECT_EQ(a.steps[i].carries_body, b.steps[i].carries_body) << i;
    EXPECT_EQ(a.steps[i].body_end, b.steps[i].body_end) << i;
  }
}

TEST(LazyBodyTest, WirePlanOfALazyBodyIsTheEagerOne) {
  struct Case {
    WireFault fault;
    Duration fault_at;
    Duration close_delay;
    bool keep_alive;
  };
  const std::vector<Case> cases = {
      {WireFault::kNone, Ms(0), Ms(0), true},
      {WireFault::kNone, Ms(0), Ms(0), false},
      {WireFault::kNone, Ms(0), Ms(50), true},
      {WireFault::kClose, Ms(20), Ms(0), true},
      {WireFault::kConnectionReset, Ms(12), Ms(0), true},
      {WireFault::kStall, Ms(5), Ms(0), true},
      {WireFault::kMalformedChunk, Ms(11), Ms(0), true},
      {WireFault::kEmptyResponse, Ms(1), Ms(0), true},
      {WireFault::kRandomDataThenClose, Ms(2), Ms(0), true},
  };
  for (const Case& c : cases) {
    for (const bool split : {false, true}) {
      MockResponse eager = StreamResponse();
      eager.fault = c.fault;
      eager.fault_at = c.fault_at;
      eager.close_delay = c.close_delay;
      MockResponse lazy = eager;
      // Some chunks already rendered, the rest pulled; or all pulled.
      std::vector<TimedChunk> rest = std::move(lazy.chunks);
      lazy.chunks.clear();
      if (split) {
        lazy.chunks.assign(rest.begin(), rest.begin() + 2);
        rest.erase(rest.begin(), rest.begin() + 2);
      }
      lazy.lazy = std::make_shared<ListSource>(std::move(rest));
      ExpectSamePlan(PlanWire(std::move(eager), 2.0, c.keep_alive),
                     PlanWire(std::move(lazy), 2.0, c.keep_alive));
    }
  }
}

TEST(LazyBodyTest, ChunkedFramingAndTerminator) {
  const WirePlan plan = PlanWire(StreamResponse(), 1.0, true);
  ASSERT_EQ(plan.steps.size(), 6U);  // the head and five non-empty chunks
  EXPECT_EQ(plan.steps[1].bytes, "9\r\ndata: a\n\n\r\n");
  EXPECT_EQ(plan.steps[3].at, Ms(12));  // never earlier than the chunk before it
  EXPECT_EQ(plan.steps[5].bytes, "9\r\ndata: e\n\n\r\n0\r\n\r\n");
  EXPECT_EQ(plan.steps[5].body_end, 45U);
}

}  // namespace
}  // namespace agentreplay::mocks
