#include "tools/blob_store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <optional>
#include <string>
#include <system_error>

#include "tools/timestamp.h"

namespace agentreplay {
namespace fs = std::filesystem;
namespace {

// Creates `path` (it must not exist; a symlink there is not followed) and writes `bytes`;
// false with errno set when it cannot.
bool WriteNewFile(const fs::path& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) {
      const int saved = errno;
      ::close(fd);
      errno = saved;
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(written));
  }
  return ::close(fd) == 0;
}

// The whole of the regular file at `path`, never through a symlink there; nullopt with errno set
// when it cannot be read.
std::optional<std::string> ReadNoFollow(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string bytes;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int saved = errno;
      ::close(fd);
      errno = saved;
      return std::nullopt;
    }
    if (n == 0) break;
    bytes.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return bytes;
}

bool Fail(BlobError* error, std::string_view type, std::string message) {
  if (error != nullptr) *error = BlobError{std::string(type), std::move(message)};
  return false;
}

bool FailIo(BlobError* error, std::string_view what, std::string_view path,
            const std::error_code& ec) {
  return Fail(error, "storage_error", fmt::format("cannot {} '{}': {}", what, path, ec.message()));
}

// True when `path` is `dir` itself or below it (both canonical, compared by component).
bool IsWithin(const fs::path& dir, const fs::path& path) {
  return std::mismatch(dir.begin(), dir.end(), path.begin(), path.end()).first == dir.end();
}

std::string Modified(const fs::file_time_type& t) {
  const auto sys = std::chrono::file_clock::to_sys(t);
  return FormatUtcTimestamp(std::chrono::time_point_cast<std::chrono::system_clock::duration>(sys));
}

}  // namespace

BlobStore::BlobStore(const fs::path& root) {
  std::error_code ec;
  root_ = fs::canonical(root, ec);
  if (ec) root_ = fs::absolute(root).lexically_normal();
}

std::optional<fs::path> BlobStore::CheckPath(std::string_view relative, BlobError* error) {
  auto refuse = [&](std::string message) -> std::optional<fs::path> {
    Fail(error, "invalid_path", std::move(message));
    return std::nullopt;
  };
  if (relative.empty()) return refuse("the path is empty; give a path relative to the store");
  if (relative.size() > kMaxPathBytes) {
    return refuse(fmt::format("the path is longer than {} bytes", kMaxPathBytes));
  }
  if (relative.find('\0') != std::string_view::npos) {
    return refuse("the path contains a NUL byte");
  }
  if (relative.front() == '/') {
    return refuse(fmt::format(
        "'{}' is absolute; give a path relative to the file store, e.g. reports/q1.csv", relative));
  }
  fs::path lexical;
  size_t start = 0;
  while (start <= relative.size()) {
    size_t end = relative.find('/', start);
    if (end == std::string_view::npos) end = relative.size();
    const std::string_view part = relative.substr(start, end - start);
    if (part == "..") {
      return refuse(
          fmt::format("'{}' contains '..'; paths may not leave the file store", relative));
    }
    if (!part.empty() && part != ".") lexical /= fs::path(std::string(part));
    start = end + 1;
  }
  if (lexical.empty()) {
    return refuse(fmt::format("'{}' names the store itself, not a file", relative));
  }
  return lexical;
}

std::optional<fs::path> BlobStore::Resolve(std::string_view relative, BlobError* error) const {
  auto refuse = [&](std::string message) -> std::optional<fs::path> {
    Fail(error, "invalid_path", std::move(message));
    return std::nullopt;
  };
  const std::optional<fs::path> checked = CheckPath(relative, error);
  if (!checked) return std::nullopt;
  const fs::path& lexical = *checked;
  std::error_code ec;
  const fs::path resolved = fs::weakly_canonical(root_ / lexical, ec);
  if (ec) return refuse(fmt::format("cannot resolve '{}': {}", relative, ec.message()));
  if (!IsWithin(root_, resolved) || resolved == root_) {
    return refuse(fmt::format("'{}' resolves outside the file store", relative));
  }
  // What weakly_canonical left unresolved must contain no symlink (a dangling one).
  fs::path walk = root_;
  for (auto it = std::next(resolved.begin(), std::distance(root_.begin(), root_.end()));
       it != resolved.end(); ++it) {
    walk /= *it;
    const fs::file_status st = fs::symlink_status(walk, ec);
    if (ec || !fs::exists(st)) break;
    if (fs::is_symlink(st)) {
      return refuse(
          fmt::format("'{}' goes through a symbolic link that cannot be followed", relative));
    }
  }
  return resolved;
}

std::vector<BlobInfo> BlobStore::List(std::string_view prefix, bool* truncated, BlobError* error) {
  std::lock_guard lock(mutex_);
  std::vector<BlobInfo> files;
  if (truncated != nullptr) *truncated = false;
  std::error_code ec;
  // Directory symlinks are not followed, and only regular files (not symlinks) are listed,
  // so a link pointing out of the store reveals nothing about its target.
  fs::recursive_directory_iterator it(root_, fs::directory_options::skip_permission_denied, ec);
  if (ec) {
    FailIo(error, "list", ".", ec);
    return files;
  }
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    std::string path = it->path().lexically_relative(root_).generic_string();
    if (!path.starts_with(prefix)) continue;
    BlobInfo info;
    info.path = std::move(path);
    info.size = it->file_size(ec);
    if (ec) continue;  // vanished meanwhile
    const auto mtime = it->last_write_time(ec);
    info.modified = ec ? std::string() : Modified(mtime);
    files.push_back(std::move(info));
  }
  if (ec) {
    FailIo(error, "list", ".", ec);
    files.clear();
    return files;
  }
  std::sort(files.begin(), files.end(),
            [](const BlobInfo& a, const BlobInfo& b) { return a.path < b.path; });
  if (files.size() > kMaxListed) {
    files.resize(kMaxListed);
    if (truncated != nullptr) *truncated = true;
  }
  return files;
}

