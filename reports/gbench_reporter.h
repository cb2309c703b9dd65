// Google Benchmark's JSON output format (json_schema_version 1), so its tools/compare.py and
// github-action-benchmark's `googlecpp` tool read agentreplay results as they read benchmarks.
//
// A benchmark is one latency metric of one cell, named "<metric>/<scenario>/<runtime>/
// <variant>/<world>" (e.g. "e2e_ms/weather/assistants/p0/sim"); time_unit is "ms". Each
// successful, non-warm-up turn is one repetition (run_type "iteration", iterations 1, real_time
// and cpu_time both the turn's value: a latency is not CPU time, and compare.py wants both), then
// the aggregates "mean", "median" and "stddev" from the cell's summary, as Google Benchmark writes
// them with --benchmark_repetitions. compare.py's U-test therefore runs on the per-turn values.
// itl_ms is a benchmark too, with every inter-token gap of those turns as a repetition.
// family_index numbers the metric, per_family_instance_index the cell.
//
// Failed turns never vanish: every entry of a cell with error turns carries the counters
// "turns", "error_turns" and "error_rate" (percent), and a cell where no turn succeeded gets,
// per metric family, the entry Google Benchmark writes for a benchmark that failed
// (repetition 0, "error_occurred": true, "error_message" with the reasons and counts, times 0).
#pragma once

#include "reports/reporter.h"

namespace agentreplay::reports {

class GbenchReporter : public Reporter {
 public:
  void Report(const ReportInput& input, std::ostream& out) override;
  std::string_view DefaultFileName() const override { return "gbench.json"; }
};

}  // namespace agentreplay::reports
