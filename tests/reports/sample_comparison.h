// A hand-built comparison of the cells in sample_results.h (the head) with a base file: one
// regressed cell, one improved cell with a metric too thinly sampled to judge, a missing and a
// new cell, and a failed gate. Reporters format it; no statistics are computed here.
#pragma once

#include "reports/compare/comparison.h"

namespace agentreplay::reports::fixtures {

inline MetricComparison Metric(const char* name, bool gated, double base, double head,
                               Verdict verdict) {
  MetricComparison m;
  m.metric = name;
  m.gated = gated;
  m.base_p50 = base;
  m.head_p50 = head;
  m.change = base != 0 ? (head - base) / base : 0;
  m.change_abs = head - base;
  m.threshold = 0.05;
  m.verdict = verdict;
  return m;
}

inline Comparison SampleComparison() {
  Comparison c;
  c.base_source = "base/results.json";
  c.head_source = "head/results.json";
  c.world = "sim";

  CellComparison improved;
  improved.scenario = "weather";
  improved.runtime = "responses";
  improved.variant = "p5";
  improved.base_label = "responses/p5";
  improved.head_label = "responses/p5";
  MetricComparison e2e = Metric("e2e_ms", true, 1000, 852, Verdict::kImprovement);
  e2e.change_ci = results::Interval{-0.16, -0.13};
  e2e.p_value = 0.0112;
  MetricComparison ttft = Metric("ttft_ms", true, 300, 311, Verdict::kInsufficient);
  improved.metrics = {e2e, ttft, Metric("requests", false, 3, 3, Verdict::kNoChange)};
  improved.segments = {{"tool_exec", 40, 40}, {"llm_wait", 940, 795}};
  improved.verdict = Verdict::kImprovement;

  CellComparison regressed;
  regressed.scenario = "weather";
  regressed.runtime = "assistants";
  regressed.variant = "p0";
  regressed.base_label = "assistants/p0";
  regressed.head_label = "assistants/p0";
  MetricComparison slow = Metric("e2e_ms", true, 852, 2380.4, Verdict::kRegression);
  slow.change_ci = results::Interval{1.70, 1.90};
  slow.p_value = 0.004;
  MetricComparison ttfs = Metric("ttfs_ms", true, 120, 120, Verdict::kNoChange);
  ttfs.exact = true;
  MetricComparison overhead = Metric("tool_overhead_ms", true, 12, 1050, Verdict::kRegression);
  overhead.exact = true;
  regressed.metrics = {slow, ttfs, overhead};
  regressed.segments = {
      {"tool_overhead", 12, 1050}, {"llm_wait", 795, 1290}, {"agent_cpu", 5, 0.4}};
  regressed.verdict = Verdict::kRegression;

  c.cells = {improved, regressed};
  c.missing_cells = {"lookup/responses/p0"};
  c.new_cells = {"lookup/chat/p0"};
  c.passed = false;
  c.failures = {"weather/assistants/p0: e2e_ms regressed by +179.4% (p=0.004)",
                "lookup/responses/p0 is in the base but not in the head"};
  return c;
}

}  // namespace agentreplay::reports::fixtures
