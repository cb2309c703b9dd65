// The one timestamp format of the workspace: UTC, ISO 8601, millisecond precision, e.g.
// "2026-01-01T09:30:00.000Z". Fixed width, so SQL compares them correctly as text.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace agentreplay {

std::string FormatUtcTimestamp(std::chrono::system_clock::time_point t);

// Reads a date ("2025-03-01", midnight UTC) or a date-time ("2025-03-01T12:00:00Z",
// "2025-03-01T14:00:00.5+02:00", "2025-03-01 12:00"; no zone means UTC) as the model may
// write it, and returns it in the canonical format. nullopt when it is not such a time.
std::optional<std::string> NormalizeTimestamp(std::string_view text);

}  // namespace agentreplay
