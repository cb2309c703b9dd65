#include "reports/bencher_reporter.h"

#include <algorithm>
#include <string>

#include "reports/json_writer.h"
#include "reports/table.h"
#include "reports/turn_errors.h"

namespace agentreplay::reports {
namespace {

std::string Slug(std::string_view metric) {
  std::string slug(metric);
  for (char& c : slug) {
    if (c == '_') c = '-';
  }
  return slug;
}

}  // namespace

void BencherReporter::Report(const ReportInput& input, std::ostream& out) {
  JsonWriter w;
  w.StartObject();
  for (const results::Cell& cell : input.results.cells) {
    // A cell where every turn failed has no latency, but its error rate keeps it in view.
    const TurnErrors errors = CountTurnErrors(cell);
    const bool measured = std::any_of(cell.stats.begin(), cell.stats.end(), [](const auto& stat) {
      return stat.second.count > 0 && results::FindMetric(stat.first) != nullptr;
    });
    if (!measured && errors.turns == 0) continue;
    w.Key(BenchmarkName(cell));
    w.StartObject();
    for (const results::MetricInfo& info : results::MetricCatalog()) {
      const results::Summary* s = results::FindStat(cell, info.name);
      if (s == nullptr || s->count == 0) continue;
      w.Key(Slug(info.name));
      w.StartObject();
      w.Key("value");
      w.Double(s->p50);
      if (s->median_ci) {
        w.Key("lower_value");
        w.Double(s->median_ci->low);
        w.Key("upper_value");
        w.Double(s->median_ci->high);
      }
      w.EndObject();
    }
    if (errors.turns > 0) {
      w.Key("error-rate");
      w.StartObject();
      w.Key("value");
      w.Double(errors.RatePercent());
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndObject();
  out << w.Text();
}

}  // namespace agentreplay::reports
