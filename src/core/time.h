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

// Every duration an input file gives (a scenario's latencies, a fault's delay, a retry-after, a
// package setting) is at most this: one hour is far beyond any latency worth simulating, and the
// bound keeps arithmetic on durations (sums over a turn, the simulated clock) far from
// overflowing and a typo like 1e308 from hanging a run. The loaders refuse more, naming the place.
inline constexpr double kMaxInputDurationMs = 3'600'000.0;

// Saturates at the range of Duration (±292 years) instead of overflowing; NaN gives zero.
inline Duration FromMillis(double ms) {
  constexpr double kLimitMs = 9.2e12;  // just under INT64_MAX nanoseconds
  if (!(ms == ms)) return Duration{0};
  const double clamped = ms > kLimitMs ? kLimitMs : (ms < -kLimitMs ? -kLimitMs : ms);
  return Duration(static_cast<Duration::rep>(clamped * 1e6 + (clamped >= 0 ? 0.5 : -0.5)));
}

}  // namespace agentreplay
