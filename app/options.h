// The command line as typed structs: parsing fills these, commands read them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace agentreplay::app {

struct RunOptions {
  // Scenario files and cassettes (recordings); empty: every shipped scenario.
  std::vector<std::string> scenario_files;
  // Cassettes are replayed lifted (a scenario that runs on every runtime) instead of verbatim.
  bool lift = false;
  // Comma-separated variants and ladder names; empty: the default ladder.
  std::string variants;
  // NAME=VALUE[,VALUE...], repeatable: a setting overridden in every variant, or swept (each
  // variant once per value); harness/packages/setting_sweep.h.
  std::vector<std::string> settings;
  // Empty: each variant runs on its own runtime (p5 → responses, otherwise assistants);
  // otherwise every variant runs on each listed runtime (the runtime A/B).
  std::vector<std::string> runtimes;
  std::string world = "sim";
  std::string base_url;  // --world live: the endpoint, including the API's path
  // Record every repetition as a cassette under this directory (any world).
  std::string record_dir;
  int repetitions = 5;
  uint64_t seed = 1;
  std::string out_dir = "agentreplay-results";
  // Exit 1 when a scenario expectation fails. Off by default: the ladder contains variants
  // that fail checks by design (no vector store, no retries), and gating is compare's job.
  bool fail_on_checks = false;
  // The console table with every column (else fitted to the terminal's width).
  bool wide = false;
  // Keep the agent's workspaces (SQLite data and blob store) under this directory.
  std::string workspace_dir;
  // Report formats written after the run (console to stdout, the others as files in out_dir);
  // see reports::ReporterFormats().
  std::vector<std::string> formats = {"console", "json"};
  // Repetitions run first and kept in the results flagged as warm-up, outside the statistics.
  int warmup = 0;
  // Fault rules applied to every scenario (docs/faults.md), and, in the real world, the factor
  // applied to every scenario time on the served mock (1 = as scripted).
  std::string faults_file;
  double time_scale = 1.0;
  // Prometheus Pushgateway to push the metrics to after the run (empty: none).
  std::string push_url;
  // Workers running repetitions at once; 0: every core in the simulated world, 1 in the real
  // and live worlds (concurrent repetitions there would disturb each other's timing).
  int jobs = 0;
  // "I/N": run the I-th of N deterministic slices of the plan (empty: all of it).
  std::string shard;
  int shard_index = 0;  // parsed from `shard`
  int shard_count = 0;
};

// `compare BASE [HEAD] [--base SEL] [--head SEL] [--gate FILE]`.
struct CompareOptions {
  std::string base_file;
  std::string head_file;      // empty: both sides are selections of base_file
  std::string base_selector;  // e.g. "variant=baseline", "runtime=assistants"
  std::string head_selector;
  std::string gate_file;  // empty: the default gate (user-visible latencies, 5% / 1 ms)
  std::vector<std::string> formats = {"console"};
  std::string out_dir;  // where non-console formats are written; empty: "."
};

// `report RESULTS --format LIST --out DIR [--push URL]`.
struct ReportOptions {
  std::string results_file;
  std::vector<std::string> formats = {"console"};
  std::string out_dir = ".";
  std::string push_url;
  std::string job = "agentreplay";  // Pushgateway job name
  bool wide = false;                // the console table with every column
};

// `merge FILE... [-o FILE]`: the shards of one run (or a run's journal) into one document.
struct MergeOptions {
  std::vector<std::string> files;
  std::string out_file = "results.json";
  std::vector<std::string> formats;  // other reports, written beside out_file (console: stdout)
  bool allow_partial = false;        // merge stopped or missing shards, saying what is missing
  bool wide = false;                 // the console table with every column
};

// `serve [SCENARIO]`: the mock back end over HTTP until SIGINT/SIGTERM.
struct ServeOptions {
  std::string scenario_file;  // a scenario or a cassette; empty: the shipped default
  bool lift = false;          // serve a cassette lifted instead of verbatim
  std::string host = "127.0.0.1";
  int port = 0;  // 0: an ephemeral port, printed with the base URL
  double time_scale = 1.0;
  uint64_t seed = 1;
  std::string faults_file;
  // The served mock's limits against hostile clients (docs/serve.md, "Limits"); 0 turns one
  // off. AddServeCommand sets the defaults from mocks::MockServerOptions.
  double header_timeout_s = 0;
  double body_timeout_s = 0;
  double idle_timeout_s = 0;
  double write_timeout_s = 0;
  uint64_t max_header_bytes = 0;
  uint64_t max_body_bytes = 0;
  uint64_t max_connections = 0;
  double session_idle_timeout_s = 0;
  uint64_t max_sessions = 0;
};

