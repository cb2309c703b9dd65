#include "reports/prometheus_reporter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace agentreplay::reports {
namespace {

using results::Cell;
using results::Sample;

// Cells with the same four labels, merged: one series per family and label set, even when a
// results document holds two such cells (e.g. a scenario and a recording lifted under its name).
struct Group {
  std::string labels;  // scenario, runtime, variant, world; without braces
  std::vector<const Cell*> cells;
};

std::vector<Group> GroupCells(const results::Results& results) {
  std::vector<Group> groups;
  for (const Cell& cell : results.cells) {
    std::string labels =
        fmt::format("scenario=\"{}\",runtime=\"{}\",variant=\"{}\",world=\"{}\"",
                    EscapeLabelValue(cell.scenario), EscapeLabelValue(cell.runtime),
                    EscapeLabelValue(cell.variant), EscapeLabelValue(cell.world));
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const Group& g) { return g.labels == labels; });
    if (it == groups.end()) {
      groups.push_back({std::move(labels), {&cell}});
    } else {
      it->cells.push_back(&cell);
    }
  }
  return groups;
}

std::string Braced(const std::string& labels, std::string_view extra = {}) {
  return extra.empty() ? "{" + labels + "}" : "{" + labels + "," + std::string(extra) + "}";
}

// The group's non-warm-up turns, only the successful ones when `ok_only`.
std::vector<const Sample*> CountedTurns(const Group& group, bool ok_only) {
  std::vector<const Sample*> turns;
  for (const Cell* cell : group.cells) {
    for (const Sample& s : cell->samples) {
      if (!s.warmup && (s.ok || !ok_only)) turns.push_back(&s);
    }
  }
  return turns;
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

// A bucket bound as a label value: the shortest text that reads back as the same double.
// OpenMetrics asks for canonical numbers, which have a point or an exponent ("1.0").
std::string BucketBound(double bound, MetricsFlavor flavor) {
  std::string text = fmt::format("{}", bound);
  if (flavor == MetricsFlavor::kOpenMetrics && text.find_first_of(".e") == std::string::npos) {
    text += ".0";
  }
  return text;
}

// One metric family, collected before it is written so that a family without samples is left
// out whole (HELP and TYPE of a family with no series only confuse linters and dashboards).
struct Family {
  std::string name;       // without a counter's _total; an info's name without _info
  std::string_view type;  // histogram, counter, gauge or info
  std::string_view unit;
  std::string help;
  std::vector<std::string> lines;

  void Add(std::string_view sample_name, const std::string& labels, double value) {
    lines.push_back(fmt::format("{}{} {}", sample_name, labels, Value(value)));
  }
};

void Write(const Family& family, MetricsFlavor flavor, std::ostream& out) {
  if (family.lines.empty()) return;
  // The Prometheus format names a family after its samples and has no info type.
  std::string shown = family.name;
  std::string_view type = family.type;
  if (flavor == MetricsFlavor::kPrometheus && type == "counter") shown += "_total";
  if (flavor == MetricsFlavor::kPrometheus && type == "info") {
    shown += "_info";
    type = "gauge";
  }
  out << fmt::format("# TYPE {} {}\n", shown, type);
  if (flavor == MetricsFlavor::kOpenMetrics && !family.unit.empty()) {
    out << fmt::format("# UNIT {} {}\n", family.name, family.unit);
  }
  out << fmt::format("# HELP {} {}\n", shown, EscapeHelp(family.help, flavor));
  for (const std::string& line : family.lines) out << line << '\n';
}

// The values a latency histogram observes for one group, in the catalog's unit.
std::vector<double> Observations(const Group& group, std::string_view metric) {
  std::vector<double> values;
  auto add = [&](double v) {
    if (std::isfinite(v)) values.push_back(v);
  };
  for (const Sample* s : CountedTurns(group, /*ok_only=*/true)) {
    if (metric == "itl_ms") {
      for (double gap : s->itl_ms) add(gap);
    } else if (metric == "fidelity_ms") {
      for (double lateness : s->fidelity_ms) add(lateness);
    } else if (const auto it = s->metrics.find(std::string(metric)); it != s->metrics.end()) {
      add(it->second);
    }
  }
  return values;
}

Family Histogram(const std::vector<Group>& groups, const results::MetricInfo& info,
                 const ExposedMetric& exposed, MetricsFlavor flavor) {
  Family family{exposed.family, "histogram", exposed.unit, std::string(info.description), {}};
  for (const Group& group : groups) {
    std::vector<double> values = Observations(group, info.name);
    if (values.empty()) continue;  // an empty histogram would read as "measured, nothing seen"
    // Summed before the conversion: one rounding instead of one per value.
    double sum = 0;
    for (double v : values) sum += v;
    sum /= exposed.per_unit;
    for (double& v : values) v /= exposed.per_unit;
    std::sort(values.begin(), values.end());
    for (double bound : LatencyBucketsSeconds()) {
      const auto below = std::upper_bound(values.begin(), values.end(), bound) - values.begin();
      family.Add(family.name + "_bucket",
                 Braced(group.labels, fmt::format("le=\"{}\"", BucketBound(bound, flavor))),
                 static_cast<double>(below));
    }
    family.Add(family.name + "_bucket", Braced(group.labels, "le=\"+Inf\""),
               static_cast<double>(values.size()));
    // OpenMetrics treats _sum as a counter: a negative one (fidelity can be early) is omitted.
    if (flavor == MetricsFlavor::kPrometheus || sum >= 0) {
      family.Add(family.name + "_sum", Braced(group.labels), sum);
    }
    family.Add(family.name + "_count", Braced(group.labels), static_cast<double>(values.size()));
  }
  return family;
}

Family Counter(const std::vector<Group>& groups, const results::MetricInfo& info,
               const ExposedMetric& exposed) {
  Family family{exposed.family, "counter", exposed.unit, std::string(info.description), {}};
  for (const Group& group : groups) {
    double total = 0;
    bool defined = false;  // absent from every turn: no series, as in the results (not zero)
    for (const Sample* s : CountedTurns(group, /*ok_only=*/false)) {
      const auto it = s->metrics.find(std::string(info.name));
      if (it == s->metrics.end() || !std::isfinite(it->second)) continue;
      total += it->second;
      defined = true;
    }
    if (defined) family.Add(family.name + "_total", Braced(group.labels), total / exposed.per_unit);
  }
  return family;
}

void WriteTurns(const std::vector<Group>& groups, MetricsFlavor flavor, std::ostream& out) {
  Family turns{"agentreplay_turns",
               "counter",
               "",
               "turns measured (warm-up turns excluded), by outcome: ok or error",
               {}};
  Family errors{"agentreplay_turn_errors",
                "counter",
                "",
                "turns that ended in an error, by error kind and stable reason",
                {}};
  Family endpoints{"agentreplay_endpoint_requests", "counter", "", "requests per API endpoint", {}};
  for (const Group& group : groups) {
    const std::vector<const Sample*> counted = CountedTurns(group, /*ok_only=*/false);
    std::map<std::pair<std::string, std::string>, int64_t> by_cause;
    std::map<std::string, int64_t> by_endpoint;
    int64_t failed = 0;
    for (const Sample* s : counted) {
      if (!s->ok) {
        ++failed;
        ++by_cause[{s->error_kind, s->error_reason}];
      }
      for (const auto& [endpoint, n] : s->requests_by_endpoint) by_endpoint[endpoint] += n;
    }
    // Both outcomes always, zero included, so that error rates divide by a present series.
    turns.Add("agentreplay_turns_total", Braced(group.labels, "outcome=\"ok\""),
              static_cast<double>(counted.size()) - static_cast<double>(failed));
    turns.Add("agentreplay_turns_total", Braced(group.labels, "outcome=\"error\""),
              static_cast<double>(failed));
    for (const auto& [cause, n] : by_cause) {
      errors.Add("agentreplay_turn_errors_total",
                 Braced(group.labels,
                        fmt::format("kind=\"{}\",reason=\"{}\"", EscapeLabelValue(cause.first),
                                    EscapeLabelValue(cause.second))),
                 static_cast<double>(n));
    }
    for (const auto& [endpoint, n] : by_endpoint) {
      endpoints.Add(
          "agentreplay_endpoint_requests_total",
          Braced(group.labels, fmt::format("endpoint=\"{}\"", EscapeLabelValue(endpoint))),
          static_cast<double>(n));
    }
  }
  Write(turns, flavor, out);
  Write(errors, flavor, out);
  Write(endpoints, flavor, out);
}

void WriteChecks(const std::vector<Group>& groups, MetricsFlavor flavor, std::ostream& out) {
  Family checks{"agentreplay_checks",
                "gauge",
                "",
                "scenario checks of the cell by result: passed (in every repetition) or failed",
                {}};
  for (const Group& group : groups) {
    int64_t passed = 0, failed = 0;
    for (const Cell* cell : group.cells) {
      for (const results::Check& check : cell->checks) ++(check.ok ? passed : failed);
    }
    if (passed + failed == 0) continue;  // a scenario without checks
    checks.Add("agentreplay_checks", Braced(group.labels, "result=\"passed\""),
               static_cast<double>(passed));
    checks.Add("agentreplay_checks", Braced(group.labels, "result=\"failed\""),
               static_cast<double>(failed));
  }
  Write(checks, flavor, out);
}

void WriteBuildInfo(const results::Context& context, MetricsFlavor flavor, std::ostream& out) {
  Family info{
      "agentreplay_build", "info", "", "the agentreplay build that produced the results", {}};
  info.Add("agentreplay_build_info",
           fmt::format("{{version=\"{}\",git_revision=\"{}\",world=\"{}\"}}",
                       EscapeLabelValue(context.version), EscapeLabelValue(context.git_revision),
                       EscapeLabelValue(context.world)),
           1);
  Write(info, flavor, out);
}

// x * 10^exponent as the double nearest the decimal (both operands exact, one rounding).
double Decimal(int x, int exponent) {
  double power = 1;
  for (int i = 0; i < std::abs(exponent); ++i) power *= 10;
  return exponent < 0 ? x / power : x * power;
}

}  // namespace

