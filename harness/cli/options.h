// The command line as typed structs: parsing fills these, commands read them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace agentreplay::cli {

struct RunOptions {
  std::vector<std::string> scenario_files;  // empty: every shipped scenario
  // Comma-separated variants and ladder names; empty: the default ladder.
  std::string variants;
  // Empty: each variant runs on its own runtime (p5 → responses, otherwise assistants);
  // otherwise every variant runs on each listed runtime (the runtime A/B).
  std::vector<std::string> runtimes;
  std::string world = "sim";
  int repetitions = 5;
  uint64_t seed = 1;
  std::string out_dir = "agentreplay-results";
  // Exit 1 when a scenario expectation fails. Off by default: the ladder contains variants
  // that fail checks by design (no vector store, no retries), and gating is compare's job.
  bool fail_on_checks = false;
  // Keep the agent's workspaces (SQLite data and blob store) under this directory.
  std::string workspace_dir;
};

struct ValidateOptions {
  std::vector<std::string> files;
};

struct ListOptions {
  std::string what = "all";  // all, scenarios, runtimes, packages, ladders, metrics
};

struct ParsedCommandLine {
  std::string log_level = "warn";
  std::string command_line;  // as typed, for the results' context
  std::variant<std::monostate, RunOptions, ValidateOptions, ListOptions> command;
};

// Parses argv. On --help or a usage error, prints to stdout/stderr and returns the exit code
// to use (0 for help, 2 for errors); otherwise returns nullopt and fills `out`.
std::optional<int> ParseCommandLine(int argc, char** argv, ParsedCommandLine& out);

}  // namespace agentreplay::cli
