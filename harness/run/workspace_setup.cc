#include "harness/run/workspace_setup.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace agentreplay::harness {

namespace {

// The core does not know the scenario model; it takes its own plain seed.
std::vector<EntrySeed> EntrySeeds(const mocks::Scenario& scenario) {
  std::vector<EntrySeed> entries;
  entries.reserve(scenario.workspace.entries.size());
  for (const auto& e : scenario.workspace.entries) {
    entries.push_back(EntrySeed{e.category, e.title, e.content, e.tags});
  }
  return entries;
}

// Seeded entry images by what they hold (the entries and their date): every repetition of a
// scenario starts from a copy of the same image, made once per process. Bounded, so a process
// that plays many different scenarios does not grow without end.
class EntryImages {
 public:
  Expected<std::shared_ptr<const std::string>> For(const mocks::Scenario& scenario,
                                                   std::chrono::system_clock::time_point at) {
    std::string key = fmt::format("{}", at.time_since_epoch().count());
    for (const auto& e : scenario.workspace.entries) {
      key += fmt::format("\x1f{}\x1e{}\x1e{}\x1e{}", e.category, e.title, e.content,
                         fmt::join(e.tags, "\x1d"));
    }
    {
      std::lock_guard lock(mutex_);
      if (auto it = images_.find(key); it != images_.end()) return it->second;
    }
    auto ws = Workspace::CreateInMemory("");
    if (!ws) return ws.failure();
    if (const Status seeded = (*ws)->Seed(EntrySeeds(scenario), {}, at); !seeded) {
      return seeded.failure();
    }
    auto image = (*ws)->EntriesImage();
    if (!image) return image.failure();
    auto shared = std::make_shared<const std::string>(std::move(*image));
    std::lock_guard lock(mutex_);
    if (images_.size() >= kMaxImages) images_.clear();
    images_.emplace(std::move(key), shared);
    return shared;
  }

 private:
  static constexpr size_t kMaxImages = 256;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const std::string>> images_;
};

EntryImages& Images() {
  static EntryImages images;
  return images;
}

}  // namespace

Expected<std::unique_ptr<Workspace>> PrepareWorkspace(
    const mocks::Scenario& scenario, const std::optional<std::filesystem::path>& keep_dir,
    std::chrono::system_clock::time_point seeded_at) {
  if (keep_dir) {
    auto opened = Workspace::Open(*keep_dir);
    if (!opened) return opened;
    if (const Status seeded =
            (*opened)->Seed(EntrySeeds(scenario), scenario.workspace.blobs, seeded_at);
        !seeded) {
      return Fail(fmt::format("scenario '{}': {}", scenario.name, seeded.error()));
    }
    return opened;
  }
  auto image = Images().For(scenario, seeded_at);
  if (!image) return Fail(fmt::format("scenario '{}': {}", scenario.name, image.error()));
  auto ws = Workspace::CreateInMemory(**image);
  if (!ws) return ws;
  if (const Status seeded = (*ws)->Seed({}, scenario.workspace.blobs, seeded_at); !seeded) {
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
