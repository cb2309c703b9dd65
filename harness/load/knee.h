// Where a rate sweep's agent stops keeping up: the knee. A load run measures a cell per rate;
// this reads those cells back (from the results, so it works on any results.json a load
// wrote), lines up each series' rates and names the first rate whose user-visible latencies,
// timing fidelity or error rate have left the lowest rate's, by a documented rule. The `load`
// command prints it under the reports.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "results/result_model.h"

namespace agentreplay::harness {

// The rule. A rate is degraded, against the series' lowest rate (the reference), when any of:
// - the p50 of ttft_from_intended_ms or e2e_from_intended_ms exceeds the reference's by more
//   than kKneeP50Growth of it and at least kKneeP50FloorMs;
// - their p99 exceeds the reference's by more than kKneeP99Growth and at least kKneeP99FloorMs;
// - the p99 of fidelity_ms exceeds the reference's by more than kKneeFidelityMs (the served
//   mock's chunks arrive late: the loop, not the agent, is saturated);
// - the share of sessions that failed exceeds the reference's by more than kKneeErrorRate.
// The knee is the first degraded rate in ascending order.
inline constexpr double kKneeP50Growth = 0.10;
inline constexpr double kKneeP50FloorMs = 5.0;
inline constexpr double kKneeP99Growth = 0.50;
inline constexpr double kKneeP99FloorMs = 10.0;
inline constexpr double kKneeFidelityMs = 5.0;
inline constexpr double kKneeErrorRate = 0.01;

struct RatePoint {
  double rate = 0;
  const results::Cell* cell = nullptr;
  // Figures of the cell (absent when it measured none).
  std::optional<double> start_delay_p50, start_delay_p99;
  std::optional<double> ttft_p50, ttft_p99;  // from the intended start
  std::optional<double> e2e_p50, e2e_p99;    // from the intended start
  std::optional<double> fidelity_p99;
  double error_rate = 0;  // error samples / samples
  // Why the rate counts as degraded; empty when it does not (and for the reference).
  std::vector<std::string> degraded;
};

// One scenario × runtime × variant across its rates, in ascending rate.
struct RateSeries {
  std::string scenario, runtime, variant;  // the variant without its "@rate=" part
  std::vector<RatePoint> points;
  std::optional<double> knee;  // the first degraded rate
};

// The rate a load cell's variant names ("p5@rate=20/s" → 20); nullopt for other cells.
std::optional<double> RateOfVariant(const std::string& variant);

// The series of every load cell in `results`, in the order their first cells appear.
std::vector<RateSeries> FindKnees(const results::Results& results);

// The per-rate table and each series' verdict, for the console.
std::string FormatKnees(const std::vector<RateSeries>& series);

}  // namespace agentreplay::harness
