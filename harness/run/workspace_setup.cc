#include "harness/run/workspace_setup.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace agentreplay::harness {

Expected<std::unique_ptr<Workspace>> PrepareWorkspace(
    const mocks::Scenario& scenario, const std::optional<std::filesystem::path>& keep_dir,
    std::chrono::system_clock::time_point seeded_at) {
  auto opened = keep_dir ? Workspace::Open(*keep_dir) : Workspace::CreateTemporary();
  if (!opened) return opened;
  std::unique_ptr<Workspace> ws = std::move(*opened);
  // The core does not know the scenario model; it takes its own plain seed.
  std::vector<EntrySeed> entries;
  entries.reserve(scenario.workspace.entries.size());
  for (const auto& e : scenario.workspace.entries) {
    entries.push_back(EntrySeed{e.category, e.title, e.content, e.tags});
  }
  if (const Status seeded = ws->Seed(entries, scenario.workspace.blobs, seeded_at); !seeded) {
    return Fail(fmt::format("scenario '{}': {}", scenario.name, seeded.error()));
  }
  return ws;
}

std::vector<CheckOutcome> CheckDataExpectations(const Workspace& workspace,
                                                const mocks::Expectations& expectations) {
  std::vector<CheckOutcome> out;
  for (const auto& expect : expectations.data) {
    CheckOutcome c;
    std::string also;
    if (!expect.content_contains.empty()) {
      also += fmt::format(" with content ~\"{}\"", expect.content_contains);
    }
    if (!expect.tags.empty()) also += fmt::format(" tagged {}", fmt::join(expect.tags, ", "));
    c.name = fmt::format("data: {} entry titled ~\"{}\"{} {}",
                         expect.category.empty() ? "any" : expect.category, expect.title_contains,
                         also, expect.exists ? "exists" : "is gone");
    const auto count = workspace.CountEntries(
        EntryMatch{expect.category, expect.title_contains, expect.content_contains, expect.tags});
    if (!count) {
      c.detail = "cannot query the workspace: " + count.error();
    } else {
      c.ok = expect.exists ? *count > 0 : *count == 0;
      if (!c.ok) {
        c.detail = expect.exists ? "no such entry"
                                 : fmt::format("{} such entr{} still there", *count,
                                               *count == 1 ? "y is" : "ies are");
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace agentreplay::harness
