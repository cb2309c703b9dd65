#include "core/input_file.h"

#include <cerrno>
#include <fstream>
#include <iterator>
#include <system_error>

namespace agentreplay {

Expected<std::string> ReadInputFile(const std::filesystem::path& path, std::size_t max_bytes) {
  const std::string file = path.string();
  auto unreadable = [&](const std::string& why) {
    return FailIn(file, "cannot read file: " + why);
  };
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec) return unreadable(ec.message());
  if (std::filesystem::is_directory(status)) return unreadable("it is a directory");
  if (std::filesystem::is_regular_file(status)) {
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > max_bytes) {
      return unreadable("it holds " + std::to_string(size) + " bytes, more than the limit of " +
                        std::to_string(max_bytes));
    }
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return unreadable(std::generic_category().message(errno));
  // Read at most one byte past the bound: a pipe or a growing file has no size to check first.
  std::string text;
  char buffer[64 * 1024];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_bytes) {
      return unreadable("it holds more than the limit of " + std::to_string(max_bytes) + " bytes");
    }
  }
  if (in.bad()) return unreadable(std::generic_category().message(errno));
  return text;
}

}  // namespace agentreplay
