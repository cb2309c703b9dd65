#include "reports/github_benchmark_reporter.h"

#include <fmt/format.h>

#include <string>
#include <vector>

#include "reports/json_writer.h"
#include "reports/table.h"
#include "reports/turn_errors.h"

namespace agentreplay::reports {
namespace {

struct Series {
  std::string_view metric;
  std::string_view stat;  // "p50" or "p90"
  double results::Summary::*field;
};

const std::vector<Series>& HeadlineSeries() {
  static const std::vector<Series> kSeries = {
      {"ttfs_ms", "p50", &results::Summary::p50}, {"ttft_ms", "p50", &results::Summary::p50},
      {"e2e_ms", "p50", &results::Summary::p50},  {"e2e_ms", "p90", &results::Summary::p90},
      {"polls", "p50", &results::Summary::p50},   {"requests", "p50", &results::Summary::p50},
  };
  return kSeries;
}

std::string Extra(const results::Summary& s, std::string_view unit) {
  std::string extra = fmt::format("n: {}\nmin: {}\np90: {}\nmax: {}\nmean: {}", s.count,
                                  ValueWithUnit(s.min, unit), ValueWithUnit(s.p90, unit),
                                  ValueWithUnit(s.max, unit), ValueWithUnit(s.mean, unit));
  if (s.median_ci) {
    extra += fmt::format("\nmedian 95% CI: [{}, {}]", FormatValue(s.median_ci->low, unit),
                         FormatValue(s.median_ci->high, unit));
  }
  return extra;
}

}  // namespace

void GithubBenchmarkReporter::Report(const ReportInput& input, std::ostream& out) {
  JsonWriter w;
  w.StartArray();
  for (const results::Cell& cell : input.results.cells) {
    for (const Series& series : HeadlineSeries()) {
      const results::Summary* s = results::FindStat(cell, series.metric);
      if (s == nullptr || s->count == 0) continue;
      const std::string unit = MetricUnit(series.metric);
      w.StartObject();
      w.Key("name");
      w.String(fmt::format("{} {} {}", BenchmarkName(cell), series.metric, series.stat));
      w.Key("unit");
      w.String(unit);
      w.Key("value");
      w.Double(s->*series.field);
      if (series.stat == "p50" && s->median_ci) {
        w.Key("range");
        w.String(fmt::format("\u00b1 {}",
                             FormatValue((s->median_ci->high - s->median_ci->low) / 2, unit)));
      }
      w.Key("extra");
      w.String(Extra(*s, unit));
      w.EndObject();
    }
    // Every measured cell, failed turns or not, so the chart has a point per run and a cell whose
    // turns all failed (no latency above) still shows up.
    const TurnErrors errors = CountTurnErrors(cell);
    if (errors.turns == 0) continue;
    w.StartObject();
    w.Key("name");
    w.String(fmt::format("{} error_rate", BenchmarkName(cell)));
    w.Key("unit");
    w.String("%");
    w.Key("value");
    w.Double(errors.RatePercent());
    w.Key("extra");
    std::string extra = TurnErrorSummary(errors);
    for (const std::string& line : errors.details) extra += "\n" + line;
    w.String(extra);
    w.EndObject();
  }
  w.EndArray();
  out << w.Text();
}

}  // namespace agentreplay::reports
