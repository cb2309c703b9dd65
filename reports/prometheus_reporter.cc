#include "reports/prometheus_reporter.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "reports/table.h"

namespace agentreplay::reports {
namespace {

using results::Cell;
using results::Sample;

// Count-like metrics exported as counters (everything in the catalog that is not a latency).
bool IsCounterMetric(const results::MetricInfo& info) { return info.unit != "ms"; }

std::string Labels(const Cell& cell, std::string_view extra = {}) {
  std::string labels = fmt::format("scenario=\"{}\",runtime=\"{}\",variant=\"{}\",world=\"{}\"",
                                   EscapeLabelValue(cell.scenario), EscapeLabelValue(cell.runtime),
                                   EscapeLabelValue(cell.variant), EscapeLabelValue(cell.world));
  if (!extra.empty()) labels += "," + std::string(extra);
  return "{" + labels + "}";
}

// Sample values: integers without a decimal point, other numbers in their shortest exact form.
std::string Value(double value) {
  if (value == std::trunc(value) && std::fabs(value) < 1e15) return fmt::format("{:.0f}", value);
  return fmt::format("{}", value);
}

// HELP text: backslash and line feed escaped (both formats); OpenMetrics also escapes quotes.
std::string EscapeHelp(std::string_view text, MetricsFlavor flavor) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && flavor == MetricsFlavor::kOpenMetrics) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

// A bucket bound as a label value. OpenMetrics asks for canonical numbers (Go's %g with ".0"
// when there is neither a point nor an exponent); the Prometheus format takes plain %g.
std::string BucketBound(double bound, MetricsFlavor flavor) {
  std::string text = fmt::format("{:g}", bound);
  if (flavor == MetricsFlavor::kOpenMetrics && text.find_first_of(".e") == std::string::npos) {
    text += ".0";
  }
  return text;
}

class Writer {
 public:
  Writer(MetricsFlavor flavor, std::ostream& out) : flavor_(flavor), out_(out) {}

  // TYPE, UNIT (OpenMetrics, when the name ends with it) and HELP of a family. `name` is the
  // family name without a counter's _total.
  void Family(const std::string& name, std::string_view type, std::string_view unit,
              std::string_view help) {
    // The Prometheus format names a family after its samples (and has no info type).
    std::string shown = name;
    std::string_view shown_type = type;
    if (flavor_ == MetricsFlavor::kPrometheus && type == "counter") shown += "_total";
    if (flavor_ == MetricsFlavor::kPrometheus && type == "info") {
      shown += "_info";
      shown_type = "gauge";
    }
    out_ << fmt::format("# TYPE {} {}\n", shown, shown_type);
    if (flavor_ == MetricsFlavor::kOpenMetrics && !unit.empty() &&
        name.ends_with("_" + std::string(unit))) {
      out_ << fmt::format("# UNIT {} {}\n", name, unit);
    }
    out_ << fmt::format("# HELP {} {}\n", shown, EscapeHelp(help, flavor_));
  }

  void Sample(const std::string& name, const std::string& labels, double value) {
    out_ << name << labels << ' ' << Value(value) << '\n';
  }

  MetricsFlavor flavor() const { return flavor_; }

