// Writing the selected formats somewhere: the console format to a stream (stdout), every other
// format to its reporter's default file name in an output directory. Shared by `run` and
// `report`, so both name and place files the same way.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "reports/reporter.h"

namespace agentreplay::reports {

// The formats in `formats` that MakeReporter does not know, in order; empty when all are known.
std::vector<std::string> UnknownFormats(const std::vector<std::string>& formats);

struct WrittenReports {
  std::vector<std::filesystem::path> files;  // in the order of `formats`
  std::vector<std::string> errors;           // one sentence per file that could not be written
};

// Renders each format once (duplicates ignored): "console" to `console`, the others into
// `out_dir` (created when missing) under their default file names, each written to a temporary
// file and renamed, so a reader never sees half a report. Formats in `skip` are left out (e.g.
// `run` skips "json": its results.json is already written). Unknown formats are reported as
// errors; check UnknownFormats first to refuse them before any work.
WrittenReports WriteReports(const ReportInput& input, const std::vector<std::string>& formats,
                            const std::filesystem::path& out_dir, std::ostream& console,
                            const std::vector<std::string>& skip = {});

}  // namespace agentreplay::reports
