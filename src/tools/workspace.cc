#include "tools/workspace.h"

#include <fmt/format.h>
#include <stdlib.h>  // mkdtemp (POSIX)

#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "tools/timestamp.h"

namespace agentreplay {
namespace fs = std::filesystem;

namespace {

// mkdtemp picks a name nobody else holds and creates it private (0700) in one step.
Expected<fs::path> MakeTemporaryDirectory() {
  std::error_code ec;
  const fs::path base = fs::temp_directory_path(ec);
  if (ec) return Fail("no temporary directory: " + ec.message());
  std::string name = (base / "agentreplay-workspace-XXXXXX").string();
  if (mkdtemp(name.data()) == nullptr) {
    return Fail(fmt::format("cannot create a directory in {}: {}", base.string(),
                            std::error_code(errno, std::generic_category()).message()));
  }
  return fs::path(name);
}

}  // namespace

Expected<std::unique_ptr<Workspace>> Workspace::CreateTemporary() {
  auto dir = MakeTemporaryDirectory();
  if (!dir) return dir.failure();
  return Init(std::unique_ptr<Workspace>(new Workspace(*dir, true)));
}

Expected<std::unique_ptr<Workspace>> Workspace::CreateInMemory(std::string_view entries_image) {
  auto entries = EntryStore::OpenInMemory(entries_image);
  if (!entries) return std::move(entries.failure());
  std::unique_ptr<Workspace> ws(new Workspace(fs::path(), true));
  ws->entries_ = std::move(*entries);
  return ws;
}

BlobStore& Workspace::blobs() {
  std::lock_guard lock(blobs_mutex_);
  if (blobs_) return *blobs_;
  std::error_code ec;
  if (dir_.empty()) {
    auto dir = MakeTemporaryDirectory();
    // The file tools catch it and tell the model (storage_error); Seed reports it.
    if (!dir) throw std::runtime_error("no file store: " + dir.error());
    dir_ = *dir;
  }
  const fs::path blob_dir = dir_ / kBlobDirectory;
  fs::create_directories(blob_dir, ec);
  if (ec) {
    throw std::runtime_error(fmt::format("cannot create {}: {}", blob_dir.string(), ec.message()));
  }
  blobs_ = std::make_unique<BlobStore>(blob_dir);
  for (const auto& [path, content] : pending_blobs_) {
    BlobError blob_error;
    if (!blobs_->Write(path, content, /*overwrite=*/true, nullptr, &blob_error, pending_at_)) {
      throw std::runtime_error(fmt::format("cannot seed blob '{}': {}", path, blob_error.message));
    }
  }
  pending_blobs_.clear();
  return *blobs_;
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
  blobs_.reset();
  if (remove_on_destruction_ && !dir_.empty()) {
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
  if (dir_.empty() && !blobs_) {
    // In memory, no file store yet: the paths are checked now (a bad seed fails here, as it
    // would on disk) and the files wait for the first file tool.
    for (const auto& [path, content] : blobs) {
      BlobError blob_error;
      if (!BlobStore::CheckPath(path, &blob_error)) {
        return Fail(fmt::format("cannot seed blob '{}': {}", path, blob_error.message));
      }
      pending_blobs_[path] = content;
    }
    pending_at_ = seeded_at;
    return {};
  }
  for (const auto& [path, content] : blobs) {
    BlobError blob_error;
    BlobStore* store = nullptr;
    try {
      store = &this->blobs();
    } catch (const std::runtime_error& e) {
      return Fail(fmt::format("cannot seed blob '{}': {}", path, e.what()));
    }
    if (!store->Write(path, content, /*overwrite=*/true, nullptr, &blob_error, seeded_at)) {
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
