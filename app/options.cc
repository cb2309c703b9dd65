#include "app/options.h"

#include <CLI/CLI.hpp>
#include <cstdio>

#include "app/load_options.h"
#include "app/serve_options.h"
#include "llm/llm_client.h"

namespace agentreplay::app {

std::optional<int> ParseCommandLine(int argc, char** argv, ParsedCommandLine& out) {
  CLI::App app{
      "agentreplay: replay scripted or recorded LLM event streams through a real agent core "
      "and measure where each turn's latency goes."};
  app.require_subcommand(1);
  app.option_defaults()->always_capture_default();
  app.add_option("--log-level", out.log_level, "trace, debug, info, warn, error or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));

  RunOptions run;
  auto* run_cmd = app.add_subcommand(
      "run", "Run scenarios x runtimes x variants x repetitions; write results and print a table");
  run_cmd
      ->add_option("--scenario", run.scenario_files,
                   "Scenario file or cassette (repeatable); default: every shipped scenario. A "
                   "cassette replays verbatim, on the runtime it was recorded on")
      ->check(CLI::ExistingFile);
  run_cmd->add_flag("--lift", run.lift,
                    "Replay cassettes lifted into scenarios: every runtime and package, with the "
                    "recorded behaviour and timing");
  run_cmd->add_option("--variants", run.variants,
                      "Comma-separated variants (baseline, p0+p2, ...) and ladder names; "
                      "default: the default ladder");
  run_cmd->add_option("--set", run.settings,
                      "NAME=VALUE[,VALUE...] (repeatable): override a package's setting in every "
                      "variant; several values sweep it, each variant once per value "
                      "(`agentreplay list settings`)");
  run_cmd
      ->add_option("--runtimes", run.runtimes,
                   "Run every variant on each of these runtimes (A/B); default: the variant's "
                   "own (p5: responses, otherwise assistants)")
      ->delimiter(',')
      ->check(CLI::IsMember(RuntimeNames()));
  run_cmd
      ->add_option("--world", run.world,
                   "Where to run: sim (virtual time), real (served mock over loopback) or live "
                   "(a real endpoint at --base-url, OPENAI_API_KEY)")
      ->check(CLI::IsMember({"sim", "real", "live"}));
  run_cmd->add_option("--base-url", run.base_url,
                      "Live world: the API's base URL, e.g. https://api.openai.com/v1");
  run_cmd->add_option("--record", run.record_dir,
                      "Record every repetition as a cassette under this directory "
                      "(DIR/SCENARIO/RUNTIME/VARIANT/repN.cassette.jsonl)");
  run_cmd->add_option("-n,--repetitions", run.repetitions, "Repetitions per cell")
      ->check(CLI::Range(1, 100000));
  run_cmd->add_option("--seed", run.seed, "Seed of every random draw");
  run_cmd->add_option("--out", run.out_dir,
                      "Directory for results.json (written at the end) and "
                      "results.journal.jsonl (a line per cell as it finishes)");
  run_cmd
      ->add_option("-j,--jobs", run.jobs,
                   "Repetitions run at once, each worker in a world of its own; results are "
                   "identical to a serial run's (default: every core in the simulated world, 1 "
                   "in the real and live worlds)")
      ->check(CLI::Range(0, 1024));
  run_cmd->add_option("--shard", run.shard,
                      "I/N: run only the I-th of N deterministic slices of the cells (plan "
                      "index % N == I-1); `agentreplay merge` joins the shards' results");
  run_cmd->add_option("--workspace", run.workspace_dir,
                      "Keep each repetition's workspace (data and blobs) under this directory "
                      "instead of a temporary one");
  run_cmd->add_flag("--fail-on-checks", run.fail_on_checks,
                    "Exit 1 when a scenario expectation fails in any cell");
  run_cmd->add_flag("--wide", run.wide,
                    "Console table with every column, one line per cell (default: the key "
                    "columns, fitted to the terminal or COLUMNS, else 120)");
  run_cmd->add_option("--format", run.formats, "Report formats (comma-separated)")->delimiter(',');
  run_cmd
      ->add_option("--warmup", run.warmup,
                   "Warm-up repetitions per cell, kept but left out of the statistics")
      ->check(CLI::Range(0, 100000));
  run_cmd
      ->add_option("--faults", run.faults_file,
                   "Fault rules to inject into every scenario (docs/faults.md)")
      ->check(CLI::ExistingFile);
  run_cmd
      ->add_option(
          "--time-scale", run.time_scale,
          "Real world: factor on every scripted time (the served mock, tool latencies, the "
          "proxy hop); the agent's own waits are not scaled")
      ->check(CLI::PositiveNumber);
  run_cmd->add_option("--push", run.push_url, "Push the metrics to this Prometheus Pushgateway");

  CompareOptions compare;
  auto* compare_cmd = app.add_subcommand(
      "compare",
      "Compare two result files (or two selections of one) and apply a gate: exit 0 pass, "
      "1 regression, 2 bad input");
  compare_cmd->add_option("base", compare.base_file, "Base results.json")
      ->required()
      ->check(CLI::ExistingFile);
  compare_cmd->add_option("head", compare.head_file, "Head results.json (default: BASE)")
      ->check(CLI::ExistingFile);
  compare_cmd->add_option("--base", compare.base_selector,
                          "Cells of the base side, e.g. variant=baseline or runtime=assistants");
  compare_cmd->add_option("--head", compare.head_selector, "Cells of the head side");
  compare_cmd->add_option("--gate", compare.gate_file, "Gate file (JSON)")
      ->check(CLI::ExistingFile);
  compare_cmd->add_option("--format", compare.formats, "Report formats (comma-separated)")
      ->delimiter(',');
  compare_cmd->add_option("--out", compare.out_dir, "Directory for non-console formats");

  ReportOptions report;
  auto* report_cmd = app.add_subcommand("report", "Render a results file in other formats");
  report_cmd->add_option("results", report.results_file, "results.json")
      ->required()
      ->check(CLI::ExistingFile);
  report_cmd->add_option("--format", report.formats, "Report formats (comma-separated)")
      ->delimiter(',');
  report_cmd->add_option("--out", report.out_dir, "Directory for the files");
  report_cmd->add_option("--push", report.push_url,
                         "Push the metrics to this Prometheus Pushgateway");
  report_cmd->add_option("--job", report.job, "Pushgateway job name");
  report_cmd->add_flag("--wide", report.wide,
                       "Console table with every column, one line per cell (default: the key "
                       "columns, fitted to the terminal or COLUMNS, else 120)");

  MergeOptions merge;
  auto* merge_cmd = app.add_subcommand(
      "merge",
      "Join the results of a run's shards (run --shard I/N) into the document one machine would "
      "have written, or rebuild a run's results.json from its journal; exit 0 ok, 2 bad input");
  merge_cmd
      ->add_option("files", merge.files,
                   "Every shard's results.json or results.journal.jsonl, in any order")
      ->required()
      ->check(CLI::ExistingFile);
  merge_cmd->add_option("-o,--out", merge.out_file, "The merged results file to write");
  merge_cmd
      ->add_option("--format", merge.formats,
                   "Other reports (comma-separated): console on stdout, files beside --out")
      ->delimiter(',');
  merge_cmd->add_flag("--allow-partial", merge.allow_partial,
                      "Merge shards that stopped early or are missing; say what is missing");
  merge_cmd->add_flag("--wide", merge.wide, "Console table with every column");

  ServeOptions serve;
  auto* serve_cmd = AddServeCommand(app, serve);

  ChatOptions chat;
  auto* chat_cmd = app.add_subcommand(
      "chat", "Run one turn of the agent core against a live endpoint (OPENAI_API_KEY)");
  chat_cmd->add_option("message", chat.message, "The user message (default: read stdin)");
  chat_cmd->add_option("--runtime", chat.runtime, "assistants, responses or chat")
      ->check(CLI::IsMember(RuntimeNames()));
  chat_cmd->add_option("--model", chat.model, "Model name");
  chat_cmd->add_option("--base-url", chat.base_url,
                       "API base URL (default: $OPENAI_BASE_URL or OpenAI's)");
  chat_cmd->add_option("--variant", chat.variant, "Packages of the agent core to use");
  chat_cmd->add_option("--timeout", chat.timeout_s, "Seconds the whole turn may take")
      ->check(CLI::PositiveNumber);

  RecordOptions record;
  auto* record_cmd = app.add_subcommand(
      "record",
      "Record what any OpenAI client exchanges with an upstream endpoint into a cassette: a "
      "reverse proxy until SIGINT/SIGTERM");
  record_cmd
      ->add_option("--upstream", record.upstream,
                   "The upstream's base URL, as the SDKs take it (https://api.openai.com/v1)")
      ->required();
  record_cmd->add_option("--host", record.host, "Address to bind");
  record_cmd->add_option("--port", record.port, "Port (0: pick a free one)")
      ->check(CLI::Range(0, 65535));
  record_cmd->add_option("--out", record.out_file, "The cassette file to write (.cassette.jsonl)")
      ->required();
  record_cmd->add_option("--name", record.name, "The cassette's name (default: the file's)");
  record_cmd->add_option("--redact-header", record.redact_headers,
                         "Also redact this header (repeatable; credentials always are)");
  record_cmd->add_option("--redact-field", record.redact_fields,
                         "Redact this JSON member in bodies and stream events (repeatable)");
  record_cmd->add_flag("--fsync", record.fsync, "Flush every exchange to disk");
  record_cmd
      ->add_option("--ca-file", record.ca_file,
                   "https upstream: trust these PEM CAs instead of the system store")
      ->check(CLI::ExistingFile);

  ImportOptions import_options;
  auto* import_cmd = app.add_subcommand(
      "import",
      "Turn recordings (.NET SDK session records, HAR, raw SSE, cassettes) into one cassette "
      "per conversation and the scenario lifted from it");
  import_cmd->add_option("files", import_options.files, "Recordings to import")
      ->required()
      ->check(CLI::ExistingFile);
  import_cmd->add_option("--out", import_options.out_dir,
                         "Directory for the cassettes and scenarios");
  import_cmd->add_option("--format", import_options.format,
                         "cassette, dotnet, har or sse (default: recognised from the content)");
  import_cmd->add_option("--pace", import_options.pace,
                         "Timing for formats without per-event times, in ms: "
                         "headers=400,network=40,first_event=0,event_gap=20,request_gap=50");
  import_cmd->add_option("--redact-header", import_options.redact_headers,
                         "Also redact this header (credentials always are)");
  import_cmd->add_option("--redact-field", import_options.redact_fields,
                         "Redact this JSON member at any depth of the bodies");
  import_cmd->add_flag("--allow-truncated", import_options.allow_truncated_tail,
                       "Drop a cassette's partial last line (a recording cut short)");
  import_cmd->add_flag("--no-lift", import_options.no_lift, "Write the cassettes only");

  LoadOptions load;
  auto* load_cmd = AddLoadCommand(app, load);

  ValidateOptions validate;
  auto* validate_cmd =
      app.add_subcommand("validate",
                         "Check scenario, cassette, gate and fault files; report every error of "
                         "every file");
  validate_cmd->add_option("files", validate.files, "Files to check")->required();

  ListOptions list;
  auto* list_cmd = app.add_subcommand(
      "list",
      "List shipped scenarios, runtimes, packages, ladders, settings, tools and metric names");
  list_cmd
      ->add_option("what", list.what,
                   "all, scenarios, runtimes, packages, ladders, settings, tools or metrics")
      ->check(CLI::IsMember(
          {"all", "scenarios", "runtimes", "packages", "ladders", "settings", "tools", "metrics"}));

  for (int i = 0; i < argc; ++i) {
    if (i > 0) out.command_line += ' ';
    out.command_line += argv[i];
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (run_cmd->parsed()) {
    if (run.world == "live" && run.base_url.empty()) {
      std::fputs("agentreplay run: --world live needs --base-url\n", stderr);
      return 2;
    }
    if (!run.shard.empty()) {
      int index = 0;
      int count = 0;
      char rest = 0;
      if (std::sscanf(run.shard.c_str(), "%d/%d%c", &index, &count, &rest) != 2 || count < 1 ||
          count > 100000 || index < 1 || index > count) {
        std::fprintf(stderr,
                     "agentreplay run: --shard %s: expected I/N with 1 <= I <= N <= 100000 "
                     "(e.g. 2/4)\n",
                     run.shard.c_str());
        return 2;
      }
      run.shard_index = index;
      run.shard_count = count;
    }
    if (run.jobs > 1 && run.world != "sim") {
      std::fprintf(stderr,
                   "agentreplay run: --jobs %d: the %s world runs one repetition at a time "
                   "(concurrent repetitions would disturb each other's timing; `agentreplay "
                   "load` measures concurrency)\n",
                   run.jobs, run.world.c_str());
      return 2;
    }
    out.command = run;
  }
  if (load_cmd->parsed()) {
    if (auto exit_code = CheckLoadOptions(load)) return exit_code;
    out.command = load;
  }
  if (validate_cmd->parsed()) out.command = validate;
  if (import_cmd->parsed()) out.command = import_options;
  if (list_cmd->parsed()) out.command = list;
  if (compare_cmd->parsed()) out.command = compare;
  if (report_cmd->parsed()) out.command = report;
  if (merge_cmd->parsed()) out.command = merge;
  if (serve_cmd->parsed()) out.command = serve;
  if (chat_cmd->parsed()) out.command = chat;
  if (record_cmd->parsed()) out.command = record;
  return std::nullopt;
}

}  // namespace agentreplay::app
