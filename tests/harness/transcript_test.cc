// The transcript of recorded conversations: every recorded fixture (tests/fixtures/recorded)
// decodes into the user messages, text, tool calls and timing it holds; hand-made cassettes
// pin the per-runtime rules (placement of steps in turns, retries, hosted tools, reasoning,
// polling estimates) and the located errors for what cannot be decoded.
#include "harness/recording/transcript.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "harness/recording/conversations.h"
#include "harness/recording/import.h"

namespace agentreplay::harness {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<mocks::Cassette> Conversations(const std::string& fixture) {
  ImportOptions options;
  options.split_conversations = true;
  auto imported = ImportFile(std::filesystem::path(AGENTREPLAY_FIXTURES_DIR) / fixture, options);
  EXPECT_TRUE(imported) << imported.error();
  return imported ? std::move(*imported) : std::vector<mocks::Cassette>{};
}

Transcript DecodeOk(const mocks::Cassette& cassette) {
  auto t = DecodeTranscript(cassette);
  EXPECT_TRUE(t) << t.error();
  return t ? std::move(*t) : Transcript{};
}

Transcript Fixture(const std::string& file, std::size_t conversation = 0) {
  const auto conversations = Conversations(file);
  EXPECT_GT(conversations.size(), conversation);
  return conversations.size() > conversation ? DecodeOk(conversations[conversation]) : Transcript{};
}

// --- The recorded fixtures ---

TEST(TranscriptFixtureTest, ResponsesStreamedFunctionCall) {
  const Transcript t = Fixture("dotnet-responses-function-call-streaming.json");
  EXPECT_EQ(t.runtime, "responses");
  EXPECT_EQ(t.model, "gpt-4o-mini");
  ASSERT_EQ(t.turns.size(), 1U);
  EXPECT_EQ(t.turns[0].user, "What should I wear for the weather in San Francisco, CA?");
  ASSERT_EQ(t.turns[0].steps.size(), 1U);
  const TranscriptStep& step = t.turns[0].steps[0];
  EXPECT_EQ(step.timing, StepTiming::kStreamed);
  EXPECT_EQ(step.status, "completed");
  EXPECT_TRUE(step.text.empty());
  ASSERT_EQ(step.tool_calls.size(), 1U);
  const TranscriptToolCall& call = step.tool_calls[0];
  EXPECT_EQ(call.name, "get_weather_at_location");
  EXPECT_EQ(call.id, "call_0UFGPwrziw5rbinYp7rthrTb");
  EXPECT_EQ(call.arguments, R"({"location":"San Francisco, CA"})");
  ASSERT_EQ(call.pieces.size(), 8U);
  std::string joined;
  for (const auto& piece : call.pieces) joined += piece.text;
  EXPECT_EQ(joined, call.arguments);
  // The importer paced the events 20 ms apart after 400 ms of headers: response.created at
  // the headers, the call announced two events later, its first piece with the next one.
  EXPECT_EQ(step.response_start, 400ms);
  EXPECT_EQ(call.started_at, 440ms);
  EXPECT_EQ(step.first_output_at, 460ms);
  EXPECT_EQ(call.pieces.back().at, 600ms);
  EXPECT_EQ(step.end_at, 660ms);  // response.completed, not the body's end
  ASSERT_TRUE(step.usage.has_value());
  EXPECT_GT(step.usage->input_tokens, 0);
}

TEST(TranscriptFixtureTest, ResponsesNonStreamedArrivesWhole) {
  const Transcript t = Fixture("dotnet-responses-function-call-nonstreaming.json");
  ASSERT_EQ(t.turns.size(), 1U);
  ASSERT_EQ(t.turns[0].steps.size(), 2U);
  const TranscriptStep& call_step = t.turns[0].steps[0];
  EXPECT_EQ(call_step.timing, StepTiming::kWhole);
  ASSERT_EQ(call_step.tool_calls.size(), 1U);
  ASSERT_EQ(call_step.tool_calls[0].pieces.size(), 1U);
  EXPECT_EQ(call_step.tool_calls[0].pieces[0].at, call_step.end_at);
  EXPECT_EQ(call_step.first_output_at, call_step.end_at);
  EXPECT_EQ(call_step.usage->input_tokens, 74);
  EXPECT_EQ(call_step.usage->output_tokens, 20);
  const TranscriptStep& answer = t.turns[0].steps[1];
  ASSERT_EQ(answer.text.size(), 1U);  // the whole text, at once
  EXPECT_THAT(answer.Text(), ::testing::StartsWith("The weather in San Francisco"));
  // The GET of input_items is a reply without model work.
  EXPECT_EQ(t.quick_replies.size(), 1U);
}

TEST(TranscriptFixtureTest, AssistantsStreamedToolCallAndSubmit) {
  const Transcript t = Fixture("dotnet-assistants-streaming-tool-call.json");
  ASSERT_EQ(t.turns.size(), 1U);
  EXPECT_EQ(t.turns[0].user, "What should I wear outside right now?");
  ASSERT_EQ(t.turns[0].steps.size(), 2U);
  const TranscriptStep& call = t.turns[0].steps[0];
  EXPECT_EQ(call.status, "requires_action");
  ASSERT_EQ(call.tool_calls.size(), 1U);
  EXPECT_EQ(call.tool_calls[0].name, "get_current_weather");
  EXPECT_EQ(call.tool_calls[0].id, "call_xyFYaEeyocjyE6jN64QTcxip");
  EXPECT_EQ(call.tool_calls[0].arguments, "{}");
  const TranscriptStep& answer = t.turns[0].steps[1];
  EXPECT_EQ(answer.status, "completed");
  EXPECT_EQ(answer.text.size(), 40U);
  EXPECT_THAT(answer.Text(), ::testing::StartsWith("Since it's warm and sunny outside"));
  EXPECT_LT(*answer.first_output_at, answer.text.back().at);
  // The assistant's creation is a quick reply; the runs are model work.
  EXPECT_EQ(t.quick_replies.size(), 1U);
}

TEST(TranscriptFixtureTest, AssistantsPollingIsEstimatedFromThePolls) {
  const Transcript t = Fixture("dotnet-assistants-polling-run.json");
  ASSERT_EQ(t.turns.size(), 1U);
  EXPECT_EQ(t.turns[0].user, "Hello, assistant!");
  ASSERT_EQ(t.turns[0].steps.size(), 1U);
  const TranscriptStep& step = t.turns[0].steps[0];
  EXPECT_EQ(step.timing, StepTiming::kPolled);
  EXPECT_EQ(step.status, "completed");
  EXPECT_EQ(step.Text(), "Hello! How can I assist you today?");
  ASSERT_TRUE(step.first_output_at.has_value());
  EXPECT_LT(*step.first_output_at, step.end_at);
  EXPECT_GT(step.observed_at, step.sent_at + step.end_at);  // the poll's answer came later
}

TEST(TranscriptFixtureTest, ChatParallelCallsByIndexKeepTheirSpelling) {
  const Transcript t = Fixture("python-chat-parallel-tool-calls.sse");
  EXPECT_EQ(t.runtime, "chat");
  ASSERT_EQ(t.turns.size(), 1U);
  EXPECT_EQ(t.turns[0].user, "");  // a bare body: the request was not recorded
  const TranscriptStep& step = t.turns[0].steps.at(0);
  EXPECT_EQ(step.status, "requires_action");
  ASSERT_EQ(step.tool_calls.size(), 2U);
  EXPECT_EQ(step.tool_calls[0].name, "GetWeatherArgs");
  EXPECT_EQ(step.tool_calls[0].arguments,
            R"({"city": "Edinburgh", "country": "GB", "units": "c"})");
  EXPECT_EQ(step.tool_calls[1].name, "get_stock_price");
  EXPECT_EQ(step.tool_calls[1].id, "call_DNYTawLBoN8fj3KN6qU9N1Ou");
  EXPECT_EQ(step.tool_calls[1].pieces.size(), 9U);
  ASSERT_TRUE(step.usage.has_value());
}

TEST(TranscriptFixtureTest, ChatTextWithUsage) {
  const Transcript t = Fixture("python-chat-text-with-usage.sse");
  const TranscriptStep& step = t.turns.at(0).steps.at(0);
  EXPECT_THAT(step.Text(), ::testing::StartsWith("I'm unable to provide real-time weather"));
  EXPECT_EQ(step.usage->input_tokens, 14);
  EXPECT_EQ(step.usage->output_tokens, 30);
  EXPECT_EQ(step.status, "completed");
}

TEST(TranscriptFixtureTest, HarChainsTurnsByPreviousResponseId) {
  const Transcript t = Fixture("chrome-responses-streaming.har", 0);
  ASSERT_EQ(t.turns.size(), 2U);
  EXPECT_EQ(t.turns[0].user, "Write a haiku about latency.");
  EXPECT_EQ(t.turns[1].user, "Now one about caching.");
  EXPECT_EQ(t.turns[1].steps.at(0).Text(),
            "Warm cache answers fast,\nthe same question asked again—\nno trip to the well.");
  // Measured timing, to the microsecond.
  EXPECT_EQ(t.turns[1].steps[0].response_start, 455523us);
  EXPECT_EQ(Fixture("chrome-responses-streaming.har", 1).turns.at(0).user, "Say hello.");
}

TEST(TranscriptFixtureTest, EveryFixtureDecodes) {
  for (const auto& entry : std::filesystem::directory_iterator(AGENTREPLAY_FIXTURES_DIR)) {
    if (entry.path().extension() == ".md") continue;
    SCOPED_TRACE(entry.path().filename().string());
    for (const auto& c : Conversations(entry.path().filename().string())) {
      const Transcript t = DecodeOk(c);
      ASSERT_FALSE(t.turns.empty());
      for (const auto& turn : t.turns) {
        for (const auto& step : turn.steps) {
          EXPECT_FALSE(step.status.empty());
          // Only a step that failed (an error event before any output) may have said nothing.
          EXPECT_TRUE(!step.text.empty() || !step.tool_calls.empty() || step.status == "failed")
              << step.status;
        }
      }
    }
  }
}

// --- Hand-made recordings: the rules ---

mocks::CassetteExchange Exchange(Duration sent, std::string target, std::string body, int status,
                                 Duration headers, std::vector<mocks::CassetteChunk> chunks,
                                 std::string method = "POST") {
  mocks::CassetteExchange e;
  e.sent_at = sent;
  e.request.method = std::move(method);
  e.request.target = std::move(target);
  e.request.body = std::move(body);
  e.response.status = status;
  e.response.headers_at = headers;
  e.response.chunks = std::move(chunks);
  e.response.end_at = e.response.chunks.empty() ? headers : e.response.chunks.back().at;
  const bool sse =
      !e.response.chunks.empty() && (e.response.chunks[0].bytes.rfind("event:", 0) == 0 ||
                                     e.response.chunks[0].bytes.rfind("data:", 0) == 0);
  e.response.headers = {{"content-type", sse ? "text/event-stream" : "application/json"}};
  return e;
}

std::string Event(const std::string& type, const std::string& data) {
  return "event: " + type + "\ndata: " + data + "\n\n";
}

mocks::Cassette Cassette(std::string runtime, std::vector<mocks::CassetteExchange> exchanges) {
  mocks::Cassette c;
  c.name = "hand";
  c.source_path = "hand.cassette.jsonl";
  c.runtime = std::move(runtime);
  c.model = "gpt-4.1";
  c.exchanges = std::move(exchanges);
  return c;
}

TEST(TranscriptResponsesTest, ReasoningHostedToolsAndCitations) {
  const std::string created =
      R"({"type":"response.created","response":{"id":"resp_1","status":"in_progress"}})";
  const std::string body =
      Event("response.created", created) +
      Event(
          "response.output_item.added",
          R"({"type":"response.output_item.added","output_index":0,"item":{"id":"rs_1","type":"reasoning"}})");
  std::vector<mocks::CassetteChunk> chunks = {
      {100ms, body},
      {150ms,
       Event(
           "response.reasoning_summary_text.delta",
           R"({"type":"response.reasoning_summary_text.delta","item_id":"rs_1","delta":"Think."})")},
      {200ms,
       Event(
           "response.output_item.added",
           R"({"type":"response.output_item.added","output_index":1,"item":{"id":"fs_1","type":"file_search_call","status":"in_progress","queries":[]}})")},
      {260ms,
       Event(
           "response.output_item.done",
           R"({"type":"response.output_item.done","output_index":1,"item":{"id":"fs_1","type":"file_search_call","status":"completed","queries":["laptops"],"results":null}})")},
      {270ms,
       Event(
           "response.output_item.added",
           R"({"type":"response.output_item.added","output_index":2,"item":{"id":"ws_1","type":"web_search_call","status":"in_progress"}})")},
      {280ms,
       Event("response.web_search_call.completed",
             R"({"type":"response.web_search_call.completed","output_index":2,"item_id":"ws_1"})")},
      {300ms,
       Event(
           "response.output_text.delta",
           R"({"type":"response.output_text.delta","item_id":"msg_1","output_index":3,"delta":"No."})")},
      {310ms,
       Event(
           "response.output_text.annotation.added",
           R"({"type":"response.output_text.annotation.added","annotation":{"type":"file_citation","filename":"security-policy.md"}})")},
      {330ms,
       Event(
           "response.completed",
           R"({"type":"response.completed","response":{"id":"resp_1","status":"completed","usage":{"input_tokens":9,"output_tokens":4}}})")},
  };
  const Transcript t = DecodeOk(
      Cassette("responses", {Exchange(0ms, "/v1/responses", R"({"input":"Can I?","stream":true})",
                                      200, 90ms, std::move(chunks))}));
  const TranscriptStep& step = t.turns.at(0).steps.at(0);
  EXPECT_EQ(step.response_start, 100ms);
  EXPECT_EQ(step.first_output_at, 150ms);  // the reasoning came first
  ASSERT_EQ(step.reasoning.size(), 1U);
  EXPECT_EQ(step.reasoning[0].text, "Think.");
  ASSERT_EQ(step.hosted.size(), 2U);
  EXPECT_EQ(step.hosted[0].kind, "file_search");
  EXPECT_THAT(step.hosted[0].queries, ElementsAre("laptops"));
  EXPECT_EQ(step.hosted[0].started_at, 200ms);
  EXPECT_EQ(step.hosted[0].ended_at, 260ms);
  EXPECT_EQ(step.hosted[1].kind, "web_search");
  EXPECT_EQ(step.hosted[1].ended_at, 280ms);
  EXPECT_THAT(step.citations, ElementsAre("security-policy.md"));
  EXPECT_EQ(step.Text(), "No.");
  EXPECT_EQ(step.end_at, 330ms);
  EXPECT_EQ(step.usage->output_tokens, 4);
}

TEST(TranscriptResponsesTest, RetriesBecomeFaultsAndALaterAttemptReplacesAnEarlierOne) {
  const std::string rate_limited =
      R"({"error":{"message":"Slow down.","type":"requests","code":"rate_limit_exceeded"}})";
  const auto answer = [](const std::string& id, const std::string& text) {
    return std::vector<mocks::CassetteChunk>{
        {50ms,
         R"({"id":")" + id +
             R"(","status":"completed","output":[{"type":"message","content":[{"type":"output_text","text":")" +
             text + R"("}]}]})"}};
  };
  auto retried =
      Exchange(100ms, "/v1/responses", R"({"input":"Hi"})", 429, 5ms, {{5ms, rate_limited}});
  retried.response.headers.push_back({"retry-after", "2"});
  mocks::Cassette c = Cassette(
      "responses",
      {Exchange(0ms, "/v1/responses", R"({"input":"Hi"})", 200, 50ms, answer("resp_a", "first")),
       std::move(retried),
       Exchange(2200ms, "/v1/responses", R"({"input":"Hi"})", 200, 50ms,
                answer("resp_b", "second")),
       Exchange(3000ms, "/v1/responses", R"({"input":"More","previous_response_id":"resp_b"})", 200,
                50ms, answer("resp_c", "third"))});
  const Transcript t = DecodeOk(c);
  ASSERT_EQ(t.turns.size(), 2U);
  ASSERT_EQ(t.turns[0].steps.size(), 1U);
  const TranscriptStep& step = t.turns[0].steps[0];
  EXPECT_EQ(step.Text(), "second");
  ASSERT_EQ(step.faults.size(), 1U);
  EXPECT_EQ(step.faults[0].status, 429);
  EXPECT_EQ(step.faults[0].retry_after_s, 2);
  EXPECT_EQ(step.faults[0].code, "rate_limit_exceeded");
  EXPECT_EQ(step.faults[0].message, "Slow down.");
  EXPECT_EQ(step.faults[0].sent_at, 100ms);
  EXPECT_THAT(t.notes,
              ::testing::Contains(HasSubstr("replaced by the later attempt at exchange 2")));
  EXPECT_EQ(t.turns[1].user, "More");
  EXPECT_EQ(t.turns[1].steps.at(0).Text(), "third");
}

