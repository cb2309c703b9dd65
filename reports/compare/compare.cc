#include "reports/compare/compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <utility>

#include "reports/table.h"
#include "results/statistics.h"

namespace agentreplay::reports {
namespace {

using results::Cell;
using results::Results;

// Fixed, so a comparison of the same files always prints the same intervals.
constexpr uint64_t kCompareSeed = 0xC0FFEE5EED;

std::string FullLabel(const Cell& cell) {
  return fmt::format("{}/{}/{}", cell.scenario, cell.runtime, cell.variant);
}

bool IsCount(std::string_view metric) {
  const results::MetricInfo* info = results::FindMetric(metric);
  return info != nullptr && info->unit == "count";
}

bool AllEqual(const std::vector<double>& sorted) {
  return sorted.empty() || sorted.front() == sorted.back();
}

// The change expressed against a threshold: is `change_abs` (relative `change`) beyond it?
bool Beyond(const MetricComparison& mc, double change, double change_abs) {
  if (change_abs <= mc.min_change) return false;
  if (mc.absolute) return change_abs > mc.threshold;
  if (mc.base_p50 == 0) return change_abs > 0;  // any growth from zero is unbounded
  return change > mc.threshold;
}

// The relative threshold an interval of relative changes is held against.
std::optional<double> RelativeThreshold(const MetricComparison& mc) {
  if (!mc.absolute) return mc.threshold;
  if (mc.base_p50 == 0) return std::nullopt;
  return mc.threshold / std::fabs(mc.base_p50);
}

void Judge(MetricComparison& mc, double alpha) {
  if (mc.exact) {
    if (Beyond(mc, mc.change, mc.change_abs)) {
      mc.verdict = Verdict::kRegression;
    } else if (Beyond(mc, -mc.change, -mc.change_abs)) {
      mc.verdict = Verdict::kImprovement;
    }
    return;
  }
  if (!mc.p_value || *mc.p_value >= alpha) return;
  const std::optional<double> threshold = RelativeThreshold(mc);
  if (mc.change_ci && threshold) {
    if (mc.change_ci->low > *threshold && mc.change_abs > mc.min_change) {
      mc.verdict = Verdict::kRegression;
    } else if (mc.change_ci->high < -*threshold && -mc.change_abs > mc.min_change) {
      mc.verdict = Verdict::kImprovement;
    }
    return;
  }
  // No interval of the relative change (a zero base median): the median change decides.
  if (Beyond(mc, mc.change, mc.change_abs)) {
    mc.verdict = Verdict::kRegression;
  } else if (Beyond(mc, -mc.change, -mc.change_abs)) {
    mc.verdict = Verdict::kImprovement;
  }
}

// regression > improvement > insufficient > no change: the most notable outcome of the gated
// metrics names the cell.
int Rank(Verdict v) {
  switch (v) {
    case Verdict::kRegression:
      return 3;
    case Verdict::kImprovement:
      return 2;
    case Verdict::kInsufficient:
      return 1;
    case Verdict::kNoChange:
      break;
  }
  return 0;
}

struct TurnCounts {
  int64_t failed = 0;
  int64_t turns = 0;
};

TurnCounts CountTurns(const Cell& cell) {
  TurnCounts counts;
  for (const results::Sample& sample : cell.samples) {
    if (sample.warmup) continue;
    ++counts.turns;
    if (!sample.ok) ++counts.failed;
  }
  return counts;
}

CellComparison CompareCells(const Cell& base, const Cell& head, bool deterministic,
                            const Gate& gate) {
  CellComparison cc;
  cc.scenario = head.scenario;
  cc.runtime = head.runtime;
  cc.variant = head.variant;
  cc.base_label = base.runtime + "/" + base.variant;
  cc.head_label = head.runtime + "/" + head.variant;
  auto base_values = results::CollectMetricValues(base);
  auto head_values = results::CollectMetricValues(head);
  const uint64_t seed = results::StatSeed(kCompareSeed, FullLabel(base) + " vs " + FullLabel(head));
  // First, and from every turn: a cell that failed all its turns has no latencies to compare,
  // but going from failing to succeeding (or back) is the biggest change there is.
  const TurnCounts base_turns = CountTurns(base), head_turns = CountTurns(head);
  if (base_turns.turns > 0 || head_turns.turns > 0) {
    cc.metrics.push_back(CompareErrorRates(base_turns.failed, base_turns.turns, head_turns.failed,
                                           head_turns.turns, deterministic, gate));
  }
  for (auto& [metric, values] : head_values) {
    auto it = base_values.find(metric);
    if (it == base_values.end()) continue;
    if (values.empty() && it->second.empty()) continue;  // e.g. itl_ms of tool-only turns
    cc.metrics.push_back(CompareMetricValues(metric, std::move(it->second), std::move(values),
                                             deterministic, gate, results::StatSeed(seed, metric)));
  }
  // A gated metric one side lacks entirely cannot be judged.
  for (const GatedMetric& gm : gate.metrics) {
    const bool in_base = base_values.count(gm.metric) > 0;
    const bool in_head = head_values.count(gm.metric) > 0;
    if (in_base != in_head) {
      cc.metrics.push_back(CompareMetricValues(
          gm.metric, in_base ? base_values[gm.metric] : std::vector<double>{},
          in_head ? head_values[gm.metric] : std::vector<double>{}, deterministic, gate, seed));
    }
  }
  std::stable_sort(
      cc.metrics.begin(), cc.metrics.end(),
      [](const MetricComparison& a, const MetricComparison& b) { return a.gated > b.gated; });
  for (const MetricComparison& mc : cc.metrics) {
    if (mc.gated && Rank(mc.verdict) > Rank(cc.verdict)) cc.verdict = mc.verdict;
  }
  cc.segments = SegmentDeltas(base, head);
  return cc;
}

std::string PercentText(double relative) { return fmt::format("{:+.1f}%", 100 * relative); }

void AddFailures(Comparison& comparison) {
  for (const CellComparison& cc : comparison.cells) {
    for (const MetricComparison& mc : cc.metrics) {
      if (!mc.gated || mc.verdict != Verdict::kRegression) continue;
      std::string why;
      if (mc.exact) {
        why = "exact";
      } else {
        why = fmt::format("p {:.3g}", mc.p_value.value_or(1.0));
        if (mc.change_ci) {
          why += fmt::format(", 95% CI {} to {}", PercentText(mc.change_ci->low),
                             PercentText(mc.change_ci->high));
        }
      }
      if (mc.metric == kErrorRateMetric) {
        comparison.failures.push_back(fmt::format(
            "{}/{}/{}: more turns failed ({:.0f}% of {} -> {:.0f}% of {}; {}; threshold {:g} "
            "points)",
            cc.scenario, cc.runtime, cc.variant, mc.base_p50, mc.base_count, mc.head_p50,
            mc.head_count, why, mc.threshold));
        continue;
      }
      const std::string unit = MetricUnit(mc.metric);
      const std::string threshold = mc.absolute ? ValueWithUnit(mc.threshold, unit)
                                                : Threshold{mc.threshold, false}.ToString();
      comparison.failures.push_back(fmt::format(
          "{}/{}/{}: {} regressed {} ({} -> {}; {}; threshold {}{})", cc.scenario, cc.runtime,
          cc.variant, mc.metric, mc.base_p50 == 0 ? "from 0" : PercentText(mc.change),
          ValueWithUnit(mc.base_p50, unit), ValueWithUnit(mc.head_p50, unit), why, threshold,
          mc.min_change > 0 ? ", at least " + ValueWithUnit(mc.min_change, unit) : ""));
    }
  }
  for (const std::string& cell : comparison.missing_cells) {
    if (comparison.missing_is_failure) {
      comparison.failures.push_back(fmt::format("{}: in the base but missing from the head", cell));
    }
  }
  for (const std::string& cell : comparison.new_cells) {
    if (comparison.new_is_failure) {
      comparison.failures.push_back(fmt::format("{}: in the head but not in the base", cell));
    }
  }
  comparison.passed = comparison.failures.empty();
}

Comparison EmptyComparison(const Gate& gate) {
  Comparison comparison;
  comparison.alpha = gate.alpha;
  comparison.missing_is_failure = gate.missing_is_failure;
  comparison.new_is_failure = gate.new_is_failure;
  comparison.gate_source = gate.source;
  return comparison;
}

constexpr const char* kDeterministicNote =
    "simulated world, same seed and repetitions on both sides: both replay the same draws, so "
    "changes are exact (no p-values)";

}  // namespace

double MinimumMannWhitneyP(int64_t m, int64_t n) {
  if (m <= 0 || n <= 0) return 1.0;
  // C(m + n, m) built up factor by factor, stopping once 2 / C is negligible.
  double combinations = 1;
  const int64_t k = std::min(m, n);
  for (int64_t i = 1; i <= k && combinations < 1e12; ++i) {
    combinations = combinations * static_cast<double>(m + n - k + i) / static_cast<double>(i);
  }
  return std::min(1.0, 2.0 / combinations);
}

MetricComparison CompareMetricValues(std::string_view metric, std::vector<double> base,
                                     std::vector<double> head, bool deterministic, const Gate& gate,
                                     uint64_t seed) {
  std::sort(base.begin(), base.end());
  std::sort(head.begin(), head.end());
  MetricComparison mc;
  mc.metric = std::string(metric);
  mc.gated = gate.Find(metric) != nullptr;
  const Threshold threshold = gate.ThresholdFor(metric);
  mc.threshold = threshold.value;
  mc.absolute = threshold.absolute;
  mc.min_change = gate.MinChangeFor(metric);
  mc.base_count = static_cast<int64_t>(base.size());
  mc.head_count = static_cast<int64_t>(head.size());
  if (base.empty() || head.empty()) {
    mc.verdict = Verdict::kInsufficient;
    return mc;
  }
  mc.base_p50 = results::Quantile(base, 0.5);
  mc.head_p50 = results::Quantile(head, 0.5);
  mc.change_abs = mc.head_p50 - mc.base_p50;
  mc.change = mc.base_p50 == 0 ? 0.0 : mc.change_abs / mc.base_p50;
  mc.exact = deterministic || IsCount(metric) || (AllEqual(base) && AllEqual(head));
  if (!mc.exact) {
    const auto m = static_cast<int64_t>(base.size()), n = static_cast<int64_t>(head.size());
    if (std::min(m, n) < gate.min_samples || MinimumMannWhitneyP(m, n) >= gate.alpha) {
      mc.verdict = Verdict::kInsufficient;
      return mc;
    }
    mc.p_value = results::MannWhitneyU(head, base).p_value;
    mc.change_ci = results::BootstrapRelativeChangeCi(base, head, seed);
  }
  Judge(mc, gate.alpha);
  return mc;
}

MetricComparison CompareErrorRates(int64_t base_failed, int64_t base_turns, int64_t head_failed,
                                   int64_t head_turns, bool deterministic, const Gate& gate) {
  MetricComparison mc;
  mc.metric = kErrorRateMetric;
  const GatedMetric* gated = gate.Find(kErrorRateMetric);
  mc.gated = gated != nullptr;
  // A relative threshold of the gate's noise means little for a share that is usually 0: unless
  // the gate says otherwise, any change of the failures counts.
  const Threshold threshold =
      gated != nullptr && gated->threshold ? *gated->threshold : Threshold{0, true};
  mc.threshold = threshold.value;
  mc.absolute = threshold.absolute;
  mc.min_change = gated != nullptr && gated->min_change ? *gated->min_change : 0.0;
  mc.base_count = base_turns;
  mc.head_count = head_turns;
  if (base_turns <= 0 || head_turns <= 0) {
    mc.verdict = Verdict::kInsufficient;
    return mc;
  }
  mc.base_p50 = 100.0 * static_cast<double>(base_failed) / static_cast<double>(base_turns);
  mc.head_p50 = 100.0 * static_cast<double>(head_failed) / static_cast<double>(head_turns);
  mc.change_abs = mc.head_p50 - mc.base_p50;
  mc.change = mc.base_p50 == 0 ? 0.0 : mc.change_abs / mc.base_p50;
  mc.exact = deterministic;
  if (!mc.exact) {
    if (std::min(base_turns, head_turns) < gate.min_samples ||
        results::MinimumFisherP(base_turns, head_turns) >= gate.alpha) {
      mc.verdict = Verdict::kInsufficient;
      return mc;
    }
    mc.p_value = results::FisherExactP(base_failed, base_turns, head_failed, head_turns);
  }
  Judge(mc, gate.alpha);  // no interval: the change of the rates decides, past the threshold
  return mc;
}

std::vector<SegmentDelta> SegmentDeltas(const Cell& base, const Cell& head) {
  std::vector<SegmentDelta> deltas;
  for (std::string_view name : results::SegmentNames()) {
    const std::string key = "segment." + std::string(name);
    const results::Summary* b = results::FindStat(base, key);
    const results::Summary* h = results::FindStat(head, key);
    if (b == nullptr && h == nullptr) continue;
    deltas.push_back({std::string(name), b != nullptr ? b->p50 : 0.0, h != nullptr ? h->p50 : 0.0});
  }
  std::stable_sort(deltas.begin(), deltas.end(), [](const SegmentDelta& a, const SegmentDelta& b) {
    return a.head_ms - a.base_ms > b.head_ms - b.base_ms;
  });
  return deltas;
}

Expected<Comparison> Compare(const Results& base, const Selector& base_selector,
                             const Results& head, const Selector& head_selector, const Gate& gate,
                             std::string base_source, std::string head_source) {
  Comparison comparison = EmptyComparison(gate);
  comparison.base_source = std::move(base_source);
  comparison.head_source = std::move(head_source);
  comparison.world = head.context.world;

  // The dimensions the selectors pin to different values are not matched on.
  std::vector<std::string_view> keys;
  for (std::string_view key : kSelectorKeys) {
    const auto b = base_selector.equals.find(std::string(key));
    const auto h = head_selector.equals.find(std::string(key));
    const bool b_set = b != base_selector.equals.end(), h_set = h != head_selector.equals.end();
    if (b_set != h_set || (b_set && b->second != h->second)) continue;
    keys.push_back(key);
  }
  auto key_of = [&](const Cell& cell) {
    std::string key;
    for (std::string_view k : keys) key += fmt::format("{}={};", k, CellDimension(cell, k));
    return key;
  };
  auto describe = [&](const Cell& cell) {
    std::string text;
    for (std::string_view k : keys) {
      text += fmt::format("{}{}={}", text.empty() ? "" : ",", k, CellDimension(cell, k));
    }
    return text.empty() ? std::string("every cell") : text;
  };

  std::map<std::string, const Cell*> base_by_key;
  std::vector<const Cell*> base_order;
  for (const Cell& cell : base.cells) {
    if (!base_selector.Matches(cell)) continue;
    auto [it, inserted] = base_by_key.emplace(key_of(cell), &cell);
    if (!inserted) {
      return Fail(fmt::format(
          "{}: several cells for {} ({} and {}); select one with --base (e.g. variant=...)",
          comparison.base_source, describe(cell), FullLabel(*it->second), FullLabel(cell)));
    }
    base_order.push_back(&cell);
  }
  if (base_order.empty()) return Fail(fmt::format("{}: no cell selected", comparison.base_source));

  // Simulated runs with the same seed and repetitions replay the same draws: exact comparison.
  const bool deterministic = base.context.world == "sim" && head.context.world == "sim" &&
                             base.context.seed == head.context.seed &&
                             base.context.repetitions == head.context.repetitions;
  bool any_head = false;
  std::map<std::string, bool> base_matched;
  for (const Cell& cell : head.cells) {
    if (!head_selector.Matches(cell)) continue;
    any_head = true;
    if (!gate.JudgesCell(cell)) continue;
    const std::string key = key_of(cell);
    const auto it = base_by_key.find(key);
    if (it == base_by_key.end()) {
      comparison.new_cells.push_back(FullLabel(cell));
      continue;
    }
    if (it->second == &cell) continue;  // one file, one selection: a cell against itself
    base_matched[key] = true;
    comparison.cells.push_back(CompareCells(*it->second, cell, deterministic, gate));
  }
  if (!any_head) return Fail(fmt::format("{}: no cell selected", comparison.head_source));

  if (deterministic) comparison.notes.push_back(kDeterministicNote);

  for (const Cell* cell : base_order) {
    if (base_matched.count(key_of(*cell)) > 0) continue;
    // The gate's selectors name head cells: judge a missing one as the head would have named it.
    Cell as_head = *cell;
    for (const auto& [k, v] : head_selector.equals) {
      if (k == "scenario") as_head.scenario = v;
      if (k == "runtime") as_head.runtime = v;
      if (k == "variant") as_head.variant = v;
    }
    if (gate.JudgesCell(as_head)) comparison.missing_cells.push_back(FullLabel(as_head));
  }
  if (base.context.world != head.context.world) {
    comparison.notes.push_back(fmt::format(
        "the base ran in the {} world and the head in the {} world: their timings measure "
        "different things",
        base.context.world, head.context.world));
  }
  AddFailures(comparison);
  return comparison;
}

Comparison CompareWithinRun(const Results& results, const Gate& gate) {
  Comparison comparison = EmptyComparison(gate);
  comparison.base_source = "each scenario's baseline cell";
  comparison.head_source = "the same run";
  comparison.world = results.context.world;
  const bool deterministic = results.context.world == "sim";
  for (const Cell& cell : results.cells) {
    if (cell.baseline.empty() || !gate.JudgesCell(cell)) continue;
    for (const Cell& base : results.cells) {
      if (&base != &cell && base.scenario == cell.scenario && base.world == cell.world &&
          base.runtime + "/" + base.variant == cell.baseline) {
        comparison.cells.push_back(CompareCells(base, cell, deterministic, gate));
        break;
      }
    }
  }
  if (deterministic) {
    comparison.notes.push_back(
        "simulated world: every cell of a scenario replays the same draws, so changes against "
        "the baseline are exact (no p-values)");
  }
  AddFailures(comparison);
  return comparison;
}

}  // namespace agentreplay::reports
