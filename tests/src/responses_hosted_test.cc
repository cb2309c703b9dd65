// What the Responses decoder makes of hosted tools, custom tool calls, commentary messages and
// events it does not know, against the recorded (and spec-written) streams of
// tests/fixtures/recorded: every hosted tool gives hosted_tool events with its item id, tool
// and phases, and nothing a stream announces is dropped unseen.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "llm/responses_client.h"
#include "llm/responses_stream.h"
#include "sse/sse_decoder.h"
#include "tests/src/fake_ports.h"

namespace agentreplay {
namespace {

using ::agentreplay::testing::CannedResponse;
using ::agentreplay::testing::FixedClock;
using ::agentreplay::testing::ReadFile;
using ::agentreplay::testing::RecordedBody;
using ::agentreplay::testing::RecordingSink;
using ::agentreplay::testing::RunSync;
using ::agentreplay::testing::ScriptedTransport;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string Fixture(const std::string& name) {
  return ReadFile(std::string(AGENTREPLAY_FIXTURES_DIR) + "/" + name);
}

// Decodes a whole SSE body the way the client does.
struct Decoded {
  StepResult step;
  std::vector<AgentEvent> events;
};

Decoded Decode(const std::string& body) {
  FixedClock clock;
  RecordingSink sink;
  ResponsesStreamState state(sink, clock);
  SseDecoder decoder;
  std::vector<SseEvent> events;
  decoder.Feed(body, events);
  for (const auto& ev : events) state.OnEvent(ev);
  EXPECT_TRUE(state.terminal());
  return Decoded{state.TakeResult(), sink.events};
}

// "<tool> <phase>" of every hosted_tool event of `item_id`; a run of deltas is one "<phase>+".
std::vector<std::string> Phases(const std::vector<AgentEvent>& events, const std::string& item_id) {
  std::vector<std::string> out;
  for (const auto& e : events) {
    if (e.type != AgentEventType::kHostedToolActivity || e.call_id != item_id) continue;
    std::string phase = e.tool_name + " " + e.detail;
    if (phase.ends_with("_delta")) {
      phase += "+";  // one or more
      if (!out.empty() && out.back() == phase) continue;
    }
    out.push_back(phase);
  }
  return out;
}

std::string HostedText(const std::vector<AgentEvent>& events, const std::string& item_id,
                       const std::string& phase) {
  std::string out;
  for (const auto& e : events) {
    if (e.type == AgentEventType::kHostedToolActivity && e.call_id == item_id &&
        e.detail == phase) {
      out += e.text;
    }
  }
  return out;
}

std::vector<std::string> Unrecognised(const std::vector<AgentEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) {
    if (e.type == AgentEventType::kUnrecognisedEvent) out.push_back(e.detail + " " + e.text);
  }
  return out;
}

TEST(ResponsesHostedToolsTest, RecordedWebSearchIsReportedPhaseByPhase) {
  const Decoded d = Decode(RecordedBody("dotnet-responses-web-search-streaming.json", 0));
  const std::string ws = "ws_0fe8ac2aae18ca0c0069c71b45aa948196b32da872a212fc22";
  EXPECT_THAT(Phases(d.events, ws),
              ElementsAre("web_search added", "web_search in_progress", "web_search searching",
                          "web_search completed", "web_search completed"));
  // The query is only known once the call is done.
  EXPECT_EQ(HostedText(d.events, ws, "completed"),
            "Searching the internet, what is the weather today in Redmond, WA?");
  EXPECT_EQ(d.step.outcome, StepResult::Outcome::kCompleted);
  EXPECT_THAT(d.step.text, ::testing::StartsWith("As of 5:05"));
  EXPECT_TRUE(d.step.tool_calls.empty());  // the API ran it: nothing for the agent to run
  EXPECT_THAT(Unrecognised(d.events), IsEmpty());
}

TEST(ResponsesHostedToolsTest, RecordedFileSearchIsReportedWithItsQueries) {
  // Entries 0 and 1 upload the file and create the vector store.
  const Decoded d = Decode(RecordedBody("dotnet-responses-file-search-streaming.json", 2));
  const std::string fs = "fs_083ce8e7bd81902a0069bb31259740819092a62e3d7869cc04";
  EXPECT_THAT(Phases(d.events, fs),
              ElementsAre("file_search added", "file_search in_progress", "file_search searching",
                          "file_search completed", "file_search completed"));
  EXPECT_EQ(HostedText(d.events, fs, "completed"),
            "What is Travis's favorite food?; Travis favorite food; favorite food of Travis");
  EXPECT_TRUE(d.step.used_file_search);
  EXPECT_THAT(Unrecognised(d.events), IsEmpty());
}

TEST(ResponsesHostedToolsTest, RecordedCodeInterpreterStreamsItsCode) {
  const Decoded d = Decode(RecordedBody("dotnet-responses-code-interpreter-streaming.json", 0));
  const std::string ci = "ci_68d5ef7f601c8195b46dd9ad39b8533705a8df20cb9d7bce";
  EXPECT_THAT(Phases(d.events, ci),
              ElementsAre("code_interpreter added", "code_interpreter in_progress",
                          "code_interpreter code_delta+", "code_interpreter code_done",
                          "code_interpreter interpreting", "code_interpreter completed",
                          "code_interpreter completed"));
  const std::string code = HostedText(d.events, ci, "code_done");
  EXPECT_THAT(code, ::testing::StartsWith("def factorial(n):"));
  EXPECT_EQ(HostedText(d.events, ci, "code_delta"), code);
  // The messages before and after the call are the answer, as two paragraphs.
  EXPECT_THAT(d.step.text, HasSubstr("simple Python function.\n\nThe factorial of 5 is"));
  EXPECT_THAT(Unrecognised(d.events), IsEmpty());
}

TEST(ResponsesHostedToolsTest, RecordedMcpListsToolsThenCallsOne) {
  const Decoded d = Decode(RecordedBody("dotnet-responses-mcp-streaming.json", 0));
  const std::string list = "mcpl_68d5effaff408195a24d3e483d0e0b1401146559af20c520";
  const std::string call = "mcp_68d5effede20819585be4300fdca3f5101146559af20c520";
  EXPECT_THAT(Phases(d.events, list),
              ElementsAre("mcp_list_tools added", "mcp_list_tools in_progress",
                          "mcp_list_tools completed", "mcp_list_tools completed"));
  EXPECT_EQ(HostedText(d.events, list, "added"), "dmcp");
  EXPECT_THAT(Phases(d.events, call),
              ElementsAre("mcp_call added", "mcp_call in_progress", "mcp_call arguments_delta+",
                          "mcp_call arguments_done", "mcp_call completed", "mcp_call completed"));
  EXPECT_EQ(HostedText(d.events, call, "added"), "dmcp: roll");
  EXPECT_EQ(HostedText(d.events, call, "arguments_done"), R"({"diceRollExpression":"2d4 + 1"})");
  // The done item carries the MCP tool's output.
  EXPECT_EQ(HostedText(d.events, call, "completed"), "4");
  EXPECT_EQ(d.step.text, "4");
  EXPECT_THAT(Unrecognised(d.events), IsEmpty());
}

TEST(ResponsesHostedToolsTest, ImageGenerationCountsPartialImagesAndNeverCarriesTheImage) {
  const Decoded d = Decode(Fixture("responses-image-generation-streaming.sse"));
  const std::string ig = "ig_68f0c2a1b3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f7";
  EXPECT_THAT(Phases(d.events, ig),
              ElementsAre("image_generation added", "image_generation in_progress",
                          "image_generation generating", "image_generation partial_image",
                          "image_generation completed", "image_generation completed"));
  EXPECT_EQ(HostedText(d.events, ig, "partial_image"), "1");
  for (const auto& e : d.events) EXPECT_THAT(e.text, ::testing::Not(HasSubstr("iVBORw0K")));
  EXPECT_EQ(d.step.text, "Here is a red paper boat on a calm pond.");
}

TEST(ResponsesHostedToolsTest, HostedToolsAreRenderableAndUnrecognisedEventsAreNot) {
  EXPECT_TRUE(IsRenderable(AgentEventType::kHostedToolActivity));
  EXPECT_FALSE(IsRenderable(AgentEventType::kUnrecognisedEvent));
  EXPECT_EQ(AgentEventTypeName(AgentEventType::kHostedToolActivity), "hosted_tool");
  EXPECT_EQ(AgentEventTypeName(AgentEventType::kUnrecognisedEvent), "unrecognised_event");
}

// The shell tool's command events name no item, only its place in the output (spec shapes).
TEST(ResponsesHostedToolsTest, ShellCommandEventsFindTheirItemByOutputIndex) {
  const std::string body =
      "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,"
      "\"response\":{\"id\":\"resp_1\"}}\n\n"
      "event: response.output_item.added\ndata: {\"type\":\"response.output_item.added\","
      "\"sequence_number\":1,\"output_index\":0,\"item\":{\"id\":\"sh_1\",\"type\":"
      "\"shell_call\",\"call_id\":\"call_1\",\"status\":\"in_progress\",\"action\":"
      "{\"commands\":[]}}}\n\n"
      "event: response.shell_call_command.added\ndata: {\"type\":"
      "\"response.shell_call_command.added\",\"sequence_number\":2,\"output_index\":0,"
      "\"command_index\":0,\"command\":\"\"}\n\n"
      "event: response.shell_call_command.delta\ndata: {\"type\":"
      "\"response.shell_call_command.delta\",\"sequence_number\":3,\"output_index\":0,"
      "\"command_index\":0,\"delta\":\"ls -la\"}\n\n"
      "event: response.shell_call_output_content.delta\ndata: {\"type\":"
      "\"response.shell_call_output_content.delta\",\"sequence_number\":4,\"item_id\":\"sh_1\","
      "\"output_index\":0,\"command_index\":0,\"delta\":{\"stdout\":\"total 0\\n\"}}\n\n"
      "event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":5,"
      "\"response\":{\"id\":\"resp_1\",\"status\":\"completed\",\"output\":[]}}\n\n";
  const Decoded d = Decode(body);
  EXPECT_THAT(Phases(d.events, "sh_1"), ElementsAre("shell added", "shell command_added",
                                                    "shell command_delta+", "shell output_delta+"));
  EXPECT_EQ(HostedText(d.events, "sh_1", "command_delta"), "ls -la");
  EXPECT_EQ(HostedText(d.events, "sh_1", "output_delta"), "total 0\n");
  EXPECT_TRUE(d.step.tool_calls.empty());  // the agent never offers the shell tool
}

TEST(ResponsesHostedToolsTest, UnknownEventsAndItemsReachTheSinkAsUnrecognised) {
  std::string body = RecordedBody("dotnet-responses-streaming-text.json", 0);
  body.insert(0,
              "event: response.brand_new_thing\ndata: {\"type\":\"response.brand_new_thing\"}\n\n"
              "event: response.output_item.added\ndata: {\"type\":\"response.output_item.added\","
              "\"output_index\":7,\"item\":{\"id\":\"x_1\",\"type\":\"brand_new_item\"}}\n\n");
  const Decoded d = Decode(body);
  EXPECT_THAT(Unrecognised(d.events),
              ElementsAre("responses response.brand_new_thing", "responses item:brand_new_item"));
  EXPECT_EQ(d.step.outcome, StepResult::Outcome::kCompleted);
}

// Every Responses stream among the fixtures decodes without an event the decoder does not know.
TEST(ResponsesHostedToolsTest, NoRecordedResponsesEventIsUnrecognised) {
  int streams = 0;
  for (const auto& entry : std::filesystem::directory_iterator(AGENTREPLAY_FIXTURES_DIR)) {
    const std::string name = entry.path().filename().string();
    SCOPED_TRACE(name);
    std::vector<std::string> bodies;
    if (name.starts_with("responses-") && name.ends_with(".sse")) {
      bodies.push_back(Fixture(name));
    } else if (name.starts_with("dotnet-responses-") && name.ends_with(".json")) {
      rapidjson::Document doc;
      doc.Parse(Fixture(name).c_str());
      for (rapidjson::SizeType i = 0; i < doc["Entries"].Size(); ++i) {
        if (doc["Entries"][i]["ResponseBody"].IsArray()) bodies.push_back(RecordedBody(name, i));
      }
    }
    for (const auto& body : bodies) {
      ++streams;
      EXPECT_THAT(Unrecognised(Decode(body).events), IsEmpty());
    }
  }
  EXPECT_GE(streams, 10);
}

// --- phase: commentary (written from the spec: responses-commentary-phase-streaming.sse) ---

TEST(ResponsesCommentaryTest, CommentaryIsShownButIsNotTheAnswer) {
  const Decoded d = Decode(Fixture("responses-commentary-phase-streaming.sse"));
  EXPECT_EQ(d.step.text, "The latest release is 2.4, published last week.");
  std::string commentary;
  std::string answer;
  std::vector<std::string> done_details;
  for (const auto& e : d.events) {
    if (e.type == AgentEventType::kTextDelta)
      (e.detail == "commentary" ? commentary : answer) += e.text;
    if (e.type == AgentEventType::kTextDone) done_details.push_back(e.detail);
  }
  EXPECT_EQ(commentary, "Let me check the current release notes.");
  EXPECT_EQ(answer, d.step.text);
  EXPECT_THAT(done_details, ElementsAre("commentary", ""));
  EXPECT_THAT(Phases(d.events, "ws_68f0d3b2c4e5f6071829304a5b6c7d8e9f0a1b2c3d4e5f62").back(),
              "web_search completed");
}

TEST(ResponsesCommentaryTest, AWholeResponsesCommentaryIsNotTheAnswerEither) {
  FixedClock clock;
  RecordingSink sink;
  ResponsesStreamState state(sink, clock);
  rapidjson::Document doc;
  doc.Parse(
      R"({"id":"resp_1","status":"completed","output":[)"
      R"({"id":"m1","type":"message","phase":"commentary","content":[{"type":"output_text","text":"Looking."}]},)"
      R"({"id":"m2","type":"message","phase":"final_answer","content":[{"type":"output_text","text":"Done."}]}]})");
  state.OnResponseObject(doc);
  EXPECT_EQ(state.TakeResult().text, "Done.");
  ASSERT_GE(sink.events.size(), 2u);
  EXPECT_EQ(sink.events[0].detail, "commentary");
  EXPECT_EQ(sink.events[0].text, "Looking.");
}

// --- custom tool calls: client-side, like function calls ---

// The recorded events of openai/openai-dotnet tests/SessionRecords/ResponsesToolTests/
// CustomToolStreamingWorks.json (revision 4e8d3c82, MIT), the response objects shortened.
std::string CustomToolStream() {
  return "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":"
         "\"resp_0f012a317947eca7006a971f12dcd487d0b1db78574b2fd951\",\"status\":"
         "\"in_progress\"},\"sequence_number\":0}\n\n"
         "event: response.output_item.added\ndata: {\"type\":\"response.output_item.added\","
         "\"item\":{\"id\":\"ctc_0f012a317947eca7006a971f13c7a087d08779fd083e6ca505\",\"type\":"
         "\"custom_tool_call\",\"status\":\"in_progress\",\"call_id\":"
         "\"call_fEB0WqXg4K6k6BoMd8peo9EZ\",\"input\":\"\",\"name\":\"code_exec\"},"
         "\"output_index\":0,\"sequence_number\":2}\n\n"
         "event: response.custom_tool_call_input.delta\ndata: {\"type\":"
         "\"response.custom_tool_call_input.delta\",\"delta\":\"print\",\"item_id\":"
         "\"ctc_0f012a317947eca7006a971f13c7a087d08779fd083e6ca505\",\"obfuscation\":"
         "\"vmxtEJLK3C1\",\"output_index\":0,\"sequence_number\":3}\n\n"
         "event: response.custom_tool_call_input.delta\ndata: {\"type\":"
         "\"response.custom_tool_call_input.delta\",\"delta\":\"(\\\"hello world\\\")\\n\","
         "\"item_id\":\"ctc_0f012a317947eca7006a971f13c7a087d08779fd083e6ca505\","
         "\"output_index\":0,\"sequence_number\":4}\n\n"
         "event: response.custom_tool_call_input.done\ndata: {\"type\":"
         "\"response.custom_tool_call_input.done\",\"input\":\"print(\\\"hello world\\\")\\n\","
         "\"item_id\":\"ctc_0f012a317947eca7006a971f13c7a087d08779fd083e6ca505\","
         "\"output_index\":0,\"sequence_number\":8}\n\n"
         "event: response.output_item.done\ndata: {\"type\":\"response.output_item.done\","
         "\"item\":{\"id\":\"ctc_0f012a317947eca7006a971f13c7a087d08779fd083e6ca505\",\"type\":"
         "\"custom_tool_call\",\"status\":\"completed\",\"call_id\":"
         "\"call_fEB0WqXg4K6k6BoMd8peo9EZ\",\"input\":\"print(\\\"hello world\\\")\\n\","
         "\"name\":\"code_exec\"},\"output_index\":0,\"sequence_number\":9}\n\n"
         "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":"
         "\"resp_0f012a317947eca7006a971f12dcd487d0b1db78574b2fd951\",\"status\":\"completed\","
         "\"usage\":{\"input_tokens\":64,\"output_tokens\":16}},\"sequence_number\":10}\n\n";
}

TEST(ResponsesCustomToolTest, ACustomToolCallIsAToolCallAnsweredWithItsOwnOutputType) {
  FixedClock clock;
  ScriptedTransport transport;
  RecordingSink sink;
  transport.responses.push_back(CannedResponse{200, {CustomToolStream()}});
  transport.responses.push_back(
      CannedResponse{200, {RecordedBody("dotnet-responses-streaming-text.json", 0)}});
  LlmClientOptions options;
  ResponsesClient client(options, LlmClientPorts{clock, transport, sink});
  StepResult step = RunSync(client.StartTurn("Print hello world.", {}));
  ASSERT_EQ(step.outcome, StepResult::Outcome::kToolCalls);
  ASSERT_EQ(step.tool_calls.size(), 1u);
  EXPECT_EQ(step.tool_calls[0].call_id, "call_fEB0WqXg4K6k6BoMd8peo9EZ");
  EXPECT_EQ(step.tool_calls[0].name, "code_exec");
  EXPECT_EQ(step.tool_calls[0].arguments, "print(\"hello world\")\n");
  std::string deltas;
  for (const auto& e : sink.events) {
    if (e.type == AgentEventType::kToolCallArgsDelta) deltas += e.text;
  }
  EXPECT_EQ(deltas, step.tool_calls[0].arguments);

  StepResult next = RunSync(
      client.SubmitToolOutputs({ToolOutput{"call_fEB0WqXg4K6k6BoMd8peo9EZ", "hello world\n"}}, {}));
  EXPECT_EQ(next.outcome, StepResult::Outcome::kCompleted);
  ASSERT_EQ(transport.requests.size(), 2u);
  EXPECT_THAT(
      transport.requests[1].body,
      HasSubstr(R"({"type":"custom_tool_call_output","call_id":"call_fEB0WqXg4K6k6BoMd8peo9EZ")"));
}

}  // namespace
}  // namespace agentreplay
