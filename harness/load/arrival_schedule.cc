#include "harness/load/arrival_schedule.h"

#include <fmt/format.h>

#include <cmath>

#include "core/random.h"

namespace agentreplay::harness {
namespace {

// A schedule is held in memory whole: beyond this, a typo (a rate of 1e9) is more likely than
// a wish.
constexpr int64_t kMaxSessions = 10'000'000;

}  // namespace

Expected<ArrivalProcess> ParseArrivalProcess(std::string_view name) {
  if (name == "fixed") return ArrivalProcess::kFixed;
  if (name == "poisson") return ArrivalProcess::kPoisson;
  return Fail(fmt::format("unknown arrival process '{}' (fixed or poisson)", name));
}

std::string_view ArrivalProcessName(ArrivalProcess process) {
  return process == ArrivalProcess::kPoisson ? "poisson" : "fixed";
}

Expected<std::vector<Duration>> ArrivalSchedule(const ArrivalOptions& options) {
  if (!(options.rate > 0) || !std::isfinite(options.rate)) {
    return Fail(fmt::format("the rate must be a positive number of sessions per second, not {}",
                            options.rate));
  }
  if (options.duration <= Duration::zero() && options.sessions <= 0) {
    return Fail("a load needs a duration or a number of sessions");
  }
  const double expected =
      options.duration > Duration::zero()
          ? std::ceil(std::chrono::duration<double>(options.duration).count() * options.rate)
          : 0.0;
  if ((options.sessions <= 0 && expected > static_cast<double>(kMaxSessions)) ||
      options.sessions > kMaxSessions) {
    return Fail(
        fmt::format("more than {} sessions planned; lower the rate or the duration", kMaxSessions));
  }
  std::vector<Duration> out;
  Rng rng(options.seed);
  double at_s = 0;  // seconds from the start, accumulated in double so gaps do not round
  for (int64_t i = 0;; ++i) {
    if (options.sessions > 0 && i >= options.sessions) break;
    if (options.process == ArrivalProcess::kFixed) {
      at_s = static_cast<double>(i) / options.rate;
    } else if (i > 0) {
      at_s += -std::log1p(-rng.NextDouble()) / options.rate;
    }
    const auto at = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(at_s));
    if (options.duration > Duration::zero() && at >= options.duration) break;
    if (static_cast<int64_t>(out.size()) >= kMaxSessions) break;
    out.push_back(at);
  }
  return out;
}

}  // namespace agentreplay::harness
