#include "cli/options.h"

#include <CLI/CLI.hpp>

namespace agentreplay::cli {

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
                   "Scenario file (repeatable); default: every shipped scenario")
      ->check(CLI::ExistingFile);
  run_cmd->add_option("--variants", run.variants,
                      "Comma-separated variants (baseline, p0+p2, ...) and ladder names; "
                      "default: the default ladder");
  run_cmd
      ->add_option("--runtimes", run.runtimes,
                   "Run every variant on each of these runtimes (A/B); default: the variant's "
                   "own (p5: responses, otherwise assistants)")
      ->delimiter(',')
      ->check(CLI::IsMember({"assistants", "responses", "chat"}));
  run_cmd->add_option("--world", run.world, "Where to run: sim (virtual time)")
      ->check(CLI::IsMember({"sim"}));
  run_cmd->add_option("-n,--repetitions", run.repetitions, "Repetitions per cell")
      ->check(CLI::Range(1, 100000));
  run_cmd->add_option("--seed", run.seed, "Seed of every random draw");
  run_cmd->add_option("--out", run.out_dir,
                      "Directory for results.json (rewritten after each cell)");
  run_cmd->add_option("--workspace", run.workspace_dir,
                      "Keep each repetition's workspace (data and blobs) under this directory "
                      "instead of a temporary one");
  run_cmd->add_flag("--fail-on-checks", run.fail_on_checks,
                    "Exit 1 when a scenario expectation fails in any cell");

  ValidateOptions validate;
  auto* validate_cmd =
      app.add_subcommand("validate", "Check scenario files; report every error of every file");
  validate_cmd->add_option("files", validate.files, "Scenario files")->required();

  ListOptions list;
  auto* list_cmd = app.add_subcommand(
      "list", "List shipped scenarios, runtimes, packages, ladders and metric names");
  list_cmd->add_option("what", list.what, "all, scenarios, runtimes, packages, ladders or metrics")
      ->check(CLI::IsMember({"all", "scenarios", "runtimes", "packages", "ladders", "metrics"}));

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
  if (run_cmd->parsed()) out.command = run;
  if (validate_cmd->parsed()) out.command = validate;
  if (list_cmd->parsed()) out.command = list;
  return std::nullopt;
}

}  // namespace agentreplay::cli
