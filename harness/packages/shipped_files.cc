#include "harness/packages/shipped_files.h"

#include <algorithm>
#include <cstdlib>

namespace agentreplay::harness::shipped {

namespace fs = std::filesystem;

fs::path Dir() {
  const char* env = std::getenv("AGENTREPLAY_SCENARIOS_DIR");
  return env != nullptr && *env != '\0' ? fs::path(env) : fs::path(AGENTREPLAY_SCENARIOS_DIR);
}

fs::path PackagesFile() { return Dir() / "registry" / "packages.json"; }
fs::path ToolPacksFile() { return Dir() / "registry" / "tool_packs.json"; }
fs::path PricesFile() { return Dir() / "registry" / "prices.json"; }
fs::path DefaultGateFile() { return Dir() / "gates" / "default.json"; }
fs::path Schema(const std::string& name) { return Dir() / "schemas" / (name + ".schema.json"); }

std::vector<std::string> ScenarioFiles() {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(Dir(), ec)) {
    if (entry.is_regular_file(ec) && entry.path().extension() == ".json") {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace agentreplay::harness::shipped
