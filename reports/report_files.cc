#include "reports/report_files.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <system_error>

namespace agentreplay::reports {
namespace fs = std::filesystem;

std::vector<std::string> UnknownFormats(const std::vector<std::string>& formats) {
  std::vector<std::string> unknown;
  for (const std::string& format : formats) {
    if (MakeReporter(format) == nullptr) unknown.push_back(format);
  }
  return unknown;
}

namespace {

// Writes `reporter`'s output to `path` via a temporary file; returns an error sentence or "".
std::string WriteFile(Reporter& reporter, const ReportInput& input, const fs::path& path) {
  const fs::path temporary = fs::path(path).concat(".tmp");
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    if (!file) return fmt::format("cannot create {}", temporary.string());
    reporter.Report(input, file);
    file.flush();
    if (!file) return fmt::format("cannot write {}", temporary.string());
  }
  std::error_code ec;
  fs::rename(temporary, path, ec);
  if (ec) {
    fs::remove(temporary, ec);
    return fmt::format("cannot rename {} to {}", temporary.string(), path.string());
  }
  return "";
}

}  // namespace

WrittenReports WriteReports(const ReportInput& input, const std::vector<std::string>& formats,
                            const fs::path& out_dir, std::ostream& console,
                            const std::vector<std::string>& skip) {
  WrittenReports written;
  std::vector<std::string> done;
  for (const std::string& format : formats) {
    if (std::find(done.begin(), done.end(), format) != done.end()) continue;
    done.push_back(format);
    if (std::find(skip.begin(), skip.end(), format) != skip.end()) continue;
    std::unique_ptr<Reporter> reporter = MakeReporter(format);
    if (reporter == nullptr) {
      written.errors.push_back(fmt::format("unknown report format '{}'", format));
      continue;
    }
    if (format == "console") {
      reporter->Report(input, console);
      continue;
    }
    std::error_code ec;
    fs::create_directories(out_dir, ec);
    if (ec) {
      written.errors.push_back(
          fmt::format("cannot create directory {}: {}", out_dir.string(), ec.message()));
      continue;
    }
    const fs::path path = out_dir / std::string(reporter->DefaultFileName());
    if (std::string error = WriteFile(*reporter, input, path); !error.empty()) {
      written.errors.push_back(std::move(error));
    } else {
      written.files.push_back(path);
    }
  }
  return written;
}

}  // namespace agentreplay::reports
