// Time types shared by the agent core and everything built on it.
//
// A TimePoint is measured on the agent's Clock port: in the simulated world its origin is
// zero and it only moves when the scheduler advances it; in the real world it follows the
// monotonic clock. Integer nanoseconds keep simulated timelines exact.
#pragma once

#include <chrono>
#include <cstdint>

namespace agentreplay {

using Duration = std::chrono::nanoseconds;

// The agent clock's own time scale. Only differences between TimePoints mean anything.
struct AgentClockTag {
  using duration = Duration;
  using rep = Duration::rep;
  using period = Duration::period;
  using time_point = std::chrono::time_point<AgentClockTag, Duration>;
  static constexpr bool is_steady = true;
};
using TimePoint = AgentClockTag::time_point;

inline double ToMillis(Duration d) { return static_cast<double>(d.count()) / 1e6; }

inline Duration FromMillis(double ms) {
  return Duration(static_cast<Duration::rep>(ms * 1e6 + (ms >= 0 ? 0.5 : -0.5)));
}

}  // namespace agentreplay
