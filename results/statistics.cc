#include "results/statistics.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace agentreplay::results {
namespace {

constexpr uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

constexpr uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// xoshiro256** seeded through SplitMix64. Kept here rather than borrowed from the core so the
// result model target links nothing but itself; the bootstrap only needs uniform indices.
class Xoshiro {
 public:
  explicit Xoshiro(uint64_t seed) {
    for (auto& word : s_) {
      seed = SplitMix64(seed);
      word = seed;
    }
  }
  uint64_t Next() {
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
  // Uniform in [0, n) for 0 < n < 2^32, unbiased (Lemire's multiply-shift with rejection; the
  // division only runs in the rare rejection zone). Each 64-bit output serves two draws.
  uint32_t Below(uint32_t n) {
    uint64_t m = uint64_t{NextU32()} * n;
    auto low = static_cast<uint32_t>(m);
    if (low < n) {
      const uint32_t threshold = static_cast<uint32_t>(0u - n) % n;
      while (low < threshold) {
        m = uint64_t{NextU32()} * n;
        low = static_cast<uint32_t>(m);
      }
    }
    return static_cast<uint32_t>(m >> 32);
  }

 private:
  uint32_t NextU32() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const uint64_t bits = Next();
    spare_ = static_cast<uint32_t>(bits);
    has_spare_ = true;
    return static_cast<uint32_t>(bits >> 32);
  }

  uint64_t s_[4];
  uint32_t spare_ = 0;
  bool has_spare_ = false;
};

// One bootstrap resample of ascending `sorted`, kept as multiplicities (`counts[i]` copies of
// sorted[i]): drawing indices into sorted data and counting them gives the resample's order
// statistics by a cumulative walk, O(n) without sorting.
class Resampler {
 public:
  explicit Resampler(const std::vector<double>& sorted) : sorted_(sorted), counts_(sorted.size()) {}

  // Draws a new resample; returns the sum of its values.
  double Draw(Xoshiro& rng) {
    std::fill(counts_.begin(), counts_.end(), 0u);
    const auto n = static_cast<uint32_t>(sorted_.size());
    for (uint32_t i = 0; i < n; ++i) ++counts_[rng.Below(n)];
    // Summed in index order afterwards rather than as drawn: no dependency chain through the
    // draw loop, and the same result for the same counts.
    double sum = 0;
    for (size_t i = 0; i < n; ++i) sum += counts_[i] * sorted_[i];
    return sum;
  }

  // The type-7 median of the current resample: the middle order statistic, or the mean of the
  // two middle ones.
  double Median() const {
    const size_t n = sorted_.size();
    const size_t lo = (n - 1) / 2;
    const size_t hi = n / 2;
    size_t seen = 0;
    double lo_value = 0;
    for (size_t i = 0; i < n; ++i) {
      const size_t before = seen;
      seen += counts_[i];
      if (before <= lo && lo < seen) lo_value = sorted_[i];
      if (hi < seen) return (lo_value + sorted_[i]) / 2;
    }
    return lo_value;  // unreachable: the counts add up to n
  }

