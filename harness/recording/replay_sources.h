// What `run`, `serve` and `validate` accept as model behaviour: a scenario file, or a cassette
// (a recording), replayed verbatim or lifted. A cassette with several conversations gives one
// scenario per conversation. The file's content decides what it is, not its name.
#pragma once

#include <filesystem>
#include <vector>

#include "core/expected.h"
#include "mocks/model/scenario.h"

namespace agentreplay::harness {

enum class ReplayMode {
  kVerbatim,  // the recorded bytes at the recorded offsets, on the recorded runtime only
  kLifted,    // a runtime-neutral scenario with the recorded behaviour and timing
};

// Whether the file is a cassette: its first line declares the cassette schema.
bool IsCassetteFile(const std::filesystem::path& path);

Expected<std::vector<mocks::Scenario>> LoadReplaySources(const std::filesystem::path& path,
                                                         ReplayMode mode);

}  // namespace agentreplay::harness
