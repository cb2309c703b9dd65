// Compatibility with the official OpenAI Node SDK: `agentreplay serve` is started as a user
// starts it, and tests/sdk/sdk_compat.mjs drives it with the SDK's streaming and polling
// helpers (Assistants stream + submitToolOutputsStream, createAndPoll +
// submitToolOutputsAndPoll, Responses stream with a previous_response_id continuation, Chat
// Completions stream with tool calls). The SDK is installed by scripts/setup (npm ci in
// tests/sdk, pinned by its lockfile). Outside CI a machine without Node or the SDK skips the
// test; in CI (CI=true) that is a failure, so a missing install step cannot hide.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <string>

#include "tests/e2e/child_process.h"

namespace {

namespace fs = std::filesystem;
using agentreplay::testing::ChildProcess;

const fs::path kSdkDir = fs::path(AGENTREPLAY_SOURCE_DIR) / "tests" / "sdk";

bool InCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

// Runs `command`, returns its exit code and its output (stdout and stderr together).
int RunCapture(const std::string& command, std::string& output) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(SdkCompatTest, TheOfficialNodeSdkCompletesEveryFlowAgainstServe) {
  std::string version;
  const bool have_node = RunCapture("node --version", version) == 0;
  const bool have_sdk = fs::exists(kSdkDir / "node_modules" / "openai" / "package.json");
  if (!have_node || !have_sdk) {
    const std::string why =
        !have_node ? "node is not installed" : "the SDK is not installed (run scripts/setup)";
    if (InCi()) FAIL() << why;
    GTEST_SKIP() << why;
  }

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
  const int code = RunCapture("node '" + (kSdkDir / "sdk_compat.mjs").string() + "' '" +
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
