// The calendar a scenario runs on. Every scenario's clock starts at one fixed instant,
// 2026-01-01T00:00:00Z, in both worlds: the mock's created_at timestamps and the tools' idea of
// the time of day follow from it, so request and response bytes are identical run after run
// and world after world.
#pragma once

#include <chrono>
#include <cstdint>

#include "core/time.h"

namespace agentreplay::mocks {

inline constexpr std::chrono::sys_seconds kScenarioEpoch{std::chrono::seconds(1767225600)};

// The Unix time, in whole seconds, of a mock time point (time since the scenario's start).
inline int64_t UnixSeconds(TimePoint t) {
  return kScenarioEpoch.time_since_epoch().count() +
         std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace agentreplay::mocks
