#include "core/random.h"

#include <cmath>
#include <numbers>

namespace agentreplay {
namespace {
constexpr uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

uint64_t DeriveSeed(uint64_t seed, std::string_view label) {
  uint64_t h = 0xCBF29CE484222325ULL;
  for (char c : label) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ULL;
  }
  return SplitMix64(seed ^ SplitMix64(h));
}

Rng::Rng(uint64_t seed) {
  uint64_t x = seed;
  for (auto& word : s_) {
    x = SplitMix64(x);
    word = x;
  }
}

uint64_t Rng::NextU64() {
  const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  return result;
}

double Rng::NextDouble() { return static_cast<double>(NextU64() >> 11) * 0x1.0p-53; }

double Rng::Uniform(double lo, double hi) { return lo + (hi - lo) * NextDouble(); }

double Rng::Normal() {
  // 1 - u keeps the logarithm's argument in (0, 1].
  const double u1 = 1.0 - NextDouble();
  const double u2 = NextDouble();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

uint64_t Rng::Below(uint64_t n) {
  // Rejection sampling on the top of the range keeps the draw unbiased.
  const uint64_t limit = UINT64_MAX - (UINT64_MAX % n);
  uint64_t x = NextU64();
  while (x >= limit) x = NextU64();
  return x % n;
}

}  // namespace agentreplay
