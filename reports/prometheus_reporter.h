// Metrics for Prometheus: the text exposition format (0.0.4, what a Pushgateway takes) or
// OpenMetrics 1.0 text (ends with "# EOF"). Every series carries the labels scenario, runtime,
// variant and world; no timestamps (the scrape or push time is the time).
//
// - Latency metrics (the catalog's millisecond metrics) are histograms, agentreplay_<metric>
//   (e.g. agentreplay_ttft_ms), over the cell's successful, non-warm-up turns, with buckets
//   from 1 ms to 100 s on a 1-2-5 ladder (kLatencyBucketsMs); itl_ms observes every gap.
// - Counts, bytes, tokens, cost and CPU time are counters, agentreplay_<metric>_total, summed
//   over the cell's non-warm-up turns (failed turns did send their requests).
// - agentreplay_turns_total and agentreplay_error_turns_total count turns and failed turns;
//   agentreplay_endpoint_requests_total splits requests by endpoint (label `endpoint`);
//   agentreplay_checks and agentreplay_checks_failed are gauges of the scenario checks;
//   agentreplay_build_info carries version and git revision.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "reports/reporter.h"

namespace agentreplay::reports {

enum class MetricsFlavor { kPrometheus, kOpenMetrics };

class PrometheusReporter : public Reporter {
 public:
  explicit PrometheusReporter(MetricsFlavor flavor = MetricsFlavor::kPrometheus)
      : flavor_(flavor) {}
  void Report(const ReportInput& input, std::ostream& out) override;
  std::string_view DefaultFileName() const override {
    return flavor_ == MetricsFlavor::kPrometheus ? "metrics.prom" : "metrics.openmetrics.txt";
  }

 private:
  MetricsFlavor flavor_;
};

// Upper bounds of the latency histograms' buckets, milliseconds (+Inf is implied).
const std::vector<double>& LatencyBucketsMs();

// A label value escaped for both formats: backslash, double quote and line feed.
std::string EscapeLabelValue(std::string_view value);

// The content type to send or serve the text with.
std::string_view MetricsContentType(MetricsFlavor flavor);

}  // namespace agentreplay::reports
