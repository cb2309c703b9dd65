// Reads cassette files (JSON Lines, docs/recordings.md) into mocks::Cassette.
//
// Strict like the scenario loader: unknown members are errors (with a suggestion), as are wrong
// types, offsets that are negative, too large or out of order, and a header that is missing,
// misplaced or of another version. Every problem of every line is reported, each with the file,
// the line number of the JSON Lines file, the column and the JSON pointer within that line. The
// reader never trusts the input: line length, nesting depth and numbers are bounded, and bodies
// that are not UTF-8 travel as base64.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"
#include "core/expected.h"
#include "harness/recording/cassette_format.h"
#include "mocks/model/cassette.h"

namespace agentreplay::harness {

struct CassetteReadOptions {
  // A last line that the file ends inside (no newline, not whole JSON) is what a writer killed
  // mid-line leaves. By default it is an error like any other; when recovering a partial
  // recording it can be dropped instead, with a warning.
  bool allow_truncated_tail = false;
  // Lines longer than this are refused unparsed (tests lower it).
  std::size_t max_line_bytes = kMaxCassetteLineBytes;
  // Where warnings go; when null they are logged.
  std::vector<Diagnostic>* warnings = nullptr;
};

// Exchanges come out in the order they were sent (by sent_at_ms; lines may be in the order the
// exchanges completed, which is how a recording proxy serving concurrent requests appends them).
Expected<mocks::Cassette> ParseCassette(std::string_view text, std::string_view file_name,
                                        const CassetteReadOptions& options = {});
Expected<mocks::Cassette> LoadCassetteFile(const std::filesystem::path& path,
                                           const CassetteReadOptions& options = {});

// The largest recording file read (a cassette, or a HAR or session record to import): a day of
// traffic through the record proxy fits, a wrong path to a disk image fails fast.
inline constexpr std::size_t kMaxRecordingFileBytes = std::size_t{1} << 30;

}  // namespace agentreplay::harness
