// The agent's workspace: the storage its data and file tools work on.
//
//   <dir>/data.sqlite   the data entries (EntryStore)
//   <dir>/blobs/        the file store (BlobStore)
//
// The harness gives every repetition a fresh workspace seeded from the scenario, so
// repetitions cannot see each other's writes; `agentreplay chat` (or a test) may keep one. A
// fresh one keeps its entries in memory, copied from a seeded image, and makes its temporary
// directory only when a file tool first needs it: thousands of repetitions a second must not
// each create, seed and remove a database file.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/expected.h"
#include "tools/blob_store.h"
#include "tools/entry_store.h"

namespace agentreplay {

class Workspace {
 public:
  static constexpr std::string_view kDatabaseFile = "data.sqlite";
  static constexpr std::string_view kBlobDirectory = "blobs";

  // A fresh directory under the system temp directory, removed by the destructor unless
  // Keep() was called.
  static Expected<std::unique_ptr<Workspace>> CreateTemporary();
  // Uses `dir` (created if missing) and never removes it; existing data stays.
  static Expected<std::unique_ptr<Workspace>> Open(const std::filesystem::path& dir);
  // Entries in memory, starting from `entries_image` (EntriesImage() of another workspace;
  // empty: none); the file store in a temporary directory made on first use and removed by
  // the destructor.
  static Expected<std::unique_ptr<Workspace>> CreateInMemory(std::string_view entries_image);

  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;
  ~Workspace();

  // The directory outlives this object (e.g. to inspect what a run wrote).
  void Keep() { remove_on_destruction_ = false; }
  // Empty for an in-memory workspace whose file store was never used.
  const std::filesystem::path& dir() const { return dir_; }

  EntryStore& entries() { return *entries_; }
  // Makes the file store's directory on first use; throws std::runtime_error when it cannot
  // (the file tools report it to the model as a storage error).
  BlobStore& blobs();
  // The entries as a database image, for CreateInMemory.
  Expected<std::string> EntriesImage() { return entries_->Image(); }

  // Adds `entries` (all or none, created and updated at `seeded_at`) and writes `blobs` (path
  // relative to the store → content, replacing existing files). Blob paths are confined like
  // the tools' paths.
  Status Seed(const std::vector<EntrySeed>& entries,
              const std::map<std::string, std::string>& blobs,
              std::chrono::system_clock::time_point seeded_at = {});

  // Entries of `category` (any when empty) whose title contains `title_contains`
  // (case-insensitive ASCII; any title when empty). Fails if SQLite fails.
  Expected<int64_t> CountEntries(std::string_view category, std::string_view title_contains) const;
  // Entries that match every part of `match` (see EntryMatch).
  Expected<int64_t> CountEntries(const EntryMatch& match) const;

 private:
  Workspace(std::filesystem::path dir, bool remove_on_destruction)
      : dir_(std::move(dir)), remove_on_destruction_(remove_on_destruction) {}
  static Expected<std::unique_ptr<Workspace>> Init(std::unique_ptr<Workspace> ws);

  std::filesystem::path dir_;
  bool remove_on_destruction_ = false;
  std::unique_ptr<EntryStore> entries_;
  std::mutex blobs_mutex_;  // tools on px's worker pool may ask for the store at once
  std::unique_ptr<BlobStore> blobs_;
  // Seeded files of an in-memory workspace whose file store does not exist yet: written when
  // a file tool first asks for the store (most repetitions never do).
  std::map<std::string, std::string> pending_blobs_;
  std::chrono::system_clock::time_point pending_at_{};
};

}  // namespace agentreplay
