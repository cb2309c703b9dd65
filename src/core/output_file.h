// Writing a file that someone else reads while we run (results.json, a cassette, a report): the
// one place that writes output files, so every writer publishes the same way. The text goes to
// FILE.tmp, is flushed to disk, and is renamed over FILE: a reader, or a run that crashes, only
// ever sees the complete previous or the complete new file, never a torn one.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/expected.h"

namespace agentreplay {

// Creates the parent directory if needed. On failure the temporary file is removed.
Status WriteFileAtomically(const std::filesystem::path& path, std::string_view text);

// A file written line by line as a run goes (a journal): each line is handed to the kernel with
// one write(2) as soon as it is complete, so a killed process loses nothing already appended.
// Flushing to disk (fdatasync) is what survives a machine crash, and costs milliseconds on a
// real disk: it happens when `sync_every` has passed since the last one, and on Close.
class AppendOnlyFile {
 public:
  // Creates or truncates `path` (and its parent directory). A symlink at `path` is refused.
  static Expected<AppendOnlyFile> Create(const std::filesystem::path& path,
                                         std::chrono::milliseconds sync_every);
  AppendOnlyFile(AppendOnlyFile&& other) noexcept;
  AppendOnlyFile& operator=(AppendOnlyFile&& other) noexcept;
  AppendOnlyFile(const AppendOnlyFile&) = delete;
  AppendOnlyFile& operator=(const AppendOnlyFile&) = delete;
  ~AppendOnlyFile();

  // Appends `line` and a newline in one write.
  Status AppendLine(std::string_view line);
  // Flushes to disk and closes; later appends fail.
  Status Close();
  const std::filesystem::path& path() const { return path_; }

 private:
  AppendOnlyFile(int fd, std::filesystem::path path, std::chrono::milliseconds sync_every);
  int fd_ = -1;
  std::filesystem::path path_;
  std::chrono::milliseconds sync_every_;
  std::chrono::steady_clock::time_point last_sync_;
  std::string buffer_;
};

}  // namespace agentreplay