// `chat MESSAGE --runtime R --model M`: the agent core against a live endpoint.
struct ChatOptions {
  std::string message;  // empty: read from stdin
  std::string runtime = "responses";
  std::string model = "gpt-4o-mini";
  std::string base_url = "https://api.openai.com/v1";  // $OPENAI_BASE_URL overrides the default
  std::string variant = "p0+p1+p2+p3+p4+px+pr";        // packages of the agent core to use
  double timeout_s = 120;                              // whole turn
};

// `record --upstream URL --out FILE`: a recording reverse proxy until SIGINT/SIGTERM.
struct RecordOptions {
  // The upstream's base URL as the SDKs take it ("https://api.openai.com/v1"); the proxy's
  // /v1 maps onto it.
  std::string upstream;
  std::string host = "127.0.0.1";
  int port = 0;          // 0: an ephemeral port, printed with the proxy's base URL
  std::string out_file;  // the cassette (JSON Lines), appended exchange by exchange
  std::string name;      // the cassette's name; empty: the file name without its extension
  // Redacted on top of the credential headers (harness/recording/redaction.h).
  std::vector<std::string> redact_headers;
  std::vector<std::string> redact_fields;
  bool fsync = false;   // flush every exchange to disk (survives a machine crash)
  std::string ca_file;  // https upstream: PEM CAs to trust instead of the system store
};

// `import FILE... --out DIR`: recordings into cassettes and lifted scenarios.
struct ImportOptions {
  std::vector<std::string> files;
  std::string out_dir = ".";
  std::string format;  // empty: recognised from the content (cassette, dotnet, har, sse)
  std::string pace;    // "headers=300,event_gap=15": timing for formats that recorded none
  std::vector<std::string> redact_headers;
  std::vector<std::string> redact_fields;
  bool allow_truncated_tail = false;  // a cassette cut short: drop its partial last line
  bool no_lift = false;               // cassettes only
};

// `load`: sessions of one scenario started on an open-loop schedule, many at once on one
// event loop, in the real world or against a live endpoint (app/load_command.cc).
struct LoadOptions {
  std::string scenario_file;  // a scenario or a cassette; empty: the shipped two_tool_rounds
  std::string variants;       // comma-separated; empty: the top of the default ladder
  std::vector<std::string> runtimes;
  std::vector<double> rates = {10};  // sessions per second; several: a sweep, a cell per rate
  std::string arrival = "fixed";     // fixed or poisson
  double duration_s = 0;             // arrivals within this many seconds (0: see sessions)
  int64_t sessions = 0;              // at most this many sessions per rate (0: see duration)
  int concurrency_cap = 1000;        // sessions at once at most; later arrivals wait
  uint64_t seed = 1;
  double time_scale = 1.0;  // the served mock's factor on every scripted time
  std::string base_url;     // set: drive this OpenAI-compatible endpoint instead of the mock
  std::string out_dir = "agentreplay-load";
  std::vector<std::string> formats = {"console", "json"};
  bool wide = false;
};

struct ValidateOptions {
  std::vector<std::string> files;
};

struct ListOptions {
  std::string what = "all";  // all, scenarios, runtimes, packages, ladders, tools, metrics
};

struct ParsedCommandLine {
  std::string log_level = "warn";
  std::string command_line;  // as typed, for the results' context
  std::variant<std::monostate, RunOptions, ValidateOptions, ListOptions, CompareOptions,
               ReportOptions, ServeOptions, ChatOptions, RecordOptions, ImportOptions, LoadOptions,
               MergeOptions>
      command;
};

// Parses argv. On --help or a usage error, prints to stdout/stderr and returns the exit code
// to use (0 for help, 2 for errors); otherwise returns nullopt and fills `out`.
std::optional<int> ParseCommandLine(int argc, char** argv, ParsedCommandLine& out);

}  // namespace agentreplay::app
