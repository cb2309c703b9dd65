// The official OpenAI Node SDK through `agentreplay record`: tests/sdk/sdk_compat.mjs (the flows
// sdk_compat_test runs against `serve`) with its base URL pointing at the proxy, which stands in
// front of `serve`. Every flow must still pass, and the cassette must hold the SDK's exchanges,
// one conversation per flow (the script names a session per flow), with the key redacted.
// Skipped without Node or the SDK outside CI, like sdk_compat_test; a failure in CI.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>

#include "harness/recording/cassette_reader.h"
#include "tests/e2e/node_sdk.h"
#include "tests/e2e/record_test_support.h"

namespace agentreplay {
namespace {

namespace fs = std::filesystem;
using testing::Agentreplay;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(RecordSdkTest, TheOfficialNodeSdkCompletesEveryFlowThroughTheProxy) {
  AGENTREPLAY_REQUIRE_NODE_SDK();
  const fs::path dir =
      fs::path(::testing::TempDir()) / ("agentreplay-record-sdk-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string scenario =
      (fs::path(AGENTREPLAY_SCENARIOS_DIR) / "one_tool_call.json").string();
  Agentreplay served({"serve", scenario, "--port", "0", "--time-scale", "0.05"},
                     (dir / "serve.err").string());
  const std::string upstream = served.BaseUrl();
  ASSERT_FALSE(upstream.empty()) << served.first_line();
  const fs::path cassette_file = dir / "sdk.cassette.jsonl";
  Agentreplay proxy({"record", "--upstream", upstream, "--out", cassette_file.string()},
                    (dir / "record.err").string());
  const std::string base = proxy.BaseUrl();
  ASSERT_FALSE(base.empty()) << proxy.first_line();

  std::string output;
  const int code =
      testing::RunCapture("node '" + (testing::kNodeSdkDir / "sdk_compat.mjs").string() + "' '" +
                              base + "' '" + scenario + "'",
                          output);
  EXPECT_EQ(code, 0) << output;
  const std::vector<std::string> flows = {"assistants_stream", "assistants_poll",
                                          "responses_stream", "chat_stream"};
  for (const std::string& flow : flows) {
    EXPECT_THAT(output, HasSubstr("ok   " + flow)) << output;
  }
  proxy.Signal(SIGINT);
  EXPECT_EQ(proxy.Wait(), 0);
  served.Signal(SIGINT);
  EXPECT_EQ(served.Wait(), 0);

  auto cassette = harness::LoadCassetteFile(cassette_file);
  ASSERT_TRUE(cassette) << cassette.error();
  EXPECT_EQ(cassette->runtime, "assistants");  // the script's first flow
  std::map<std::string, int> per_session;
  for (const auto& e : cassette->exchanges) {
    ++per_session[e.conversation];
    EXPECT_EQ(e.response.error, "") << e.request.target;
    EXPECT_LT(e.response.status, 400) << e.request.target;
    EXPECT_EQ(FindHeader(e.request.headers, "authorization"), "Bearer REDACTED");
  }
  // The requests each flow makes at least: two model calls each, plus the Assistants set-up
  // (assistant, thread), and the polling flow's polls and messages.list.
  EXPECT_GE(per_session["sdk-assistants-stream"], 4);
  EXPECT_GE(per_session["sdk-assistants-poll"], 6);
  EXPECT_EQ(per_session["sdk-responses"], 2);
  EXPECT_EQ(per_session["sdk-chat"], 2);
  EXPECT_EQ(per_session.size(), 4u);
  EXPECT_THAT(testing::Slurp(cassette_file), Not(HasSubstr("sk-test")));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace agentreplay
