// github-action-benchmark's `customSmallerIsBetter` input: a JSON array of
// {name, unit, value, range?, extra?}. Per cell (named as BenchmarkName) the medians of the
// headline metrics (ttfs_ms, ttft_ms, e2e_ms, polls, requests) and e2e_ms p90; `range` is the
// half-width of the median's 95% CI ("± 4.2") when the results have one, `extra` the sample
// count and the other statistics for the chart's tooltip. Every measured cell also gets
// "<cell> error_rate" (unit "%": the share of its turns that ended in an error, `extra` the
// reasons and counts), so a cell whose turns all failed is still on the chart. Every value is
// smaller-is-better.
#pragma once

#include "reports/reporter.h"

namespace agentreplay::reports {

class GithubBenchmarkReporter : public Reporter {
 public:
  void Report(const ReportInput& input, std::ostream& out) override;
  std::string_view DefaultFileName() const override { return "github-benchmark.json"; }
};

}  // namespace agentreplay::reports
