#include "harness/recording/replay_sources.h"

#include <fstream>
#include <string>

#include "harness/recording/cassette_reader.h"
#include "harness/recording/conversations.h"
#include "harness/recording/lift.h"
#include "harness/recording/verbatim.h"
#include "harness/scenario/scenario_loader.h"
#include "mocks/model/cassette.h"

namespace agentreplay::harness {

bool IsCassetteFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  // The schema is the header line's first member; a few hundred bytes always reach it.
  std::string head(512, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  const size_t line_end = head.find('\n');
  return head.substr(0, line_end).find(mocks::kCassetteSchemaV1) != std::string::npos;
}

Expected<std::vector<mocks::Scenario>> LoadReplaySources(const std::filesystem::path& path,
                                                         ReplayMode mode) {
  std::vector<mocks::Scenario> out;
  if (!IsCassetteFile(path)) {
    auto scenario = LoadScenarioFile(path);
    if (!scenario) return scenario.failure();
    out.push_back(std::move(*scenario));
    return out;
  }
  auto cassette = LoadCassetteFile(path);
  if (!cassette) return cassette.failure();
  cassette->source_path = path.string();
  AssignConversations(*cassette);  // a recording proxy leaves them unnamed
  std::vector<Diagnostic> problems;
  for (mocks::Cassette& conversation : SplitConversations(*cassette)) {
    conversation.source_path = path.string();
    Expected<mocks::Scenario> scenario = mode == ReplayMode::kVerbatim
                                             ? VerbatimScenario(conversation)
                                             : LiftScenario(conversation, LiftOptions{});
    if (!scenario) {
      for (const auto& d : scenario.failure().diagnostics()) problems.push_back(d);
      continue;
    }
    scenario->source_path = path.string();
    out.push_back(std::move(*scenario));
  }
  if (!problems.empty()) return Failure(std::move(problems));
  return out;
}

}  // namespace agentreplay::harness
