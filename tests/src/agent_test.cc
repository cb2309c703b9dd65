#include "agent/agent.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "json/json_text.h"
#include "tests/src/fake_ports.h"
#include "tools/get_current_time.h"
#include "tools/in_process_dispatcher.h"

namespace agentreplay {
namespace {

using ::agentreplay::testing::CannedResponse;
using ::agentreplay::testing::FixedClock;
using ::agentreplay::testing::RecordingSink;
using ::agentreplay::testing::RunSync;
using ::agentreplay::testing::ScriptedTransport;

// 2026-01-01T00:00:00Z.
constexpr std::chrono::sys_seconds kOrigin{std::chrono::seconds(1767225600)};

std::string FunctionCallStream(const std::string& call_id, const std::string& name,
                               const std::string& args_json_escaped) {
  return "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":"
         "\"resp_1\",\"status\":\"in_progress\"}}\n\n"
         "event: response.output_item.added\ndata: {\"type\":\"response.output_item.added\","
         "\"item\":{\"id\":\"fc_1\",\"type\":\"function_call\",\"call_id\":\"" +
         call_id + "\",\"name\":\"" + name +
         "\",\"arguments\":\"\"}}\n\n"
         "event: response.output_item.done\ndata: {\"type\":\"response.output_item.done\","
         "\"item\":{\"id\":\"fc_1\",\"type\":\"function_call\",\"call_id\":\"" +
         call_id + "\",\"name\":\"" + name + "\",\"arguments\":\"" + args_json_escaped +
         "\"}}\n\n"
         "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":"
         "{\"id\":\"resp_1\",\"status\":\"completed\"}}\n\n";
}

std::string TextStream(const std::string& id, const std::string& text) {
  return "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"" +
         id +
         "\"}}\n\nevent: response.output_text.delta\ndata: {\"type\":"
         "\"response.output_text.delta\",\"delta\":\"" +
         text +
         "\"}\n\n"
         "event: response.output_text.done\ndata: {\"type\":\"response.output_text.done\","
         "\"text\":\"" +
         text +
         "\"}\n\n"
         "event: response.completed\ndata: "
         "{\"type\":\"response.completed\",\"response\":{\"id\":\"" +
         id + "\",\"status\":\"completed\"}}\n\n";
}

class AgentTest : public ::testing::Test {
 protected:
  std::unique_ptr<Agent> MakeAgent(int max_rounds = 16) {
    AgentOptions options;
    options.max_tool_rounds = max_rounds;
    return Agent::Create(options, AgentPorts{clock_, transport_, dispatcher_, sink_},
                         catalog_.Specs());
  }
  FixedClock clock_;
  ScriptedTransport transport_;
  RecordingSink sink_;
  ToolCatalog catalog_ = MakeDefaultCatalog();
  InProcessDispatcher dispatcher_{catalog_, ToolContext{&clock_, kOrigin}};
};

TEST_F(AgentTest, RunsAToolRoundThenAnswers) {
  transport_.responses.push_back(CannedResponse{
      200, {FunctionCallStream("call_a", "get_current_time", R"({\"timezone\":\"Asia/Tokyo\"})")}});
  transport_.responses.push_back(CannedResponse{200, {TextStream("resp_2", "It is 09:00.")}});
  auto agent = MakeAgent();
  TurnResult turn = RunSync(agent->RunTurn("What time is it in Tokyo?"));

  ASSERT_TRUE(turn.ok) << turn.error->message;
  EXPECT_EQ(turn.answer, "It is 09:00.");
  EXPECT_EQ(turn.steps, 2);
  ASSERT_EQ(turn.tool_calls.size(), 1u);
  ASSERT_EQ(turn.tool_outputs.size(), 1u);
  EXPECT_EQ(turn.tool_outputs[0].output,
            R"({"timezone":"Asia/Tokyo","local_time":"2026-01-01T09:00:00+09:00",)"
            R"("abbreviation":"JST","unix_time":1767225600})");

  ASSERT_EQ(transport_.requests.size(), 2u);
  rapidjson::Document second;
  ASSERT_TRUE(json::Parse(transport_.requests[1].body, second));
  EXPECT_STREQ(second["previous_response_id"].GetString(), "resp_1");
  EXPECT_STREQ(second["input"][0]["call_id"].GetString(), "call_a");

  std::vector<AgentEventType> types;
  for (const auto& e : sink_.events) types.push_back(e.type);
  const std::vector<AgentEventType> tail = {AgentEventType::kToolExecutionStarted,
                                            AgentEventType::kToolExecutionCompleted};
  EXPECT_NE(std::search(types.begin(), types.end(), tail.begin(), tail.end()), types.end());
  EXPECT_EQ(types.back(), AgentEventType::kTurnCompleted);
}

TEST_F(AgentTest, UnknownToolGetsAStructuredErrorAndTheTurnGoesOn) {
  transport_.responses.push_back(
      CannedResponse{200, {FunctionCallStream("call_x", "launch_rockets", "{}")}});
  transport_.responses.push_back(CannedResponse{200, {TextStream("resp_2", "Sorry.")}});
  auto agent = MakeAgent();
  TurnResult turn = RunSync(agent->RunTurn("Launch"));
  ASSERT_TRUE(turn.ok);
  ASSERT_EQ(turn.tool_outputs.size(), 1u);
  EXPECT_TRUE(turn.tool_outputs[0].is_error);
  EXPECT_EQ(turn.tool_outputs[0].output,
            R"({"error":{"type":"unknown_tool","message":"no tool named 'launch_rockets'"}})");
  EXPECT_EQ(sink_.events[sink_.events.size() - 1].type, AgentEventType::kTurnCompleted);
}

TEST_F(AgentTest, AModelThatNeverStopsCallingToolsHitsTheLimit) {
  for (int i = 0; i < 3; ++i) {
    transport_.responses.push_back(
        CannedResponse{200,
                       {FunctionCallStream("call_" + std::to_string(i), "get_current_time",
                                           R"({\"timezone\":\"UTC\"})")}});
  }
  auto agent = MakeAgent(/*max_rounds=*/2);
  TurnResult turn = RunSync(agent->RunTurn("Loop"));
  ASSERT_FALSE(turn.ok);
  EXPECT_EQ(turn.error->kind, ErrorKind::kLimit);
  EXPECT_EQ(turn.error->reason, "too_many_tool_rounds");
  EXPECT_EQ(transport_.requests.size(), 3u);
  EXPECT_EQ(sink_.events.back().type, AgentEventType::kError);
  EXPECT_EQ(sink_.events.back().detail, "too_many_tool_rounds");
}

TEST_F(AgentTest, ATransportFailureEndsTheTurnWithAnErrorEvent) {
  auto agent = MakeAgent();  // no canned responses: the transport fails
  TurnResult turn = RunSync(agent->RunTurn("Hello"));
  ASSERT_FALSE(turn.ok);
  EXPECT_EQ(turn.error->reason, "no_script");
  EXPECT_EQ(sink_.events.back().type, AgentEventType::kError);
}

// Reports two notes, then answers.
class ChattyTool : public Tool {
 public:
  const ToolSpec& spec() const override { return spec_; }
  Task<ToolResult> Run(std::string, ToolContext& context) override {
    context.ReportProgress("indexing");
    context.ReportProgress("ranking");
    co_return ToolResult{R"({"ok":true})", false};
  }

