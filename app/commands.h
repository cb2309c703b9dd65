// One function per subcommand, each in its own file (NAME_command.cc). Each returns the process
// exit code.
#pragma once

#include <string>
#include <vector>

#include "app/options.h"
#include "results/result_model.h"

namespace agentreplay::app {

// Exit codes: 0 the run completed; 1 a check failed (including turns that ended in an error)
// and --fail-on-checks was given; 2 bad input or usage.
inline constexpr int kExitOk = 0;
inline constexpr int kExitChecksFailed = 1;
inline constexpr int kExitBadInput = 2;

int RunCommand(const RunOptions& options, const std::string& command_line);
// Exit 0 when every rate ran, 2 on bad input (an open-files limit too low included), 130/143
// when stopped by a signal (the sessions that finished are kept and reported).
int LoadCommand(const LoadOptions& options, const std::string& command_line);
int ValidateCommand(const ValidateOptions& options);
int ImportCommand(const ImportOptions& options);
int ListCommand(const ListOptions& options);
// Exit 0 when the gate passes, 1 on a regression, 2 on bad input.
int CompareCommand(const CompareOptions& options);
int ReportCommand(const ReportOptions& options);
// Exit 0 when the merged document is written, 2 on bad input (shards of different runs, a
// missing or incomplete shard without --allow-partial, an unreadable file).
int MergeCommand(const MergeOptions& options);
int ServeCommand(const ServeOptions& options);
int ChatCommand(const ChatOptions& options);
// Exit 0 after a clean stop, 1 when the cassette could not be written completely, 2 on bad input.
int RecordCommand(const RecordOptions& options);

// Report formats given with --format that no reporter knows: prints them and the known ones to
// stderr and returns false.
bool CheckReportFormats(const std::vector<std::string>& formats);

// What `run` and `report` do with finished results (report_command.cc): render `formats` (console
// to stdout, the others into `out_dir`, `skip` left out), with the within-run comparison when
// cells have baselines; then, when `push_url` is set, PUT the Prometheus metrics to that
// Pushgateway under `job`. `console_width`: the console report's width budget (0: every column).
// Returns false after printing what failed.
bool WriteReportOutputs(const results::Results& results, const std::vector<std::string>& formats,
                        const std::string& out_dir, const std::vector<std::string>& skip,
                        const std::string& push_url, const std::string& job, size_t console_width);

}  // namespace agentreplay::app
