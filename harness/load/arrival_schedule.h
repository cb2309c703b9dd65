// When each session of an open-loop load is due to start. An open loop sends at its own pace,
// whatever the agent does (as wrk2 and the LLM serving benchmarks do), so the schedule is
// fixed before the first session starts: latencies are then counted from these instants, and
// a slow agent cannot slow the arrivals down and hide its own queue (coordinated omission).
// The schedule is a pure function of its options, seed included, so a run can be repeated.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/expected.h"
#include "core/time.h"

namespace agentreplay::harness {

enum class ArrivalProcess {
  kFixed,    // one session every 1/rate seconds
  kPoisson,  // exponential gaps with mean 1/rate, drawn from the seed
};

Expected<ArrivalProcess> ParseArrivalProcess(std::string_view name);
std::string_view ArrivalProcessName(ArrivalProcess process);

struct ArrivalOptions {
  double rate = 10;  // sessions per second, > 0
  ArrivalProcess process = ArrivalProcess::kFixed;
  // Arrivals due before this instant (from the start); non-positive: no bound.
  Duration duration{0};
  // At most this many sessions; 0: no bound. At least one of the two bounds must be set.
  int64_t sessions = 0;
  uint64_t seed = 1;
};

// The offsets from the load's start at which the sessions are due, in order. The first is due
// at 0. Fixed: i / rate. Poisson: the sum of i gaps, each -ln(1 - u) / rate with u uniform in
// [0, 1) from the project's portable generator (core/random.h) seeded with `seed`, so a seed
// gives the same schedule on every platform. Fails for a non-positive rate or no bound.
Expected<std::vector<Duration>> ArrivalSchedule(const ArrivalOptions& options);

}  // namespace agentreplay::harness