 private:
  const std::vector<double>& sorted_;
  std::vector<uint32_t> counts_;
};

// Quantile (type 7) of unsorted values, reordering them: two selections instead of a sort, since
// only the two ranks around the quantile matter.
double SelectQuantile(std::vector<double>& values, double q) {
  const double h = (static_cast<double>(values.size()) - 1.0) * q;
  const auto lo = static_cast<size_t>(std::floor(h));
  const auto at = values.begin() + static_cast<std::ptrdiff_t>(lo);
  std::nth_element(values.begin(), at, values.end());
  if (lo + 1 >= values.size()) return *at;
  const double next = *std::min_element(at + 1, values.end());
  return *at + (h - static_cast<double>(lo)) * (next - *at);
}

Interval PercentileInterval(std::vector<double>& statistics, double confidence) {
  const double tail = (1.0 - confidence) / 2.0;
  const double low = SelectQuantile(statistics, tail);
  return {low, SelectQuantile(statistics, 1.0 - tail)};
}

bool AllEqual(const std::vector<double>& sorted) {
  return !sorted.empty() && sorted.front() == sorted.back();
}

std::vector<double> Sorted(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values;
}

// P(U >= u) for every u under H0 with no ties, for samples of sizes m and n: the distribution of
// U over all C(m + n, m) equally likely orderings. The largest of all values is an x with
// probability m / (m + n) and then beats every y, so
//   P_{m,n}(u) = m/(m+n) P_{m-1,n}(u - n) + n/(m+n) P_{m,n-1}(u),
// a recurrence of probabilities (no huge counts, no cancellation). O(m^2 n^2 / 4) time.
std::vector<double> ExactUpperTail(int m, int n) {
  // row[j] holds the pmf for (i, j), j = 0..n, as i goes 0..m.
  std::vector<std::vector<double>> row(static_cast<size_t>(n) + 1);
  for (auto& pmf : row) pmf = {1.0};  // i = 0: U is 0
  for (int i = 1; i <= m; ++i) {
    std::vector<std::vector<double>> next(static_cast<size_t>(n) + 1);
    next[0] = {1.0};  // j = 0: U is 0
    for (int j = 1; j <= n; ++j) {
      const auto& with_x = row[static_cast<size_t>(j)];       // (i - 1, j)
      const auto& with_y = next[static_cast<size_t>(j) - 1];  // (i, j - 1)
      std::vector<double> pmf(static_cast<size_t>(i) * static_cast<size_t>(j) + 1, 0.0);
      const double px = static_cast<double>(i) / static_cast<double>(i + j);
      const double py = 1.0 - px;
      for (size_t u = 0; u < with_x.size(); ++u) pmf[u + static_cast<size_t>(j)] += px * with_x[u];
      for (size_t u = 0; u < with_y.size(); ++u) pmf[u] += py * with_y[u];
      next[static_cast<size_t>(j)] = std::move(pmf);
    }
    row = std::move(next);
  }
  std::vector<double> tail = std::move(row[static_cast<size_t>(n)]);
  for (size_t u = tail.size() - 1; u-- > 0;) tail[u] += tail[u + 1];
  return tail;
}

}  // namespace

double Quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0.0;
  const double h = (static_cast<double>(sorted.size()) - 1.0) * std::clamp(q, 0.0, 1.0);
  const auto lo = static_cast<size_t>(std::floor(h));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

double Median(std::vector<double> values) { return Quantile(Sorted(std::move(values)), 0.5); }

Interval TukeyFences(const std::vector<double>& sorted, double k) {
  const double q1 = Quantile(sorted, 0.25);
  const double q3 = Quantile(sorted, 0.75);
  const double iqr = q3 - q1;
  return {q1 - k * iqr, q3 + k * iqr};
}

std::vector<double> TukeyOutliers(const std::vector<double>& sorted) {
  std::vector<double> out;
  if (sorted.size() < 4) return out;  // quartiles of three values fence nothing meaningful
  const Interval fences = TukeyFences(sorted);
  for (double v : sorted) {
    if (v < fences.low || v > fences.high) out.push_back(v);
  }
  return out;
}

uint64_t StatSeed(uint64_t seed, std::string_view label) {
  uint64_t h = 0xCBF29CE484222325ULL;
  for (char c : label) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ULL;
  }
  return SplitMix64(seed ^ SplitMix64(h));
}

