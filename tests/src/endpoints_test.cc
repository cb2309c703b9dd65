#include "llm/endpoints.h"

#include <gtest/gtest.h>

namespace agentreplay {
namespace {

TEST(EndpointsTest, ClassifiesTheApiSurface) {
  EXPECT_EQ(ClassifyEndpoint("POST", "/v1/responses"), "responses.create");
  EXPECT_EQ(ClassifyEndpoint("GET", "/v1/responses/resp_1"), "responses.retrieve");
  EXPECT_EQ(ClassifyEndpoint("GET", "/v1/responses/resp_1/input_items"), "responses.input_items");
  EXPECT_EQ(ClassifyEndpoint("POST", "/v1/chat/completions"), "chat.completions.create");
  EXPECT_EQ(ClassifyEndpoint("POST", "/v1/threads"), "threads.create");
  EXPECT_EQ(ClassifyEndpoint("POST", "/v1/threads/runs"), "threads.create_and_run");
  EXPECT_EQ(ClassifyEndpoint("POST", "/v1/threads/thread_a/runs"), "runs.create");
  EXPECT_EQ(ClassifyEndpoint("GET", "/v1/threads/thread_a/runs"), "runs.list");
  EXPECT_EQ(ClassifyEndpoint("GET", "/v1/threads/thread_a/runs/run_b"), "runs.retrieve");
  EXPECT_EQ(ClassifyEndpoint("POST", "/v1/threads/thread_a/runs/run_b/submit_tool_outputs"),
            "runs.submit_tool_outputs");
  EXPECT_EQ(ClassifyEndpoint("GET", "/v1/threads/thread_a/messages?order=desc&limit=20"),
            "messages.list");
}

TEST(EndpointsTest, PollIsTheRunRetrieve) {
  EXPECT_EQ(ClassifyEndpoint("GET", "/v1/threads/t/runs/r"), kPollEndpoint);
}

TEST(EndpointsTest, UnknownIsOther) {
  EXPECT_EQ(ClassifyEndpoint("PATCH", "/v1/responses"), "other");
  EXPECT_EQ(ClassifyEndpoint("GET", "/v2/nothing/here"), "other");
  EXPECT_EQ(ClassifyEndpoint("GET", "/"), "other");
}

}  // namespace
}  // namespace agentreplay
