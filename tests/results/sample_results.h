// A hand-built results document shared by the reports tests: three cells covering a clean cell,
// a cell with a failed sample, a failed check and a missing metric, and a cell where every sample
// failed.
#pragma once

#include <string>

#include "results/result_model.h"

namespace agentreplay::reports::fixtures {

inline results::Sample OkSample(int repetition, double e2e, double llm_wait, double tool_exec,
                                double tool_overhead, double agent_cpu) {
  results::Sample s;
  s.repetition = repetition;
  s.metrics = {{"ttfs_ms", 120.0},
               {"e2e_ms", e2e},
               {"llm_wait_ms", llm_wait},
               {"tool_exec_ms", tool_exec},
               {"tool_overhead_ms", tool_overhead},
               {"requests", 3}};
  s.segments = {{"llm_wait", llm_wait},
                {"tool_exec", tool_exec},
                {"tool_overhead", tool_overhead},
                {"detect_lag", 0.0},
                {"agent_cpu", agent_cpu}};
  s.requests_by_endpoint = {{"responses.create", 3}};
  return s;
}

inline results::Summary MakeSummary(int64_t count, double min, double p50, double p90, double max,
                                    double mean, double stddev) {
  results::Summary s;
  s.count = count;
  s.min = min;
  s.p50 = p50;
  s.p90 = p90;
  s.p95 = max;
  s.p99 = max;
  s.max = max;
  s.mean = mean;
  s.stddev = stddev;
  return s;
}

inline results::Cell MakeCell(const char* scenario, const char* runtime, const char* variant,
                              int64_t error_samples) {
  results::Cell cell;
  cell.scenario = scenario;
  cell.runtime = runtime;
  cell.variant = variant;
  cell.world = "sim";
  cell.error_samples = error_samples;
  return cell;
}

inline results::Results SampleResults() {
  results::Results r;
  r.context = {"0.1.0",
               "abc1234",
               "Release",
               "sim",
               42,
               3,
               "2026-09-01T12:00:00Z",
               "ci-host",
               8,
               "Linux",
               "agentreplay run --seed 42",
               0,
               "",
               0,
               0,
               0};

  results::Cell fast = MakeCell("weather", "responses", "p5", 0);
  fast.samples = {OkSample(0, 852.0, 795.0, 40.0, 12.0, 5.0),
                  OkSample(1, 870.5, 810.0, 41.0, 14.0, 5.5),
                  OkSample(2, 840.0, 785.0, 40.0, 11.0, 4.0)};
  for (auto& s : fast.samples) {
    s.metrics["ttft_ms"] = 310.0 + s.repetition;
    s.itl_ms = {20.0, 22.5, 19.75};
  }
  fast.stats = {{"ttfs_ms", MakeSummary(3, 120, 120, 120, 120, 120, 0)},
                {"ttft_ms", MakeSummary(3, 310, 311, 311.8, 312, 311, 0.816497)},
                {"e2e_ms", MakeSummary(3, 840, 852, 866.8, 870.5, 854.166667, 12.5)},
                {"tool_exec_ms", MakeSummary(3, 40, 40, 40.8, 41, 40.333333, 0.471405)},
                {"tool_overhead_ms", MakeSummary(3, 11, 12, 13.6, 14, 12.333333, 1.247219)},
                {"llm_wait_ms", MakeSummary(3, 785, 795, 807, 810, 796.666667, 10.274023)},
                {"requests", MakeSummary(3, 3, 3, 3, 3, 3, 0)},
                {"itl_ms", MakeSummary(9, 19.75, 20, 22.5, 22.5, 20.75, 1.190238)}};
  // Confidence intervals and segment medians, as the harness's statistics store them.
  fast.stats["e2e_ms"].median_ci = results::Interval{840, 870.5};
  fast.stats["ttft_ms"].median_ci = results::Interval{310, 312};
  fast.stats["segment.llm_wait"] = MakeSummary(3, 785, 795, 807, 810, 796.666667, 10.274023);
  fast.stats["segment.tool_exec"] = MakeSummary(3, 40, 40, 40.8, 41, 40.333333, 0.471405);
  fast.stats["segment.tool_overhead"] = MakeSummary(3, 11, 12, 13.6, 14, 12.333333, 1.247219);
  fast.stats["segment.agent_cpu"] = MakeSummary(3, 4, 5, 5.4, 5.5, 4.833333, 0.623610);
  fast.checks = {{"turn 0: answer contains \"sunny\"", true, 3, 3, ""},
                 {"turn 0: tools called [get_weather]", true, 3, 3, ""}};

  results::Cell slow = MakeCell("weather", "assistants", "p0", 1);
  results::Sample failed;
  failed.repetition = 1;
  failed.ok = false;
  failed.error_kind = "api";
  failed.error_reason = "http_500";
  failed.error_message = "server error\nretry later";
  failed.metrics = {{"e2e_ms", 15000.0}, {"errors", 1}};
  slow.samples = {OkSample(0, 2410.5, 1300.0, 40.0, 1070.0, 0.5), failed,
                  OkSample(2, 2380.4, 1290.0, 40.0, 1050.0, 0.4)};
  slow.samples[0].requests_by_endpoint = {{"runs.create", 1}, {"runs.retrieve", 12}};
  slow.stats = {{"ttfs_ms", MakeSummary(2, 120, 120, 120, 120, 120, 0)},
                {"e2e_ms", MakeSummary(2, 2380.4, 2380.4, 2407.49, 2410.5, 2395.45, 15.05)},
                {"tool_exec_ms", MakeSummary(2, 40, 40, 40, 40, 40, 0)},
                {"tool_overhead_ms", MakeSummary(2, 1050, 1050, 1066, 1070, 1060, 10)},
                {"llm_wait_ms", MakeSummary(2, 1290, 1290, 1298, 1300, 1295, 5)},
                {"requests", MakeSummary(2, 3, 3, 11.2, 13, 8, 5)}};
  slow.stats["segment.llm_wait"] = MakeSummary(2, 1290, 1290, 1298, 1300, 1295, 5);
  slow.stats["segment.tool_exec"] = MakeSummary(2, 40, 40, 40, 40, 40, 0);
  slow.stats["segment.tool_overhead"] = MakeSummary(2, 1050, 1050, 1066, 1070, 1060, 10);
  slow.checks = {{"turn 0: answer contains \"sunny\"", false, 1, 3,
                  "repetition 1: the turn failed (http_500)"},
                 {"turn 0: tools called [get_weather]", true, 3, 3, ""}};

  slow.baseline = "responses/p5";
  slow.change_vs_baseline = {{"e2e_ms", 1.7939}, {"ttfs_ms", 0.0}};

  results::Cell broken = MakeCell("lookup", "chat", "p0", 1);
  results::Sample truncated;
  truncated.ok = false;
  truncated.error_kind = "transport";
  truncated.error_reason = "stream_truncated";
  broken.samples = {truncated};

  r.cells = {fast, slow, broken};
  return r;
}

}  // namespace agentreplay::reports::fixtures