namespace {

// The standard normal quantile: Newton's method on Φ(z) = ½·erfc(−z/√2), from 0; converges to
// double precision in a handful of steps for the probabilities a confidence level gives.
double NormalQuantile(double p) {
  double z = 0;
  for (int i = 0; i < 50; ++i) {
    const double cdf = 0.5 * std::erfc(-z / std::sqrt(2.0));
    const double pdf = std::exp(-0.5 * z * z) / std::sqrt(2.0 * std::numbers::pi);
    const double step = (cdf - p) / pdf;
    z -= step;
    if (std::abs(step) < 1e-12) break;
  }
  return z;
}

CenterIntervals LargeSampleIntervals(const std::vector<double>& sorted, double confidence) {
  const double z = NormalQuantile(0.5 + confidence / 2);
  const auto n = static_cast<double>(sorted.size());
  const double half_width = z * std::sqrt(n) / 2;
  // 1-based ranks n/2 - half_width and n/2 + half_width + 1, kept inside the sample.
  const auto rank = [&](double r) { return static_cast<size_t>(std::clamp(r, 1.0, n)) - 1; };
  CenterIntervals out;
  out.median = Interval{sorted[rank(std::floor(n / 2 - half_width))],
                        sorted[rank(std::ceil(n / 2 + half_width + 1))]};
  double sum = 0;
  for (double v : sorted) sum += v;
  const double mean = sum / n;
  double squares = 0;
  for (double v : sorted) squares += (v - mean) * (v - mean);
  const double error = z * std::sqrt(squares / (n - 1)) / std::sqrt(n);
  out.mean = Interval{mean - error, mean + error};
  return out;
}

}  // namespace

CenterIntervals BootstrapCenterIntervals(const std::vector<double>& sorted, uint64_t seed,
                                         const BootstrapOptions& options) {
  CenterIntervals out;
  if (sorted.size() < 2 || options.resamples < 1) return out;
  if (AllEqual(sorted)) {
    out.median = out.mean = Interval{sorted.front(), sorted.front()};
    return out;
  }
  if (sorted.size() > kBootstrapMaxValues) return LargeSampleIntervals(sorted, options.confidence);
  Xoshiro rng(seed);
  Resampler resampler(sorted);
  const auto b = static_cast<size_t>(options.resamples);
  std::vector<double> medians(b), means(b);
  const auto n = static_cast<double>(sorted.size());
  for (size_t r = 0; r < b; ++r) {
    means[r] = resampler.Draw(rng) / n;
    medians[r] = resampler.Median();
  }
  out.median = PercentileInterval(medians, options.confidence);
  out.mean = PercentileInterval(means, options.confidence);
  return out;
}

std::optional<Interval> BootstrapRelativeChangeCi(const std::vector<double>& base,
                                                  const std::vector<double>& head, uint64_t seed,
                                                  const BootstrapOptions& options) {
  if (base.size() < 2 || head.size() < 2 || options.resamples < 1) return std::nullopt;
  const std::vector<double> b = Sorted(base), h = Sorted(head);
  if (AllEqual(b) && AllEqual(h)) {
    if (b.front() == 0) return std::nullopt;
    const double change = (h.front() - b.front()) / b.front();
    return Interval{change, change};
  }
  Xoshiro rng(seed);
  Resampler base_resampler(b), head_resampler(h);
  std::vector<double> changes;
  changes.reserve(static_cast<size_t>(options.resamples));
  for (int r = 0; r < options.resamples; ++r) {
    base_resampler.Draw(rng);
    head_resampler.Draw(rng);
    const double base_median = base_resampler.Median();
    if (base_median == 0) continue;
    changes.push_back((head_resampler.Median() - base_median) / base_median);
  }
  if (2 * changes.size() < static_cast<size_t>(options.resamples)) return std::nullopt;
  return PercentileInterval(changes, options.confidence);
}

std::map<std::string, std::vector<double>> CollectMetricValues(const Cell& cell) {
  std::map<std::string, std::vector<double>> by_metric;
  for (const Sample& sample : cell.samples) {
    if (sample.warmup || !sample.ok) continue;
    for (const auto& [name, value] : sample.metrics) by_metric[name].push_back(value);
    for (const auto& [name, value] : sample.segments) by_metric["segment." + name].push_back(value);
    auto& itl = by_metric["itl_ms"];
    itl.insert(itl.end(), sample.itl_ms.begin(), sample.itl_ms.end());
    if (!sample.fidelity_ms.empty()) {
      auto& fidelity = by_metric["fidelity_ms"];
      fidelity.insert(fidelity.end(), sample.fidelity_ms.begin(), sample.fidelity_ms.end());
    }
  }
  return by_metric;
}

