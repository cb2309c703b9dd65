// Compatibility with the official OpenAI Node SDK: `agentreplay serve` is started as a user
// starts it, and tests/sdk/sdk_compat.mjs drives it with the SDK's streaming and polling
// helpers (Assistants stream + submitToolOutputsStream, createAndPoll +
// submitToolOutputsAndPoll, Responses stream with a previous_response_id continuation, Chat
// Completions stream with tool calls). The SDK is installed by scripts/setup (npm ci in
// tests/sdk, pinned by its lockfile). Outside CI a machine without Node or the SDK skips the
// test; in CI (CI=true) that is a failure, so a missing install step cannot hide.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>

#include "tests/e2e/child_process.h"
#include "tests/e2e/node_sdk.h"

namespace {

namespace fs = std::filesystem;
using agentreplay::testing::ChildProcess;

TEST(SdkCompatTest, TheOfficialNodeSdkCompletesEveryFlowAgainstServe) {
  AGENTREPLAY_REQUIRE_NODE_SDK();

  const std::string scenario =
      (fs::path(AGENTREPLAY_SCENARIOS_DIR) / "one_tool_call.json").string();
  // A twentieth of the scripted time keeps the four flows to a few seconds.
  ChildProcess served(
      {AGENTREPLAY_BINARY, "serve", scenario, "--port", "0", "--time-scale", "0.05"});
  ASSERT_TRUE(served.started());
  const std::string line = served.ReadLine();
  std::smatch match;
  ASSERT_TRUE(std::regex_search(line, match, std::regex(R"(http://[^ ]+/v1)"))) << line;

  std::string output;
  const int code = agentreplay::testing::RunCapture(
      "node '" + (agentreplay::testing::kNodeSdkDir / "sdk_compat.mjs").string() + "' '" +
          match.str(0) + "' '" + scenario + "'",
      output);
  EXPECT_EQ(code, 0) << output;
  for (const char* flow :
       {"assistants_stream", "assistants_poll", "responses_stream", "chat_stream"}) {
    EXPECT_THAT(output, ::testing::HasSubstr(std::string("ok   ") + flow)) << output;
  }

  served.Signal(SIGINT);
  EXPECT_EQ(served.Wait(), 0);
}

}  // namespace
