#include "run/stats.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

namespace agentreplay::harness {

double Quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0.0;
  const double h = (static_cast<double>(sorted.size()) - 1.0) * q;
  const auto lo = static_cast<size_t>(std::floor(h));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

results::Summary Summarize(std::vector<double> values) {
  results::Summary s;
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

void ComputeCellStats(results::Cell& cell) {
  std::map<std::string, std::vector<double>> by_metric;
  cell.error_samples = 0;
  for (const auto& sample : cell.samples) {
    if (!sample.ok) {
      ++cell.error_samples;
      continue;
    }
    for (const auto& [name, value] : sample.metrics) by_metric[name].push_back(value);
    for (const auto& [name, value] : sample.segments) by_metric["segment." + name].push_back(value);
    auto& itl = by_metric["itl_ms"];
    itl.insert(itl.end(), sample.itl_ms.begin(), sample.itl_ms.end());
  }
  cell.stats.clear();
  for (auto& [name, values] : by_metric) {
    if (!values.empty()) cell.stats[name] = Summarize(std::move(values));
  }
}

void CompareWithBaseline(results::Results& results) {
  auto find_base = [&](const results::Cell& cell) -> const results::Cell* {
    const results::Cell* any = nullptr;
    for (const auto& c : results.cells) {
      if (c.scenario != cell.scenario || c.variant != "baseline") continue;
      if (c.runtime == cell.runtime) return &c;
      if (any == nullptr) any = &c;
    }
    return any;
  };
  for (auto& cell : results.cells) {
    cell.baseline.clear();
    cell.change_vs_baseline.clear();
    if (cell.variant == "baseline" && find_base(cell) == &cell) continue;
    const results::Cell* base = find_base(cell);
    if (base == nullptr || base == &cell) continue;
    cell.baseline = base->runtime + "/" + base->variant;
    for (const auto& [metric, summary] : cell.stats) {
      auto it = base->stats.find(metric);
      if (it == base->stats.end() || it->second.p50 == 0.0) continue;
      cell.change_vs_baseline[metric] = (summary.p50 - it->second.p50) / it->second.p50;
    }
  }
}

}  // namespace agentreplay::harness