std::optional<ExposedMetric> ExpositionOf(const results::MetricInfo& info) {
  const std::string name(info.name);
  // Names that need more than a suffix rule: "bytes_up" has its unit in front, and `errors` is
  // already agentreplay_turns_total{outcome="error"}.
  if (name == "errors") return std::nullopt;
  if (name == "bytes_up") return ExposedMetric{"agentreplay_request_bytes", "counter", "bytes"};
  if (name == "bytes_down") return ExposedMetric{"agentreplay_response_bytes", "counter", "bytes"};
  auto stem = [&](std::string_view suffix) {
    return "agentreplay_" + name.substr(0, name.size() - suffix.size());
  };
  if (info.unit == "ms") {
    return ExposedMetric{stem("_ms") + "_seconds", "histogram", "seconds", 1000};
  }
  if (info.unit == "us") return ExposedMetric{stem("_us") + "_seconds", "counter", "seconds", 1e6};
  if (info.unit == "bytes" || info.unit == "usd") {
    return ExposedMetric{"agentreplay_" + name, "counter", info.unit};
  }
  return ExposedMetric{"agentreplay_" + name, "counter", ""};  // counts and tokens
}

const std::vector<double>& LatencyBucketsSeconds() {
  static const std::vector<double> kBuckets = [] {
    // 10^(i/24) to three digits: every decade repeats the same steps, so 1 ms, 10 ms ... 100 s
    // are bounds and neighbours differ by 9.7-10.5%. Linear interpolation inside so narrow a
    // bucket keeps histogram_quantile within a few percent of the true quantile (see
    // metrics_reporter_test); 121 bounds per histogram is the price.
    constexpr int kSteps[] = {100, 110, 121, 133, 147, 162, 178, 196, 215, 237, 261, 287,
                              316, 348, 383, 422, 464, 511, 562, 619, 681, 750, 825, 909};
    std::vector<double> bounds;
    for (int decade = -3; decade <= 1; ++decade) {
      for (int step : kSteps) bounds.push_back(Decimal(step, decade - 2));
    }
    bounds.push_back(100);
    return bounds;
  }();
  return kBuckets;
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  ForEachCodePoint(value, [&out](std::string_view sequence, char32_t c) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7F) {
      // Both formats define only the three escapes above and need UTF-8; a raw control
      // character (a NUL, a CR that ends the line early) would break a parser's line or label,
      // so it becomes U+FFFD, like a byte that is not UTF-8.
      out += kReplacementCharacter;
    } else {
      out += sequence;
    }
  });
  return out;
}

std::string_view MetricsContentType(MetricsFlavor flavor) {
  return flavor == MetricsFlavor::kPrometheus
             ? "text/plain; version=0.0.4; charset=utf-8"
             : "application/openmetrics-text; version=1.0.0; charset=utf-8";
}

void PrometheusReporter::Report(const ReportInput& input, std::ostream& out) {
  const std::vector<Group> groups = GroupCells(input.results);
  WriteBuildInfo(input.results.context, flavor_, out);
  for (const results::MetricInfo& info : results::MetricCatalog()) {
    const std::optional<ExposedMetric> exposed = ExpositionOf(info);
    if (!exposed) continue;
    Write(exposed->type == "histogram" ? Histogram(groups, info, *exposed, flavor_)
                                       : Counter(groups, info, *exposed),
          flavor_, out);
  }
  WriteTurns(groups, flavor_, out);
  WriteChecks(groups, flavor_, out);
  if (flavor_ == MetricsFlavor::kOpenMetrics) out << "# EOF\n";
}

}  // namespace agentreplay::reports
