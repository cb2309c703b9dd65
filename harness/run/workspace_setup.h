// The agent's workspace for a scenario: created and seeded before the first turn, checked
// against the scenario's data expectations after a turn.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/expected.h"
#include "harness/run/checks.h"
#include "mocks/model/scenario.h"
#include "tools/workspace.h"

namespace agentreplay::harness {

// A fresh temporary workspace (removed when the pointer goes), or, with `keep_dir`, that
// directory (created if missing, kept afterwards), seeded with the scenario's entries and
// blobs. Seeded entries are dated `seeded_at` (pass the world's wall origin for the simulated
// calendar; the default is the Unix epoch).
Expected<std::unique_ptr<Workspace>> PrepareWorkspace(
    const mocks::Scenario& scenario, const std::optional<std::filesystem::path>& keep_dir,
    std::chrono::system_clock::time_point seeded_at = {});

// One outcome per data expectation, in order: "data: <category> entry titled ~"<text>" exists"
// (or "is gone"). An expectation holds when the count of entries of the category whose title
// contains the text (case-insensitive) is > 0 (exists) or == 0 (not exists).
std::vector<CheckOutcome> CheckDataExpectations(const Workspace& workspace,
                                                const mocks::Expectations& expectations);

}  // namespace agentreplay::harness
