// Reading a file the user handed us (a scenario, a cassette, a results document, a gate): the
// one place that opens input files, so every loader refuses the same things the same way with a
// message that names the file — a directory, a missing or unreadable file, and a file larger
// than the loader can sensibly hold (a bound, so a wrong path to a huge file fails fast instead
// of exhausting memory).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "core/expected.h"

namespace agentreplay {

// 64 MiB: far above any scenario, gate or registry; results and cassettes pass their own bound.
inline constexpr std::size_t kDefaultMaxInputBytes = std::size_t{64} << 20;

// The whole file as bytes. Fails with "FILE: cannot read file: REASON".
Expected<std::string> ReadInputFile(const std::filesystem::path& path,
                                    std::size_t max_bytes = kDefaultMaxInputBytes);

}  // namespace agentreplay