TEST(TranscriptChatTest, MessagesPlaceTheStepsAndToolMessagesContinueATurn) {
  const auto completion = [](const std::string& message) {
    return std::vector<mocks::CassetteChunk>{
        {80ms,
         R"({"choices":[{"index":0,"message":)" + message +
             R"(,"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2}})"}};
  };
  const std::string call =
      R"({"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]})";
  mocks::Cassette c = Cassette(
      "chat",
      {Exchange(
           0ms, "/v1/chat/completions",
           R"({"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Q1"}]})",
           200, 80ms, completion(call)),
       Exchange(
           100ms, "/v1/chat/completions",
           R"({"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Q1"},)" +
               call + R"(,{"role":"tool","tool_call_id":"c1","content":"ok"}]})",
           200, 80ms, completion(R"({"role":"assistant","content":"A1"})"))});
  const Transcript t = DecodeOk(c);
  EXPECT_EQ(t.instructions, "Be brief.");
  ASSERT_EQ(t.turns.size(), 1U);
  EXPECT_EQ(t.turns[0].user, "Q1");
  ASSERT_EQ(t.turns[0].steps.size(), 2U);
  EXPECT_EQ(t.turns[0].steps[0].tool_calls.at(0).name, "f");
  EXPECT_EQ(t.turns[0].steps[1].Text(), "A1");
  EXPECT_EQ(t.turns[0].steps[1].timing, StepTiming::kWhole);
}

