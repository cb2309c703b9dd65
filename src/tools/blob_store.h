// The file ("blob") store of a workspace: a directory the model reads and writes through
// relative paths, and never leaves.
//
// Confinement: a path is refused (invalid_path) when it is empty, absolute, longer than 1024
// bytes, contains a NUL byte or a ".." component, or resolves outside the store once symlinks
// are followed (weakly_canonical) - which covers a symlink inside the store that points out.
// A dangling symlink is refused as well: weakly_canonical cannot follow it, but writing
// through it would create its target wherever it points. The check and the use are not atomic
// against another process rewriting the store at the same moment; the store is the agent's
// own directory, and within this process every operation holds the store's mutex.
// Symlinks that stay inside the store are followed: operations act on what they point to.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentreplay {

// Why an operation failed. `type` is the structured error type the tools return:
// invalid_path, not_found, already_exists or storage_error.
struct BlobError {
  std::string type;
  std::string message;
};

struct BlobInfo {
  std::string path;  // relative to the store, '/'-separated
  uint64_t size = 0;
  std::string modified;  // FormatUtcTimestamp
};

struct BlobData {
  std::string bytes;  // at most the max_bytes asked for
  uint64_t size = 0;  // of the whole file
  bool truncated = false;
};

enum class BlobAction { kMove, kCopy, kDelete };

class BlobStore {
 public:
  static constexpr size_t kMaxPathBytes = 1024;
  static constexpr size_t kMaxListed = 1000;

  // `root` must exist; it is canonicalised once here.
  explicit BlobStore(const std::filesystem::path& root);

  const std::filesystem::path& root() const { return root_; }

  // `relative` as a path inside a store, by its text alone (no file is looked at): nullopt and
  // `error` (invalid_path) when it is empty, too long, absolute, has a NUL byte or a '..', or
  // names the store itself.
  static std::optional<std::filesystem::path> CheckPath(std::string_view relative,
                                                        BlobError* error);
  // The absolute path `relative` names inside the store, symlinks resolved; nullopt and
  // `error` (invalid_path) when it is refused. The store's root itself is refused too.
  std::optional<std::filesystem::path> Resolve(std::string_view relative, BlobError* error) const;

  // Regular files whose relative path starts with `prefix`, sorted by path, at most
  // kMaxListed (`truncated` says when there were more). Symlinks are not listed.
  std::vector<BlobInfo> List(std::string_view prefix, bool* truncated, BlobError* error);
  std::optional<BlobData> Read(std::string_view path, uint64_t max_bytes, BlobError* error);
  // Writes `bytes` (creating parent directories); `created` false when it replaced a file.
  // The file is dated `modified` (the agent's wall clock, not the host's), so a simulated run
  // lists the same times every time.
  bool Write(std::string_view path, std::string_view bytes, bool overwrite, bool* created,
             BlobError* error, std::chrono::system_clock::time_point modified);
  // move: a file or a directory; copy: a file (dated `modified`); delete: a file or an empty
  // directory. The destination (`to`) must not exist.
  bool Manage(BlobAction action, std::string_view path, std::string_view to, BlobError* error,
              std::chrono::system_clock::time_point modified);

 private:
  std::filesystem::path root_;
  std::mutex mutex_;  // one operation at a time: a copy never sees a half-written file
};

}  // namespace agentreplay
