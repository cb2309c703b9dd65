// Google Benchmark's JSON output format (json_schema_version 1), so its tools/compare.py and
// github-action-benchmark's `googlecpp` tool read agentreplay results as they read benchmarks.
//
// A benchmark is one latency metric of one cell, named "<metric>/<scenario>/<runtime>/
// <variant>/<world>" (e.g. "e2e_ms/weather/assistants/p0/sim"); time_unit is "ms". Each
// successful, non-warm-up turn is one repetition (run_type "iteration", iterations 1, real_time
// and cpu_time both the turn's value: a latency is not CPU time, and compare.py wants both), then
// the aggregates "mean", "median" and "stddev" from the cell's summary, as Google Benchmark writes
// them with --benchmark_repetitions. compare.py's U-test therefore runs on the per-turn values.
// family_index numbers the metric, per_family_instance_index the cell.
#pragma once

#include "reports/reporter.h"

namespace agentreplay::reports {

class GbenchReporter : public Reporter {
 public:
  void Report(const ReportInput& input, std::ostream& out) override;
  std::string_view DefaultFileName() const override { return "gbench.json"; }
};

}  // namespace agentreplay::reports
