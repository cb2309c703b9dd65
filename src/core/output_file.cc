#include "core/output_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <utility>

namespace agentreplay {
namespace {

std::string ErrnoMessage() { return std::error_code(errno, std::generic_category()).message(); }

bool WriteAll(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t written = ::write(fd, text.data(), text.size());
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) return false;
    text.remove_prefix(static_cast<size_t>(written));
  }
  return true;
}

// Writes and fsyncs, so that the rename that follows never publishes a file whose data is not
// on disk yet. O_NOFOLLOW: a symlink planted at the temporary name is refused, not followed.
Status WriteAndSync(const std::filesystem::path& path, std::string_view text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return Fail("cannot create " + path.string() + ": " + ErrnoMessage());
  if (!WriteAll(fd, text)) {
    const std::string why = ErrnoMessage();
    ::close(fd);
    return Fail("cannot write " + path.string() + ": " + why);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    return Fail("cannot write " + path.string() + ": " + ErrnoMessage());
  }
  return {};
}

}  // namespace

Status WriteFileAtomically(const std::filesystem::path& path, std::string_view text) {
  std::error_code ec;
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      return Fail("cannot create directory " + path.parent_path().string() + ": " + ec.message());
    }
  }
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  if (Status written = WriteAndSync(tmp, text); !written) {
    std::filesystem::remove(tmp, ec);
    return written;
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    const std::string why = ec.message();
    std::filesystem::remove(tmp, ec);
    return Fail("cannot rename " + tmp.string() + " to " + path.string() + ": " + why);
  }
  // Make the rename itself durable; failing here loses nothing already published, so ignore it.
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return {};
}

Expected<AppendOnlyFile> AppendOnlyFile::Create(const std::filesystem::path& path,
                                                std::chrono::milliseconds sync_every) {
  std::error_code ec;
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      return Fail("cannot create directory " + path.parent_path().string() + ": " + ec.message());
    }
  }
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return Fail("cannot create " + path.string() + ": " + ErrnoMessage());
  return AppendOnlyFile(fd, path, sync_every);
}

AppendOnlyFile::AppendOnlyFile(int fd, std::filesystem::path path,
                               std::chrono::milliseconds sync_every)
    : fd_(fd),
      path_(std::move(path)),
      sync_every_(sync_every),
      last_sync_(std::chrono::steady_clock::now()) {}

AppendOnlyFile::AppendOnlyFile(AppendOnlyFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      path_(std::move(other.path_)),
      sync_every_(other.sync_every_),
      last_sync_(other.last_sync_) {}

AppendOnlyFile& AppendOnlyFile::operator=(AppendOnlyFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    sync_every_ = other.sync_every_;
    last_sync_ = other.last_sync_;
  }
  return *this;
}

AppendOnlyFile::~AppendOnlyFile() {
  if (fd_ >= 0) ::close(fd_);
}

Status AppendOnlyFile::AppendLine(std::string_view line) {
  if (fd_ < 0) return Fail("cannot write " + path_.string() + ": already closed");
  buffer_.assign(line);
  buffer_ += '\n';
  if (!WriteAll(fd_, buffer_)) {
    return Fail("cannot write " + path_.string() + ": " + ErrnoMessage());
  }
  const auto now = std::chrono::steady_clock::now();
  if (now - last_sync_ >= sync_every_) {
    last_sync_ = now;
    if (::fdatasync(fd_) != 0) {
      return Fail("cannot flush " + path_.string() + " to disk: " + ErrnoMessage());
    }
  }
  return {};
}

Status AppendOnlyFile::Close() {
  if (fd_ < 0) return {};
  const int fd = std::exchange(fd_, -1);
  const bool synced = ::fdatasync(fd) == 0;
  const std::string why = synced ? "" : ErrnoMessage();
  if (::close(fd) != 0 || !synced) {
    return Fail("cannot write " + path_.string() + ": " + (synced ? ErrnoMessage() : why));
  }
  return {};
}

}  // namespace agentreplay