// Polls at known instants: each state is taken as reached halfway between the last look that
// did not show it and the first that did, a look being halfway through a poll's round trip.
TEST(TranscriptAssistantsTest, PolledStatesAreReachedAtTheMidpointOfTheirPolls) {
  const auto run = [](const std::string& status) {
    return std::vector<mocks::CassetteChunk>{
        {10ms, R"({"id":"run_1","object":"thread.run","status":")" + status +
                   R"(","instructions":"Be kind."})"}};
  };
  const std::string messages =
      R"({"object":"list","data":[{"id":"msg_2","role":"assistant","run_id":"run_1","created_at":5,"content":[{"type":"text","text":{"value":"Done.","annotations":[]}}]},{"id":"msg_1","role":"user","run_id":null,"content":[{"type":"text","text":{"value":"Go","annotations":[]}}]}]})";
  mocks::Cassette c = Cassette(
      "assistants",
      {Exchange(0ms, "/v1/threads", "{}", 200, 10ms, {{10ms, R"({"id":"thread_1"})"}}),
       Exchange(20ms, "/v1/threads/thread_1/messages", R"({"role":"user","content":"Go"})", 200,
                10ms, {{10ms, R"({"id":"msg_1"})"}}),
       Exchange(40ms, "/v1/threads/thread_1/runs", R"({"assistant_id":"asst_1"})", 200, 10ms,
                run("queued")),
       Exchange(140ms, "/v1/threads/thread_1/runs/run_1", "", 200, 10ms, run("queued"), "GET"),
       Exchange(340ms, "/v1/threads/thread_1/runs/run_1", "", 200, 10ms, run("in_progress"), "GET"),
       Exchange(540ms, "/v1/threads/thread_1/runs/run_1", "", 200, 10ms, run("completed"), "GET"),
       Exchange(560ms, "/v1/threads/thread_1/messages", "", 200, 10ms, {{10ms, messages}}, "GET")});
  const Transcript t = DecodeOk(c);
  EXPECT_EQ(t.instructions, "Be kind.");
  ASSERT_EQ(t.turns.size(), 1U);
  EXPECT_EQ(t.turns[0].user, "Go");
  const TranscriptStep& step = t.turns[0].steps.at(0);
  EXPECT_EQ(step.timing, StepTiming::kPolled);
  EXPECT_EQ(step.sent_at, 40ms);
  // Looks (from the run's creation at 40 ms): 5 (queued), 105 (queued), 305 (in_progress),
  // 505 (completed).
  EXPECT_EQ(step.first_output_at, 205ms);
  EXPECT_EQ(step.end_at, 405ms);
  EXPECT_EQ(step.observed_at, 550ms);
  EXPECT_EQ(step.status, "completed");
  EXPECT_EQ(step.Text(), "Done.");
  EXPECT_EQ(t.quick_replies.size(), 7U);
}

