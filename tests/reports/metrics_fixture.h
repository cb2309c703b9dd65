// Results for the metrics exposition tests, beyond the shared sample: a real-world cell that
// defines every catalog metric (fidelity and ttfr included), a cell whose turns failed for two
// different causes, and cells whose latencies are spread like the shipped scenarios'.
#pragma once

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "results/result_model.h"
#include "tests/results/sample_results.h"

namespace agentreplay::reports::fixtures {

// Every catalog metric defined at least once, with failures that a dashboard must show.
inline results::Results RichMetricsResults() {
  results::Results r = SampleResults();

  results::Cell real = MakeCell("weather", "responses", "p5", 0);
  real.world = "real";
  for (int rep = 0; rep < 3; ++rep) {
    results::Sample s = OkSample(rep, 910.0 + rep, 800.0, 40.0, 12.0, 5.0);
    for (const results::MetricInfo& info : results::MetricCatalog()) {
      if (!s.metrics.contains(std::string(info.name))) s.metrics[std::string(info.name)] = 2;
    }
    s.metrics["ttfr_ms"] = 95.5;
    s.metrics["retries"] = rep;
    s.metrics["cost_usd"] = 0.00125;
    s.metrics["agent_cpu_us"] = 4200;
    s.metrics["errors"] = 0;
    s.itl_ms = {18.0, 21.0};
    s.fidelity_ms = {0.4, 1.2, 0.9};
    real.samples.push_back(s);
  }
  real.checks = {{"turn 0: answer contains \"sunny\"", true, 3, 3, ""}};

  results::Cell flaky = MakeCell("lookup", "responses", "p2", 3);
  for (int rep = 0; rep < 4; ++rep) {
    results::Sample s = OkSample(rep, 500.0, 450.0, 20.0, 10.0, 2.0);
    if (rep > 0) {
      s.ok = false;
      s.error_kind = rep == 1 ? "transport" : "api";
      s.error_reason = rep == 1 ? "stream_truncated" : "http_429";
      s.metrics = {{"e2e_ms", 30000.0}, {"errors", 1}, {"retries", 3}};
    }
    flaky.samples.push_back(s);
  }
  flaky.checks = {{"turn 0: answer mentions the source", false, 1, 4, "repetition 1 failed"}};

  r.cells.push_back(real);
  r.cells.push_back(flaky);
  return r;
}

// Latencies like the shipped scenarios': per cell a log-normal e2e_ms around a median between
// tens of milliseconds and ~20 s, `turns` successful turns per cell.
struct LatencyShape {
  double median_ms;
  double sigma;  // of the log
};

inline const std::vector<LatencyShape>& ShippedLikeShapes() {
  static const std::vector<LatencyShape> kShapes = {
      {35, 0.10},   {62, 0.25},   {140, 0.05},  {310, 0.15},  {720, 0.08},  {1250, 0.30},
      {2400, 0.04}, {3900, 0.12}, {6100, 0.20}, {9800, 0.06}, {14500, 0.1}, {19800, 0.18}};
  return kShapes;
}

inline results::Results ShippedLikeResults(int turns, unsigned seed) {
  results::Results r;
  r.context.world = "sim";
  std::mt19937 rng(seed);
  int index = 0;
  for (const LatencyShape& shape : ShippedLikeShapes()) {
    const std::string variant = "v" + std::to_string(index++);
    results::Cell cell = MakeCell("shipped_like", "responses", variant.c_str(), 0);
    std::normal_distribution<double> noise(0.0, shape.sigma);
    for (int t = 0; t < turns; ++t) {
      results::Sample s;
      s.repetition = t;
      s.metrics["e2e_ms"] = shape.median_ms * std::exp(noise(rng));
      cell.samples.push_back(s);
    }
    r.cells.push_back(cell);
  }
  return r;
}

}  // namespace agentreplay::reports::fixtures