 private:
  MetricsFlavor flavor_;
  std::ostream& out_;
};

std::vector<const Sample*> CountedTurns(const Cell& cell, bool ok_only) {
  std::vector<const Sample*> turns;
  for (const Sample& s : cell.samples) {
    if (!s.warmup && (s.ok || !ok_only)) turns.push_back(&s);
  }
  return turns;
}

// The values a latency histogram observes for one cell.
std::vector<double> Observations(const Cell& cell, std::string_view metric) {
  std::vector<double> values;
  for (const Sample* s : CountedTurns(cell, /*ok_only=*/true)) {
    if (metric == "itl_ms") {
      for (double gap : s->itl_ms) {
        if (std::isfinite(gap)) values.push_back(gap);
      }
      continue;
    }
    const auto it = s->metrics.find(std::string(metric));
    if (it != s->metrics.end() && std::isfinite(it->second)) values.push_back(it->second);
  }
  return values;
}

void WriteHistogram(const results::Results& results, const results::MetricInfo& info, Writer& w) {
  const std::string name = fmt::format("agentreplay_{}", info.name);
  w.Family(name, "histogram", info.unit, info.description);
  for (const Cell& cell : results.cells) {
    const std::vector<double> values = Observations(cell, info.name);
    double sum = 0;
    for (double v : values) sum += v;
    for (double bound : LatencyBucketsMs()) {
      int64_t below = 0;
      for (double v : values) below += v <= bound ? 1 : 0;
      w.Sample(name + "_bucket",
               Labels(cell, fmt::format("le=\"{}\"", BucketBound(bound, w.flavor()))),
               static_cast<double>(below));
    }
    w.Sample(name + "_bucket", Labels(cell, "le=\"+Inf\""), static_cast<double>(values.size()));
    w.Sample(name + "_sum", Labels(cell), sum);
    w.Sample(name + "_count", Labels(cell), static_cast<double>(values.size()));
  }
}

void WriteCounter(const results::Results& results, const results::MetricInfo& info, Writer& w) {
  const std::string name = fmt::format("agentreplay_{}", info.name);
  w.Family(name, "counter", info.unit, info.description);
  for (const Cell& cell : results.cells) {
    double total = 0;
    for (const Sample* s : CountedTurns(cell, /*ok_only=*/false)) {
      const auto it = s->metrics.find(std::string(info.name));
      if (it != s->metrics.end() && std::isfinite(it->second)) total += it->second;
    }
    w.Sample(name + "_total", Labels(cell), total);
  }
}

void WriteTurnCounters(const results::Results& results, Writer& w) {
  w.Family("agentreplay_turns", "counter", "", "turns measured (warm-up turns excluded)");
  for (const Cell& cell : results.cells) {
    w.Sample("agentreplay_turns_total", Labels(cell),
             static_cast<double>(CountedTurns(cell, false).size()));
  }
  w.Family("agentreplay_error_turns", "counter", "", "turns that ended in an error");
  for (const Cell& cell : results.cells) {
    double failed = 0;
    for (const Sample* s : CountedTurns(cell, false)) failed += s->ok ? 0 : 1;
    w.Sample("agentreplay_error_turns_total", Labels(cell), failed);
  }
  w.Family("agentreplay_endpoint_requests", "counter", "", "requests per API endpoint");
  for (const Cell& cell : results.cells) {
    std::map<std::string, int64_t> by_endpoint;
    for (const Sample* s : CountedTurns(cell, false)) {
      for (const auto& [endpoint, n] : s->requests_by_endpoint) by_endpoint[endpoint] += n;
    }
    for (const auto& [endpoint, n] : by_endpoint) {
      w.Sample("agentreplay_endpoint_requests_total",
               Labels(cell, fmt::format("endpoint=\"{}\"", EscapeLabelValue(endpoint))),
               static_cast<double>(n));
    }
  }
}

void WriteChecks(const results::Results& results, Writer& w) {
  w.Family("agentreplay_checks", "gauge", "", "scenario checks evaluated for the cell");
  for (const Cell& cell : results.cells) {
    w.Sample("agentreplay_checks", Labels(cell), static_cast<double>(cell.checks.size()));
  }
  w.Family("agentreplay_checks_failed", "gauge", "", "scenario checks that failed in the cell");
  for (const Cell& cell : results.cells) {
    double failed = 0;
    for (const results::Check& check : cell.checks) failed += check.ok ? 0 : 1;
    w.Sample("agentreplay_checks_failed", Labels(cell), failed);
  }
}

void WriteBuildInfo(const results::Context& context, Writer& w) {
  w.Family("agentreplay_build", "info", "", "the agentreplay build that produced the results");
  w.Sample("agentreplay_build_info",
           fmt::format("{{version=\"{}\",git_revision=\"{}\",world=\"{}\"}}",
                       EscapeLabelValue(context.version), EscapeLabelValue(context.git_revision),
                       EscapeLabelValue(context.world)),
           1);
}

}  // namespace

const std::vector<double>& LatencyBucketsMs() {
  static const std::vector<double> kBuckets = {1,   2,    5,    10,   20,    50,    100,   200,
                                               500, 1000, 2000, 5000, 10000, 20000, 50000, 100000};
  return kBuckets;
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string_view MetricsContentType(MetricsFlavor flavor) {
  return flavor == MetricsFlavor::kPrometheus
             ? "text/plain; version=0.0.4; charset=utf-8"
             : "application/openmetrics-text; version=1.0.0; charset=utf-8";
}

void PrometheusReporter::Report(const ReportInput& input, std::ostream& out) {
  Writer w(flavor_, out);
  WriteBuildInfo(input.results.context, w);
  for (const results::MetricInfo& info : results::MetricCatalog()) {
    if (IsCounterMetric(info)) {
      WriteCounter(input.results, info, w);
    } else {
      WriteHistogram(input.results, info, w);
    }
  }
  WriteTurnCounters(input.results, w);
  WriteChecks(input.results, w);
  if (flavor_ == MetricsFlavor::kOpenMetrics) out << "# EOF\n";
}

}  // namespace agentreplay::reports
