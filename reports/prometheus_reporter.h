// Metrics for Prometheus: the text exposition format (0.0.4, what a Pushgateway takes) or
// OpenMetrics 1.0 text (ends with "# EOF"). Every series carries the labels scenario, runtime,
// variant and world; no timestamps (the scrape or push time is the time).
//
// Names follow Prometheus' conventions (base units, a counter's samples end in _total), so they
// differ from the stable catalog names of JSON and CSV; ExpositionOf() is the mapping and
// docs/reports.md lists it:
// - Latency metrics (the catalog's millisecond metrics) are histograms in seconds,
//   agentreplay_<metric without _ms>_seconds (e.g. agentreplay_ttft_seconds), over the cell's
//   successful, non-warm-up turns; itl_ms and fidelity_ms observe every gap and every chunk.
// - Counts, bytes, tokens, cost and CPU time are counters summed over the cell's non-warm-up
//   turns (failed turns did send their requests); agent_cpu_us becomes
//   agentreplay_agent_cpu_seconds_total.
// - agentreplay_turns_total{outcome="ok"|"error"} counts turns (the catalog's `errors`),
//   agentreplay_turn_errors_total{kind,reason} the failed ones by cause,
//   agentreplay_endpoint_requests_total{endpoint} requests by endpoint,
//   agentreplay_checks{result="passed"|"failed"} the scenario checks (a gauge), and
//   agentreplay_build_info the version and git revision.
// A metric no turn of a cell defines (ttfr without reasoning, fidelity in the simulated world)
// has no series for that cell, and a family without series is left out entirely. Cells with the
// same four labels are merged, so no series appears twice.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reports/reporter.h"
#include "results/result_model.h"

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

// How a catalog metric appears in the exposition.
struct ExposedMetric {
  std::string family;     // without a counter's _total, e.g. "agentreplay_e2e_seconds"
  std::string_view type;  // "histogram" or "counter"
  std::string_view unit;  // OpenMetrics unit ("seconds", "bytes", "usd") or empty
  double per_unit = 1;    // catalog units per exposed unit: exposed = catalog / per_unit
};

// The exposition of a catalog metric; nullopt for `errors`, which is the outcome label of
// agentreplay_turns_total instead of a family of its own.
std::optional<ExposedMetric> ExpositionOf(const results::MetricInfo& info);

// Upper bounds of the latency histograms' buckets, seconds (+Inf is implied): 24 per decade
// (a factor of about 1.1) from 1 ms to 100 s.
const std::vector<double>& LatencyBucketsSeconds();

// A label value escaped for both formats: backslash, double quote and line feed; other control
// characters and bytes that are not UTF-8 replaced by U+FFFD.
std::string EscapeLabelValue(std::string_view value);

// The content type to send or serve the text with.
std::string_view MetricsContentType(MetricsFlavor flavor);

}  // namespace agentreplay::reports
