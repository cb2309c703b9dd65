// A small, portable, seedable random source. The standard library's distributions are not
// specified bit-for-bit across implementations, so everything that must be reproducible
// (model behaviour draws, retry jitter, bootstrap resampling) uses these instead.
#pragma once

#include <cstdint>
#include <string_view>

namespace agentreplay {

// SplitMix64: used to derive independent seeds from a base seed and a label.
constexpr uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Mixes a label into a seed (FNV-1a over the label, then SplitMix64), so that streams for
// different purposes drawn from one run seed are independent and stable.
uint64_t DeriveSeed(uint64_t seed, std::string_view label);

// xoshiro256** generator.
class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t NextU64();
  // Uniform in [0, 1) with 53 random bits.
  double NextDouble();
  // Uniform in [lo, hi).
  double Uniform(double lo, double hi);
  // Standard normal (Box–Muller, no cached second value so the stream stays simple).
  double Normal();
  // Uniform integer in [0, n). n must be > 0.
  uint64_t Below(uint64_t n);

 private:
  uint64_t s_[4];
};

}  // namespace agentreplay
