#include "reports/gbench_reporter.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "reports/json_writer.h"
#include "reports/table.h"
#include "reports/turn_errors.h"

namespace agentreplay::reports {
namespace {

// The values a benchmark's repetitions hold: one per successful, non-warm-up turn, or for
// itl_ms (a distribution, not one value per turn) every gap of those turns.
std::vector<double> RepetitionValues(const results::Cell& cell, const std::string& metric) {
  std::vector<double> values;
  for (const results::Sample& s : cell.samples) {
    if (!s.ok || s.warmup) continue;
    if (metric == "itl_ms") {
      for (double gap : s.itl_ms) {
        if (std::isfinite(gap)) values.push_back(gap);
      }
      continue;
    }
    const auto it = s.metrics.find(metric);
    if (it != s.metrics.end() && std::isfinite(it->second)) values.push_back(it->second);
  }
  return values;
}

// A cell where every turn failed measured nothing, yet it must not vanish: it gets an errored
// benchmark in each family another cell measured (e2e_ms always, every turn has one).
bool AnyCellMeasured(const results::Results& results, const std::string& metric) {
  if (metric == "e2e_ms") return true;
  for (const results::Cell& cell : results.cells) {
    const results::Summary* summary = results::FindStat(cell, metric);
    if (summary != nullptr && summary->count > 0) return true;
  }
  return false;
}

std::string LowerCase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

void WriteContext(const results::Context& context, JsonWriter& w) {
  w.Key("context");
  w.StartObject();
  w.Key("date");
  w.String(context.started_at);
  w.Key("host_name");
  w.String(context.hostname);
  w.Key("executable");
  w.String("agentreplay");
  w.Key("num_cpus");
  w.Int(context.cpus);
  w.Key("mhz_per_cpu");
  w.Int(0);
  w.Key("caches");
  w.StartArray();
  w.EndArray();
  w.Key("load_avg");
  w.StartArray();
  w.EndArray();
  w.Key("library_version");
  w.String(context.version);
  w.Key("library_build_type");
  const std::string build = LowerCase(context.build_type);
  w.String(build == "debug" ? "debug" : "release");
  w.Key("json_schema_version");
  w.Int(1);
  // Extra context entries are strings, as Google Benchmark's own AddCustomContext writes them.
  for (const auto& [key, value] : std::vector<std::pair<std::string_view, std::string>>{
           {"agentreplay_world", context.world},
           {"agentreplay_seed", fmt::format("{}", context.seed)},
           {"agentreplay_git_revision", context.git_revision},
           {"agentreplay_command_line", context.command_line}}) {
    w.Key(key);
    w.String(value);
  }
  w.EndObject();
}

struct Entry {
  std::string name;
  std::string run_name;
  int64_t family_index = 0;
  int64_t instance_index = 0;
  int64_t repetitions = 0;
  int64_t repetition_index = -1;  // -1: an aggregate
  std::string aggregate_name;
  int64_t iterations = 1;
  double value = 0;
  std::optional<std::string> error_message;  // error_occurred, as Google Benchmark writes it
  // User counters (Google Benchmark writes them as extra numeric keys): the cell's turn errors.
  std::vector<std::pair<std::string, double>> counters;
};

std::vector<std::pair<std::string, double>> ErrorCounters(const TurnErrors& errors) {
  if (errors.errors == 0) return {};
  return {{"turns", static_cast<double>(errors.turns)},
          {"error_turns", static_cast<double>(errors.errors)},
          {"error_rate", errors.RatePercent()}};
}

void WriteEntry(const Entry& e, JsonWriter& w) {
  const bool aggregate = e.repetition_index < 0;
  w.StartObject();
  w.Key("name");
  w.String(e.name);
  w.Key("family_index");
  w.Int(e.family_index);
  w.Key("per_family_instance_index");
  w.Int(e.instance_index);
  w.Key("run_name");
  w.String(e.run_name);
  w.Key("run_type");
  w.String(aggregate ? "aggregate" : "iteration");
  w.Key("repetitions");
  w.Int(e.repetitions);
  if (!aggregate) {
    w.Key("repetition_index");
    w.Int(e.repetition_index);
  }
  w.Key("threads");
  w.Int(1);
  if (aggregate) {
    w.Key("aggregate_name");
    w.String(e.aggregate_name);
    w.Key("aggregate_unit");
    w.String("time");
  }
  if (e.error_message) {
    w.Key("error_occurred");
    w.Bool(true);
    w.Key("error_message");
    w.String(*e.error_message);
  }
  w.Key("iterations");
  w.Int(e.iterations);
  w.Key("real_time");
  w.Double(e.value);
  w.Key("cpu_time");
  w.Double(e.value);
  w.Key("time_unit");
  w.String("ms");
  for (const auto& [name, value] : e.counters) {
    w.Key(name);
    w.Double(value);
  }
  w.EndObject();
}

}  // namespace

void GbenchReporter::Report(const ReportInput& input, std::ostream& out) {
  JsonWriter w;
  w.StartObject();
  WriteContext(input.results.context, w);
  w.Key("benchmarks");
  w.StartArray();
  const std::vector<std::string_view> metrics = LatencyMetrics();
  for (size_t m = 0; m < metrics.size(); ++m) {
    const std::string metric(metrics[m]);
    const bool family_measured = AnyCellMeasured(input.results, metric);
    int64_t instance = 0;
    for (const results::Cell& cell : input.results.cells) {
      const TurnErrors errors = CountTurnErrors(cell);
      Entry e;
      e.run_name = fmt::format("{}/{}", metric, BenchmarkName(cell));
      e.family_index = static_cast<int64_t>(m);
      e.counters = ErrorCounters(errors);
      const results::Summary* summary = results::FindStat(cell, metric);
      if (summary == nullptr || summary->count == 0) {
        if (!errors.AllFailed() || !family_measured) continue;
        // What Google Benchmark writes for a benchmark that called SkipWithError.
        e.name = e.run_name;
        e.instance_index = instance++;
        e.repetitions = 1;
        e.repetition_index = 0;
        e.iterations = 0;
        e.error_message = TurnErrorSummary(errors);
        WriteEntry(e, w);
        continue;
      }
      const std::vector<double> values = RepetitionValues(cell, metric);
      e.instance_index = instance++;
      e.repetitions = static_cast<int64_t>(values.size());
      for (size_t i = 0; i < values.size(); ++i) {
        e.name = e.run_name;
        e.repetition_index = static_cast<int64_t>(i);
        e.value = values[i];
        WriteEntry(e, w);
      }
      e.repetition_index = -1;
      e.iterations = e.repetitions;
      for (const auto& [aggregate, value] : std::vector<std::pair<std::string, double>>{
               {"mean", summary->mean}, {"median", summary->p50}, {"stddev", summary->stddev}}) {
        e.name = e.run_name + "_" + aggregate;
        e.aggregate_name = aggregate;
        e.value = value;
        WriteEntry(e, w);
      }
    }
  }
  w.EndArray();
  w.EndObject();
  out << w.Text();
}

}  // namespace agentreplay::reports
