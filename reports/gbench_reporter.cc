#include "reports/gbench_reporter.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <string>
#include <vector>

#include "reports/json_writer.h"
#include "reports/table.h"

namespace agentreplay::reports {
namespace {

// Per-turn latency metrics (itl_ms is a distribution of gaps, not one value per turn).
std::vector<std::string_view> BenchmarkedMetrics() {
  std::vector<std::string_view> metrics;
  for (std::string_view metric : LatencyMetrics()) {
    if (metric != "itl_ms") metrics.push_back(metric);
  }
  return metrics;
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
};

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
  w.Key("iterations");
  w.Int(e.iterations);
  w.Key("real_time");
  w.Double(e.value);
  w.Key("cpu_time");
  w.Double(e.value);
  w.Key("time_unit");
  w.String("ms");
  w.EndObject();
}

}  // namespace

void GbenchReporter::Report(const ReportInput& input, std::ostream& out) {
  JsonWriter w;
  w.StartObject();
  WriteContext(input.results.context, w);
  w.Key("benchmarks");
  w.StartArray();
  const std::vector<std::string_view> metrics = BenchmarkedMetrics();
  for (size_t m = 0; m < metrics.size(); ++m) {
    const std::string metric(metrics[m]);
    int64_t instance = 0;
    for (const results::Cell& cell : input.results.cells) {
      const results::Summary* summary = results::FindStat(cell, metric);
      if (summary == nullptr || summary->count == 0) continue;
      std::vector<double> values;
      for (const results::Sample& s : cell.samples) {
        if (!s.ok || s.warmup) continue;
        const auto it = s.metrics.find(metric);
        if (it != s.metrics.end() && std::isfinite(it->second)) values.push_back(it->second);
      }
      Entry e;
      e.run_name = fmt::format("{}/{}", metric, BenchmarkName(cell));
      e.family_index = static_cast<int64_t>(m);
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
