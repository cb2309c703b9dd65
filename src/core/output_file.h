// Writing a file that someone else reads while we run (results.json, a cassette, a report): the
// one place that writes output files, so every writer publishes the same way. The text goes to
// FILE.tmp, is flushed to disk, and is renamed over FILE: a reader, or a run that crashes, only
// ever sees the complete previous or the complete new file, never a torn one.
#pragma once

#include <filesystem>
#include <string_view>

#include "core/expected.h"

namespace agentreplay {

// Creates the parent directory if needed. On failure the temporary file is removed.
Status WriteFileAtomically(const std::filesystem::path& path, std::string_view text);

}  // namespace agentreplay
