// Runtimes and conversations of recorded exchanges, and the helpers every importer shares.
#include "harness/recording/conversations.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "harness/recording/import_common.h"

namespace agentreplay::harness {
namespace {

using ::testing::ElementsAre;

using Ms = std::chrono::milliseconds;

std::vector<std::string> Conversations(const mocks::Cassette& c) {
  std::vector<std::string> out;
  for (const auto& e : c.exchanges) out.push_back(e.conversation);
  return out;
}

// --- Conversations ---

mocks::CassetteExchange Post(std::string target, std::string body, std::string response = "") {
  mocks::CassetteExchange e;
  e.request = {"POST", std::move(target), {}, std::move(body)};
  e.response.headers = {{"Content-Type", "application/json"}};
  if (!response.empty()) e.response.chunks.push_back({Duration{0}, std::move(response)});
  return e;
}

TEST(ConversationTest, ChatHistoriesThatGrow) {
  mocks::Cassette c;
  const std::string u1 = R"({"role":"user","content":"hi"})";
  const std::string a1 = R"({"role":"assistant","content":"hello"})";
  const std::string u2 = R"({"role":"user","content":"more"})";
  const auto chat = [](const std::vector<std::string>& messages) {
    std::string body = R"({"model":"m","messages":[)";
    for (size_t i = 0; i < messages.size(); ++i) body += (i ? "," : "") + messages[i];
    return Post("/v1/chat/completions", body + "]}");
  };
  c.exchanges = {chat({u1}), chat({u1, a1, u2}), chat({u1, a1, u2}),  // a retry
                 chat({u1}), chat({u2}),         chat({u1, a1}),     Post("/v1/models", "")};
  AssignConversations(c);
  // The second run of the same opening is a new conversation: the first has moved on.
  EXPECT_THAT(Conversations(c),
              ElementsAre("chat-1", "chat-1", "chat-1", "chat-2", "chat-3", "chat-2", "chat-2"));
}

TEST(ConversationTest, ResponsesChainsAndNamedConversations) {
  mocks::Cassette c;
  c.exchanges = {
      Post("/v1/responses", R"({"input":"a"})", R"({"id":"resp_1","object":"response"})"),
      Post("/v1/responses", R"({"input":"b","previous_response_id":"resp_1"})",
           R"({"id":"resp_2","object":"response"})"),
      Post("/v1/responses", R"({"input":"c","previous_response_id":"resp_2"})"),
      Post("/v1/responses", R"({"input":"d","conversation":"conv_9"})"),
      Post("/v1/responses", R"({"input":"e","conversation":{"id":"conv_9"}})"),
      Post("/v1/responses", R"({"input":[{"role":"user","content":"x"}]})"),
      Post("/v1/responses",
           R"({"input":[{"role":"user","content":"x"},{"type":"function_call_output"}]})"),
      Post("/v1/responses", R"({"input":"f","previous_response_id":"resp_unknown"})"),
  };
  c.exchanges.push_back(Post("/v1/responses/resp_2/input_items", ""));
  c.exchanges.back().request.method = "GET";
  AssignConversations(c);
  EXPECT_THAT(Conversations(c),
              ElementsAre("resp_1", "resp_1", "resp_1", "conv_9", "conv_9", "responses-1",
                          "responses-1", "resp_unknown", "resp_1"));
}

TEST(ConversationTest, AssistantsThreads) {
  mocks::Cassette c;
  c.exchanges = {Post("/v1/assistants", R"({"model":"gpt-4o"})"),
                 Post("/v1/threads", "", R"({"id":"thread_a","object":"thread"})"),
                 Post("/v1/threads/thread_a/runs", "{}"),
                 Post("/v1/threads/runs", "{}", R"({"id":"run_1","thread_id":"thread_b"})"),
                 Post("/v1/threads/thread_b/runs/run_1/submit_tool_outputs", "{}")};
  AssignConversations(c);
  EXPECT_THAT(Conversations(c),
              ElementsAre("thread_a", "thread_a", "thread_a", "thread_b", "thread_b"));
  const auto parts = SplitConversations(c);
  ASSERT_EQ(parts.size(), 2U);
  EXPECT_EQ(parts[1].exchanges.size(), 2U);
  EXPECT_EQ(SplitConversations(parts[1]).size(), 1U);
  // Ids from request bodies are made safe to use in a file name.
  mocks::Cassette odd;
  odd.name = "n";
  odd.exchanges = {Post("/v1/responses", R"({"conversation":"../../etc/passwd"})"),
                   Post("/v1/responses", R"({"conversation":"conv_1"})")};
  AssignConversations(odd);
  const auto odd_parts = SplitConversations(odd);
  ASSERT_EQ(odd_parts.size(), 2U);
  EXPECT_EQ(odd_parts[0].name, "n-.._.._etc_passwd");
  EXPECT_EQ(odd_parts[1].name, "n-conv_1");
}

TEST(ConversationTest, Targets) {
  EXPECT_EQ(RuntimeOfTarget("/v1/responses"), "responses");
  EXPECT_EQ(RuntimeOfTarget("/v1/responses/resp_1?x=1"), "responses");
  EXPECT_EQ(RuntimeOfTarget("/proxy/v1/chat/completions"), "chat");
  EXPECT_EQ(RuntimeOfTarget("/openai/deployments/gpt4/chat/completions?api-version=1"), "chat");
  EXPECT_EQ(RuntimeOfTarget("/v1/threads/thread_1/runs"), "assistants");
  EXPECT_EQ(RuntimeOfTarget("/v1/assistants"), "assistants");
  EXPECT_EQ(RuntimeOfTarget("/v1/models"), "");
  EXPECT_TRUE(IsOpenAiApiTarget("/v1/models"));
  EXPECT_FALSE(IsOpenAiApiTarget("/"));
  EXPECT_FALSE(IsOpenAiApiTarget("/v1/unknown"));
  EXPECT_EQ(TargetOfUrl("https://api.openai.com/v1/responses?a=b#frag"), "/v1/responses?a=b");
  EXPECT_EQ(TargetOfUrl("HTTP://host"), "/");
  EXPECT_EQ(TargetOfUrl("http://host?x"), "/?x");
  EXPECT_FALSE(TargetOfUrl("ftp://host/x"));
  EXPECT_FALSE(TargetOfUrl("https:///x"));
  EXPECT_FALSE(TargetOfUrl("https://host/a b"));
}

TEST(ImportCommonTest, SseEventsAndPace) {
  EXPECT_THAT(SplitSseEvents("data: a\n\ndata: b\r\n\r\n: c\n\n\ndata: d"),
              ElementsAre("data: a\n\n", "data: b\r\n\r\n", ": c\n\n", "\ndata: d"));
  EXPECT_THAT(SplitSseEvents("\n\ndata: a\n\n\n"), ElementsAre("\n\ndata: a\n\n\n"));
  EXPECT_EQ(ParsePace("").value(), Pace{});
  EXPECT_EQ(ParsePace("headers=250").value().headers, Ms(250));
  EXPECT_EQ(ParsePace("hedaers=1,event_gap=-1").error(),
            "pace: unknown name 'hedaers' (known: headers, network, first_event, event_gap, "
            "request_gap)\npace: event_gap needs milliseconds from 0 to 604800000: "
            "'event_gap=-1'");
  EXPECT_EQ(ParseImportFormat("har"), ImportFormat::kHar);
  EXPECT_EQ(ImportFormatName(ImportFormat::kDotnetSession), "dotnet");
  EXPECT_FALSE(ParseImportFormat("xml"));
}

}  // namespace
}  // namespace agentreplay::harness