 private:
  ToolSpec spec_{"chatty", "reports progress", R"({"type":"object"})"};
};

TEST_F(AgentTest, ProgressNotesArriveBetweenStartAndCompletionWithTheCallId) {
  catalog_.Add(std::make_unique<ChattyTool>());
  transport_.responses.push_back(
      CannedResponse{200, {FunctionCallStream("call_p", "chatty", "{}")}});
  transport_.responses.push_back(CannedResponse{200, {TextStream("resp_2", "Done.")}});
  auto agent = MakeAgent();
  TurnResult turn = RunSync(agent->RunTurn("Go"));
  ASSERT_TRUE(turn.ok);
  std::vector<std::string> seen;
  for (const auto& e : sink_.events) {
    if (e.type == AgentEventType::kToolExecutionStarted) seen.push_back("started:" + e.call_id);
    if (e.type == AgentEventType::kToolExecutionProgress) {
      seen.push_back("progress:" + e.call_id + ":" + e.text);
    }
    if (e.type == AgentEventType::kToolExecutionCompleted) seen.push_back("done:" + e.call_id);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"started:call_p", "progress:call_p:indexing",
                                            "progress:call_p:ranking", "done:call_p"}));
}

TEST_F(AgentTest, AnAgentThatIsGoneNoLongerHearsProgress) {
  catalog_.Add(std::make_unique<ChattyTool>());
  { auto agent = MakeAgent(); }
  // The dispatcher outlives the agent; a call now must not reach the destroyed listener.
  ToolOutput out = RunSync(dispatcher_.Dispatch(ToolCall{"c", "chatty", "{}"}));
  EXPECT_FALSE(out.is_error);
  EXPECT_TRUE(sink_.events.empty());
}

TEST(GetCurrentTimeTest, BadArgumentsAndZonesGetStructuredErrors) {
  FixedClock clock;
  ToolContext context{&clock, kOrigin};
  auto tool = MakeGetCurrentTimeTool();
  auto run = [&](std::string args) { return RunSync(tool->Run(std::move(args), context)); };

  EXPECT_EQ(run(R"({"timezone":"UTC"})").output,
            R"({"timezone":"UTC","local_time":"2026-01-01T00:00:00+00:00","abbreviation":"UTC",)"
            R"("unix_time":1767225600})");
  for (const char* bad : {"", "{", "[]", R"({"timezone":3})", R"({"tz":"UTC"})"}) {
    ToolResult r = run(bad);
    EXPECT_TRUE(r.is_error) << bad;
    EXPECT_THAT(r.output, ::testing::HasSubstr("invalid_arguments")) << bad;
  }
  for (const char* zone :
       {"../../etc/passwd", "/etc/localtime", "Mars/Olympus_Mons", "A\\u0000B"}) {
    ToolResult r = run(std::string(R"({"timezone":")") + zone + "\"}");
    EXPECT_TRUE(r.is_error) << zone;
    EXPECT_THAT(r.output, ::testing::HasSubstr("unknown_timezone")) << zone;
  }
}

TEST(GetCurrentTimeTest, DaylightSavingTimeFollowsTheDatabase) {
  // 2026-07-01T12:00:00Z is summer time in Warsaw (CEST, +02:00); January is CET (+01:00).
  auto summer =
      LookUpZoneOffset("Europe/Warsaw", std::chrono::sys_seconds{std::chrono::seconds(1782907200)});
  auto winter =
      LookUpZoneOffset("Europe/Warsaw", std::chrono::sys_seconds{std::chrono::seconds(1767225600)});
  ASSERT_TRUE(summer && winter);
  EXPECT_EQ(summer->utc_offset_seconds, 7200);
  EXPECT_EQ(summer->abbreviation, "CEST");
  EXPECT_TRUE(summer->is_dst);
  EXPECT_EQ(winter->utc_offset_seconds, 3600);
  EXPECT_EQ(winter->abbreviation, "CET");
}

}  // namespace
}  // namespace agentreplay