TEST(TranscriptErrorTest, WhatCannotBeDecodedIsALocatedError) {
  mocks::Cassette broken = Cassette(
      "responses",
      {Exchange(0ms, "/v1/responses", R"({"input":"Hi","stream":true})", 200, 10ms,
                {{10ms, "event: response.created\ndata: {not json\n\n"},
                 {20ms, Event("response.completed", R"({"type":"response.completed"})")}})});
  auto failed = DecodeTranscript(broken);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error(),
            "hand.cassette.jsonl: /exchanges/0/response/chunks: exchange 0 (POST /v1/responses): "
            "event 0 ('response.created') is not JSON: {not json");

  mocks::Cassette no_model =
      Cassette("assistants", {Exchange(0ms, "/v1/assistants", R"({"model":"gpt-4o"})", 200, 10ms,
                                       {{10ms, R"({"id":"asst_1"})"}})});
  auto nothing = DecodeTranscript(no_model);
  ASSERT_FALSE(nothing);
  EXPECT_THAT(nothing.error(), HasSubstr("has no request to the model"));

  mocks::Cassette not_json = Cassette(
      "chat", {Exchange(0ms, "/v1/chat/completions", "{}", 200, 10ms, {{10ms, "<html>"}})});
  auto html = DecodeTranscript(not_json);
  ASSERT_FALSE(html);
  EXPECT_THAT(html.error(), HasSubstr("/exchanges/0/response/chunks: exchange 0 (POST "
                                      "/v1/chat/completions): the response body is not a JSON "
                                      "object"));
}

