#include "tools/workspace.h"

#include <fmt/format.h>
#include <stdlib.h>  // mkdtemp (POSIX)

#include <cerrno>
#include <system_error>

#include "tools/timestamp.h"

namespace agentreplay {
namespace fs = std::filesystem;

Expected<std::unique_ptr<Workspace>> Workspace::CreateTemporary() {
  std::error_code ec;
  const fs::path base = fs::temp_directory_path(ec);
  if (ec) return Fail("no temporary directory: " + ec.message());
  // mkdtemp picks a name nobody else holds and creates it private (0700) in one step.
  std::string name = (base / "agentreplay-workspace-XXXXXX").string();
  if (mkdtemp(name.data()) == nullptr) {
    return Fail(fmt::format("cannot create a directory in {}: {}", base.string(),
                            std::error_code(errno, std::generic_category()).message()));
  }
  return Init(std::unique_ptr<Workspace>(new Workspace(fs::path(name), true)));
}

Expected<std::unique_ptr<Workspace>> Workspace::Open(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Fail(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  return Init(std::unique_ptr<Workspace>(new Workspace(dir, false)));
}

// On failure `ws` is destroyed here, which removes a temporary directory again.
Expected<std::unique_ptr<Workspace>> Workspace::Init(std::unique_ptr<Workspace> ws) {
  std::error_code ec;
  const fs::path blob_dir = ws->dir_ / kBlobDirectory;
  fs::create_directories(blob_dir, ec);
  if (ec) return Fail(fmt::format("cannot create {}: {}", blob_dir.string(), ec.message()));
  ws->blobs_ = std::make_unique<BlobStore>(blob_dir);
  auto entries = EntryStore::Open(ws->dir_ / kDatabaseFile, !ws->remove_on_destruction_);
  if (!entries) return std::move(entries.failure());
  ws->entries_ = std::move(*entries);
  return ws;
}

Workspace::~Workspace() {
  entries_.reset();  // close the database before its files go
  if (remove_on_destruction_) {
    std::error_code ec;  // a destructor must not throw; a leftover temp dir is harmless
    fs::remove_all(dir_, ec);
  }
}

Status Workspace::Seed(const std::vector<EntrySeed>& entries,
                       const std::map<std::string, std::string>& blobs,
                       std::chrono::system_clock::time_point seeded_at) {
  if (const Status added = entries_->AddAll(entries, FormatUtcTimestamp(seeded_at)); !added) {
    return Fail("cannot seed the data entries: " + added.error());
  }
  for (const auto& [path, content] : blobs) {
    BlobError blob_error;
    if (!blobs_->Write(path, content, /*overwrite=*/true, nullptr, &blob_error, seeded_at)) {
      return Fail(fmt::format("cannot seed blob '{}': {}", path, blob_error.message));
    }
  }
  return {};
}

Expected<int64_t> Workspace::CountEntries(const EntryMatch& match) const {
  return entries_->Count(match);
}

Expected<int64_t> Workspace::CountEntries(std::string_view category,
                                          std::string_view title_contains) const {
  return entries_->Count(category, title_contains);
}

}  // namespace agentreplay
