// Golden-file comparison for reporter output. Fields that vary between builds and runs (version,
// git revision, start time, host) are replaced by placeholders before comparing, so goldens keep
// only what the reporter decides. Set AGENTREPLAY_UPDATE_GOLDEN=1 to rewrite the files after an
// intended change, then review the diff.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "results/result_model.h"

namespace agentreplay::reports::testing {

inline std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  if (from.empty()) return text;
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

inline std::string Normalize(std::string text, const results::Context& context) {
  text = ReplaceAll(std::move(text), context.started_at, "@STARTED_AT@");
  text = ReplaceAll(std::move(text), context.git_revision, "@GIT_REVISION@");
  text = ReplaceAll(std::move(text), context.hostname, "@HOST@");
  return ReplaceAll(std::move(text), context.version, "@VERSION@");
}

// Compares `actual` (normalised) with tests/reports/golden/<name>.
inline void ExpectGolden(const std::string& name, const std::string& actual,
                         const results::Context& context) {
  const std::filesystem::path path = std::filesystem::path(AGENTREPLAY_REPORTS_GOLDEN_DIR) / name;
  const std::string normalized = Normalize(actual, context);
  const char* update = std::getenv("AGENTREPLAY_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << normalized;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing golden file " << path
                  << " (run with AGENTREPLAY_UPDATE_GOLDEN=1 to create it)";
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(normalized, expected.str()) << "golden " << name << " differs";
}

}  // namespace agentreplay::reports::testing