TEST(TranscriptErrorTest, AStreamCutShortIsDecodedAsFarAsItGoes) {
  auto e = Exchange(0ms, "/v1/chat/completions", R"({"messages":[{"role":"user","content":"Hi"}]})",
                    200, 10ms,
                    {{20ms, R"(data: {"choices":[{"index":0,"delta":{"content":"Hel"}}]})"
                            "\n\n"},
                     {30ms, R"(data: {"choices":[{"index":0,"del)"}});
  e.response.error = "connection_reset";
  const Transcript t = DecodeOk(Cassette("chat", {e}));
  const TranscriptStep& step = t.turns.at(0).steps.at(0);
  EXPECT_EQ(step.Text(), "Hel");
  EXPECT_EQ(step.status, "");
  EXPECT_THAT(t.notes, ::testing::Contains(HasSubstr("ends without [DONE]")));
}

// Untrusted input: every fixture cut short anywhere, or with its values of the wrong type,
// decodes or fails with a message, and never crashes.
TEST(TranscriptErrorTest, DamagedRecordingsNeverCrash) {
  std::size_t decoded = 0;
  std::size_t failed = 0;
  const auto attempt = [&](const mocks::Cassette& c) {
    auto t = DecodeTranscript(c);
    if (t) {
      ++decoded;
    } else {
      ++failed;
      EXPECT_FALSE(t.error().empty());
    }
  };
  for (const auto& entry : std::filesystem::directory_iterator(AGENTREPLAY_FIXTURES_DIR)) {
    if (entry.path().extension() == ".md") continue;
    for (const auto& original : Conversations(entry.path().filename().string())) {
      for (std::size_t i = 0; i < original.exchanges.size(); ++i) {
        const std::string body = [&] {
          std::string b;
          for (const auto& chunk : original.exchanges[i].response.chunks) b += chunk.bytes;
          return b;
        }();
        // Cut short at a few points.
        for (std::size_t cut :
             {std::size_t{0}, body.size() / 3, body.size() / 2, body.size() - 1}) {
          if (cut >= body.size()) continue;
          mocks::Cassette c = original;
          auto& r = c.exchanges[i].response;
          r.chunks = {{r.headers_at, body.substr(0, cut)}};
          r.error = "body_truncated";
          attempt(c);
        }
        // Strings, numbers and objects where others were expected.
        for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
                 {"\"delta\":\"", "\"delta\":7,\"x\":\""},
                 {"\"content\":", "\"content\":{\"a\":1},\"y\":"},
                 {"\"tool_calls\":", "\"tool_calls\":\"none\",\"z\":"},
                 {"\"status\":\"", "\"status\":[1],\"s\":\""},
                 {"\"usage\":", "\"usage\":\"many\",\"u\":"},
                 {"\"index\":", "\"index\":\"0\",\"i\":"},
                 {"\"id\":\"", "\"id\":null,\"d\":\""}}) {
          mocks::Cassette c = original;
          for (auto& chunk : c.exchanges[i].response.chunks) {
            for (std::size_t at = chunk.bytes.find(from); at != std::string::npos;
                 at = chunk.bytes.find(from, at + to.size())) {
              chunk.bytes.replace(at, from.size(), to);
            }
          }
          for (std::size_t at = c.exchanges[i].request.body.find(from); at != std::string::npos;
               at = c.exchanges[i].request.body.find(from, at + to.size())) {
            c.exchanges[i].request.body.replace(at, from.size(), to);
          }
          attempt(c);
        }
      }
    }
  }
  EXPECT_GT(decoded, 0U);
  EXPECT_GT(failed + decoded, 100U);
}

}  // namespace
}  // namespace agentreplay::harness
