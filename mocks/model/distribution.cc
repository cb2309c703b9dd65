#include "mocks/model/distribution.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/time.h"

namespace agentreplay::mocks {

double Dist::Sample(Rng& rng) const {
  switch (kind) {
    case Kind::kFixed:
      return a;
    case Kind::kLognormal:
      // A long tail may draw past any sensible duration: clamp to the bound the loaders put on
      // every given duration, so one wild draw cannot hang or overflow a run.
      return std::min(a * std::exp(b * rng.Normal()), kMaxInputDurationMs);
    case Kind::kUniform:
      return rng.Uniform(a, b);
  }
  return a;
}

double Dist::Median() const {
  switch (kind) {
    case Kind::kFixed:
    case Kind::kLognormal:
      return a;
    case Kind::kUniform:
      return (a + b) / 2.0;
  }
  return a;
}

std::string Dist::Describe() const {
  switch (kind) {
    case Kind::kFixed:
      return fmt::format("{:g}", a);
    case Kind::kLognormal:
      return fmt::format("lognormal(median={:g}, sigma={:g})", a, b);
    case Kind::kUniform:
      return fmt::format("uniform({:g}, {:g})", a, b);
  }
  return {};
}

}  // namespace agentreplay::mocks
