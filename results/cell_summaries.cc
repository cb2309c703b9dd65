#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <string>

#include "results/statistics.h"

namespace agentreplay::results {

Summary Summarize(std::vector<double> values) {
  Summary s;
  s.count = static_cast<int64_t>(values.size());
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  s.min = values.front();
  s.max = values.back();
  s.p50 = Quantile(values, 0.50);
  s.p90 = Quantile(values, 0.90);
  s.p95 = Quantile(values, 0.95);
  s.p99 = Quantile(values, 0.99);
  // Two passes: the mean first, then squared deviations, which stays accurate for the
  // large, tightly clustered values latency samples are.
  double sum = 0.0;
  for (double v : values) sum += v;
  s.mean = sum / static_cast<double>(values.size());
  if (values.size() > 1) {
    double sq = 0.0;
    for (double v : values) sq += (v - s.mean) * (v - s.mean);
    s.stddev = std::sqrt(sq / static_cast<double>(values.size() - 1));
  }
  return s;
}

Summary SummarizeWithIntervals(std::vector<double> values, uint64_t seed) {
  std::sort(values.begin(), values.end());
  Summary s = Summarize(values);
  const CenterIntervals intervals = BootstrapCenterIntervals(values, seed);
  s.median_ci = intervals.median;
  s.mean_ci = intervals.mean;
  s.outliers = TukeyOutliers(values);
  return s;
}

void ComputeCellStats(Cell& cell, uint64_t run_seed) {
  cell.error_samples = 0;
  cell.warmup_samples = 0;
  for (const auto& sample : cell.samples) {
    if (sample.warmup) {
      ++cell.warmup_samples;
    } else if (!sample.ok) {
      ++cell.error_samples;
    }
  }
  std::map<std::string, std::vector<double>> by_metric = CollectMetricValues(cell);
  cell.stats.clear();
  const uint64_t cell_seed = StatSeed(
      run_seed, fmt::format("{}/{}/{}/{}", cell.scenario, cell.runtime, cell.variant, cell.world));
  for (auto& [name, values] : by_metric) {
    if (values.empty()) continue;
    cell.stats[name] = SummarizeWithIntervals(std::move(values), StatSeed(cell_seed, name));
  }
}

namespace {

// A variant swept with `run --set` is named "PACKAGES@NAME=VALUE..."; its baseline is the
// baseline under the same overrides, so each point of a sweep is compared like for like.
std::string BaselineOf(const std::string& variant) {
  const std::size_t at = variant.find('@');
  return "baseline" + (at == std::string::npos ? std::string() : variant.substr(at));
}

// A p50 as the results document holds it: results_json.cc writes numbers with at most 6
// decimals. Changes come from these, so a run, a journal read back and merged shards (which only
// have the written figures) compute the same changes, and a reader can check them from the
// document: USD costs have more decimals than the file keeps.
double AsWritten(double value) {
  if (!std::isfinite(value) || std::fabs(value) >= 1e15) return value;
  const std::string text = fmt::format("{:.6f}", value);
  double written = value;
  std::from_chars(text.data(), text.data() + text.size(), written);  // locale-free, like fmt
  return written;
}

}  // namespace

void CompareWithBaseline(Results& results) {
  auto find_base = [&](const Cell& cell) -> const Cell* {
    const std::string baseline = BaselineOf(cell.variant);
    const Cell* any = nullptr;
    for (const auto& c : results.cells) {
      if (c.scenario != cell.scenario || c.variant != baseline) continue;
      if (c.runtime == cell.runtime) return &c;
      if (any == nullptr) any = &c;
    }
    return any;
  };
  for (auto& cell : results.cells) {
    cell.baseline.clear();
    cell.change_vs_baseline.clear();
    if (cell.variant == BaselineOf(cell.variant) && find_base(cell) == &cell) continue;
    const Cell* base = find_base(cell);
    if (base == nullptr || base == &cell) continue;
    cell.baseline = base->runtime + "/" + base->variant;
    for (const auto& [metric, summary] : cell.stats) {
      auto it = base->stats.find(metric);
      if (it == base->stats.end()) continue;
      const double base_p50 = AsWritten(it->second.p50);
      if (base_p50 == 0.0) continue;
      cell.change_vs_baseline[metric] = (AsWritten(summary.p50) - base_p50) / base_p50;
    }
  }
}

}  // namespace agentreplay::results
