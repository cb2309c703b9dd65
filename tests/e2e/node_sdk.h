// The official OpenAI Node SDK as a test client (tests/sdk, installed by scripts/setup with
// npm ci, pinned by its lockfile): where it is, whether it can run, and running a command with
// its output captured. Outside CI a machine without Node or the SDK skips the tests that need
// it; in CI (CI=true) that is a failure, so a missing install step cannot hide.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

namespace agentreplay::testing {

inline const std::filesystem::path kNodeSdkDir =
    std::filesystem::path(AGENTREPLAY_SOURCE_DIR) / "tests" / "sdk";

inline bool InCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

// Runs `command`; its exit code, and its stdout and stderr together in `output`.
inline int RunCapture(const std::string& command, std::string& output) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    output.append(buffer.data(), n);
  }
  const int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Why the Node SDK cannot run here, or nullopt when it can.
inline std::optional<std::string> NodeSdkMissing() {
  std::string version;
  if (RunCapture("node --version", version) != 0) return "node is not installed";
  if (!std::filesystem::exists(kNodeSdkDir / "node_modules" / "openai" / "package.json")) {
    return "the SDK is not installed (run scripts/setup)";
  }
  return std::nullopt;
}

}  // namespace agentreplay::testing

// Skips the test (fails it in CI) when the Node SDK cannot run.
#define AGENTREPLAY_REQUIRE_NODE_SDK()                                 \
  if (const auto missing = ::agentreplay::testing::NodeSdkMissing()) { \
    if (::agentreplay::testing::InCi()) FAIL() << *missing;            \
    GTEST_SKIP() << *missing;                                          \
  }