namespace {

// log C(n, k) through lgamma: exact enough for tables of any size that fits a results file.
double LogChoose(int64_t n, int64_t k) {
  return std::lgamma(static_cast<double>(n) + 1) - std::lgamma(static_cast<double>(k) + 1) -
         std::lgamma(static_cast<double>(n - k) + 1);
}

}  // namespace

double FisherExactP(int64_t x1, int64_t n1, int64_t x2, int64_t n2) {
  if (n1 <= 0 || n2 <= 0 || x1 < 0 || x2 < 0 || x1 > n1 || x2 > n2) return 1.0;
  const int64_t events = x1 + x2;
  const int64_t total = n1 + n2;
  if (events == 0 || events == total) return 1.0;
  const double log_denominator = LogChoose(total, events);
  auto probability = [&](int64_t k) {
    return std::exp(LogChoose(n1, k) + LogChoose(n2, events - k) - log_denominator);
  };
  const double observed = probability(x1);
  double p = 0;
  for (int64_t k = std::max<int64_t>(0, events - n2); k <= std::min(events, n1); ++k) {
    const double pk = probability(k);
    if (pk <= observed * (1 + 1e-7)) p += pk;
  }
  return std::min(1.0, p);
}

double MinimumFisherP(int64_t n1, int64_t n2) {
  if (n1 <= 0 || n2 <= 0) return 1.0;
  return std::min(FisherExactP(n1, n1, 0, n2), FisherExactP(0, n1, n2, n2));
}

MannWhitney MannWhitneyU(const std::vector<double>& x, const std::vector<double>& y) {
  MannWhitney out;
  const size_t m = x.size(), n = y.size();
  if (m == 0 || n == 0) return out;
  // Midranks of the pooled values; tie groups feed the variance correction.
  std::vector<std::pair<double, bool>> pooled;  // value, from x
  pooled.reserve(m + n);
  for (double v : x) pooled.emplace_back(v, true);
  for (double v : y) pooled.emplace_back(v, false);
  std::sort(pooled.begin(), pooled.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  double rank_sum_x = 0;
  double tie_term = 0;  // sum of t^3 - t over tie groups
  for (size_t i = 0; i < pooled.size();) {
    size_t j = i;
    while (j < pooled.size() && pooled[j].first == pooled[i].first) ++j;
    const double t = static_cast<double>(j - i);
    const double midrank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (size_t k = i; k < j; ++k) {
      if (pooled[k].second) rank_sum_x += midrank;
    }
    tie_term += t * t * t - t;
    i = j;
  }
  const auto dm = static_cast<double>(m), dn = static_cast<double>(n);
  out.u = rank_sum_x - dm * (dm + 1) / 2;
  const double u_big = std::max(out.u, dm * dn - out.u);

  if (tie_term == 0 && static_cast<int64_t>(m * n) <= kMannWhitneyExactMaxProduct) {
    const std::vector<double> tail = ExactUpperTail(static_cast<int>(m), static_cast<int>(n));
    const auto k = static_cast<size_t>(std::llround(u_big));
    out.p_value = std::min(1.0, 2.0 * tail[k]);
    out.exact = true;
    return out;
  }
  const double total = dm + dn;
  const double variance = dm * dn / 12.0 * ((total + 1) - tie_term / (total * (total - 1)));
  if (!(variance > 0)) return out;  // every value tied: nothing distinguishes the samples
  const double z = (u_big - dm * dn / 2 - 0.5) / std::sqrt(variance);
  out.p_value = std::min(1.0, std::erfc(z / std::sqrt(2.0)));
  return out;
}

}  // namespace agentreplay::results
