#include "core/output_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

namespace agentreplay {
namespace {

std::string ErrnoMessage() { return std::error_code(errno, std::generic_category()).message(); }

// Writes and fsyncs, so that the rename that follows never publishes a file whose data is not
// on disk yet. O_NOFOLLOW: a symlink planted at the temporary name is refused, not followed.
Status WriteAndSync(const std::filesystem::path& path, std::string_view text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return Fail("cannot create " + path.string() + ": " + ErrnoMessage());
  while (!text.empty()) {
    const ssize_t written = ::write(fd, text.data(), text.size());
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) {
      const std::string why = ErrnoMessage();
      ::close(fd);
      return Fail("cannot write " + path.string() + ": " + why);
    }
    text.remove_prefix(static_cast<size_t>(written));
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

}  // namespace agentreplay
