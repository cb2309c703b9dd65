// A latency or size value in a scenario: fixed, or drawn from a seeded distribution.
#pragma once

#include <string>

#include "core/random.h"

namespace agentreplay::mocks {

struct Dist {
  enum class Kind { kFixed, kLognormal, kUniform };
  Kind kind = Kind::kFixed;
  // kFixed: a = value. kLognormal: a = median, b = sigma (of the underlying normal).
  // kUniform: a = min, b = max.
  double a = 0.0;
  double b = 0.0;

  static Dist Fixed(double value) { return Dist{Kind::kFixed, value, 0.0}; }
  static Dist Lognormal(double median, double sigma) {
    return Dist{Kind::kLognormal, median, sigma};
  }
  static Dist Uniform(double lo, double hi) { return Dist{Kind::kUniform, lo, hi}; }

  // One draw. A fixed value consumes no randomness, so adding a fixed field to a scenario
  // does not shift the draws of the others.
  double Sample(Rng& rng) const;
  double Median() const;
  bool IsFixed() const { return kind == Kind::kFixed; }
  // "12", "lognormal(median=300, sigma=0.25)", "uniform(10, 20)".
  std::string Describe() const;

  bool operator==(const Dist&) const = default;
};

}  // namespace agentreplay::mocks
