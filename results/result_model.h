// The result model: what a run measured, as plain data. Statistics are computed once, by the
// harness, and stored here; reporters only format what they find (Google Benchmark's `Run`
// plays the same role there). reports/ depends on this header and nothing else of harness/.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentreplay::results {

inline constexpr const char* kResultsSchemaV1 = "agentreplay.results/v1";

// Where and how a run happened: enough to reproduce it and to refuse comparing apples with
// oranges.
struct Context {
  std::string version;       // agentreplay version
  std::string git_revision;  // of the agentreplay build, "unknown" outside a checkout
  std::string build_type;    // Release, Debug, ...
  std::string world;         // "sim" or "real"
  uint64_t seed = 0;
  int repetitions = 0;
  std::string started_at;  // UTC, ISO 8601
  std::string hostname;
  int cpus = 0;
  std::string os;
  std::string command_line;
  int warmup = 0;  // warm-up repetitions per cell, run first and left out of the statistics
  // What decides the cells and their samples (scenario files, variants, runtimes, seed,
  // repetitions, world, build): equal plans give equal cells, so shards of one run share it
  // and `merge` refuses documents whose plans differ. Empty in documents written before it.
  std::string plan;
  int planned_cells = 0;  // cells in the whole plan (every shard's); 0 when unknown
  // Set when this document holds one shard of the plan: the cells whose plan index i has
  // i % shard_count == shard_index - 1, in plan order. 0/0 for a whole run.
  int shard_index = 0;  // 1-based
  int shard_count = 0;
};

// One measured turn: one repetition of one user turn of a cell's scenario.
struct Sample {
  int repetition = 0;   // 0-based, warm-up repetitions included
  bool warmup = false;  // kept for the record, left out of every statistic
  int turn = 0;         // 0-based index into the scenario's turns
  bool ok = true;
  std::string error_kind;    // empty when ok
  std::string error_reason;  // stable code, e.g. "http_400", "stream_truncated"
  std::string error_message;
  // Scalar metrics by stable name (see MetricCatalog()); a metric the turn cannot define
  // (ttft_ms of a turn with no text) is absent, not zero.
  std::map<std::string, double> metrics;
  // The critical path: segments that add up to e2e_ms exactly.
  std::map<std::string, double> segments;
  std::map<std::string, int64_t> requests_by_endpoint;
  std::vector<double> itl_ms;  // the turn's inter-token gaps
  // Real world only: per streamed event, client arrival minus the instant the served mock was
  // due to write it (ms). The run's noise floor.
  std::vector<double> fidelity_ms;
};

struct Interval {
  double low = 0;
  double high = 0;
};

// Summary statistics of one metric over a cell's successful, non-warm-up samples.
struct Summary {
  int64_t count = 0;
  double min = 0, p50 = 0, p90 = 0, p95 = 0, p99 = 0, max = 0, mean = 0, stddev = 0;
  // Seeded percentile-bootstrap 95% confidence intervals; absent below 2 values.
  std::optional<Interval> median_ci;
  std::optional<Interval> mean_ci;
  // Values outside Tukey's fences (Q1 - 1.5 IQR, Q3 + 1.5 IQR): flagged, never dropped.
  std::vector<double> outliers;
};

// One expectation of the scenario, evaluated over every repetition.
struct Check {
  std::string name;  // e.g. "turn 1: answer contains \"Tokyo\""
  bool ok = true;    // passed in every repetition
  int passed = 0;    // repetitions that passed
  int total = 0;
  std::string detail;  // the first failure's explanation, empty when ok
};

// Where a cell's model behaviour came from.
struct CellSource {
  std::string kind = "scenario";  // "scenario", "lifted" (from a recording) or "cassette"
  std::string path;               // the file given to `run`
  std::string origin;             // a recording's own source, e.g. "record http://..."
  bool operator==(const CellSource&) const = default;
};

struct Cell {
  std::string scenario;
  std::string runtime;
  std::string variant;
  std::string world;
  CellSource source;  // written when it says more than "scenario" with no path
  std::vector<Sample> samples;
  // Per metric name; "itl_ms" pools every gap of every sample; "segment.<name>" summarises
  // each critical-path segment.
  std::map<std::string, Summary> stats;
  std::vector<Check> checks;
  int64_t error_samples = 0;
  int64_t warmup_samples = 0;  // samples flagged warm-up, outside the statistics
  // The cell this one is compared with: the same scenario's baseline variant (on the same
  // runtime when there is one), as "runtime/variant"; empty for a baseline cell or when the
  // run has none.
  std::string baseline;
  // Relative change of each metric's p50 against that cell: (p50 - base) / base, for the
  // metrics both have with a non-zero base.
  std::map<std::string, double> change_vs_baseline;
};

struct Results {
  std::string schema = kResultsSchemaV1;
  Context context;
  std::vector<Cell> cells;
};

// The stable metric names, their units and meaning. Dashboards and gates key on these.
struct MetricInfo {
  std::string_view name;
  std::string_view unit;  // "ms", "count", "bytes", "tokens", "us", "usd"
  std::string_view description;
};
const std::vector<MetricInfo>& MetricCatalog();
const MetricInfo* FindMetric(std::string_view name);

// The critical-path segment names, in display order.
const std::vector<std::string_view>& SegmentNames();

// Convenience for reporters: the summary of `metric` in `cell`, if measured.
const Summary* FindStat(const Cell& cell, std::string_view metric);

}  // namespace agentreplay::results