std::optional<BlobData> BlobStore::Read(std::string_view path, uint64_t max_bytes,
                                        BlobError* error) {
  std::lock_guard lock(mutex_);
  const auto resolved = Resolve(path, error);
  if (!resolved) return std::nullopt;
  std::error_code ec;
  const fs::file_status st = fs::status(*resolved, ec);
  if (!fs::exists(st)) {
    Fail(error, "not_found",
         fmt::format("no file '{}' in the store; list_blobs shows what there is", path));
    return std::nullopt;
  }
  if (!fs::is_regular_file(st)) {
    Fail(error, "invalid_path", fmt::format("'{}' is a directory, not a file", path));
    return std::nullopt;
  }
  BlobData data;
  data.size = fs::file_size(*resolved, ec);
  if (ec) {
    FailIo(error, "read", path, ec);
    return std::nullopt;
  }
  const uint64_t wanted = std::min(data.size, max_bytes);
  data.truncated = data.size > max_bytes;
  data.bytes.resize(static_cast<size_t>(wanted));
  std::ifstream in(*resolved, std::ios::binary);
  in.read(data.bytes.data(), static_cast<std::streamsize>(wanted));
  if (!in && wanted > 0) {
    Fail(error, "storage_error", fmt::format("cannot read '{}'", path));
    return std::nullopt;
  }
  return data;
}

bool BlobStore::Write(std::string_view path, std::string_view bytes, bool overwrite, bool* created,
                      BlobError* error, std::chrono::system_clock::time_point modified) {
  std::lock_guard lock(mutex_);
  const auto resolved = Resolve(path, error);
  if (!resolved) return false;
  std::error_code ec;
  const fs::file_status st = fs::status(*resolved, ec);
  const bool existed = fs::exists(st);
  if (existed && !fs::is_regular_file(st)) {
    return Fail(error, "invalid_path", fmt::format("'{}' is a directory, not a file", path));
  }
  if (existed && !overwrite) {
    return Fail(error, "already_exists",
                fmt::format("'{}' already exists; pass \"overwrite\": true to replace it", path));
  }
  fs::create_directories(resolved->parent_path(), ec);
  if (ec) return FailIo(error, "create the folder of", path, ec);
  // Write beside the target and rename over it, so a failed write never leaves half a file.
  // Whatever sits at the temporary name (a file a crashed write left, or a symlink planted to
  // make this write land outside the store) is removed, never followed, and the file is
  // created new (O_EXCL, O_NOFOLLOW): one planted in between makes the write fail, not escape.
  const fs::path temp =
      resolved->parent_path() / ("." + resolved->filename().string() + ".upload-tmp");
  ::unlink(temp.c_str());
  if (!WriteNewFile(temp, bytes)) {
    const std::error_code why(errno, std::generic_category());
    ::unlink(temp.c_str());
    return FailIo(error, "write", path, why);
  }
  fs::last_write_time(temp, std::chrono::file_clock::from_sys(modified), ec);
  fs::rename(temp, *resolved, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    return FailIo(error, "write", path, ec);
  }
  if (created != nullptr) *created = !existed;
  return true;
}

bool BlobStore::Manage(BlobAction action, std::string_view path, std::string_view to,
                       BlobError* error, std::chrono::system_clock::time_point modified) {
  std::lock_guard lock(mutex_);
  const auto source = Resolve(path, error);
  if (!source) return false;
  std::error_code ec;
  const fs::file_status st = fs::status(*source, ec);
  if (!fs::exists(st)) {
    return Fail(error, "not_found",
                fmt::format("no file '{}' in the store; list_blobs shows what there is", path));
  }
  if (action == BlobAction::kDelete) {
    if (fs::is_directory(st) && !fs::is_empty(*source, ec)) {
      return Fail(error, "invalid_path",
                  fmt::format("'{}' is a folder that is not empty; delete its files first", path));
    }
    if (!fs::remove(*source, ec) || ec) return FailIo(error, "delete", path, ec);
    return true;
  }
  const auto target = Resolve(to, error);
  if (!target) return false;
  if (fs::exists(fs::symlink_status(*target, ec))) {
    return Fail(error, "already_exists", fmt::format("'{}' already exists", to));
  }
  if (action == BlobAction::kCopy && !fs::is_regular_file(st)) {
    return Fail(error, "invalid_path",
                fmt::format("'{}' is a folder; only files can be copied", path));
  }
  if (IsWithin(*source, *target)) {
    return Fail(error, "invalid_path",
                fmt::format("cannot move '{}' into itself ('{}')", path, to));
  }
  fs::create_directories(target->parent_path(), ec);
  if (ec) return FailIo(error, "create the folder of", to, ec);
  if (action == BlobAction::kMove) {
    fs::rename(*source, *target, ec);
    if (ec) return FailIo(error, "move", path, ec);
  } else {
    // Neither end is followed if it is a symlink (one planted after the checks above): the
    // source is opened O_NOFOLLOW, the copy is created new (O_EXCL, O_NOFOLLOW).
    const std::optional<std::string> bytes = ReadNoFollow(*source);
    if (!bytes || !WriteNewFile(*target, *bytes)) {
      return FailIo(error, "copy", path, std::error_code(errno, std::generic_category()));
    }
    fs::last_write_time(*target, std::chrono::file_clock::from_sys(modified), ec);
  }
  return true;
}

}  // namespace agentreplay
