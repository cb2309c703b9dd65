// The `merge` subcommand: the results of a run's shards (`run --shard I/N`, run anywhere) joined
// into the document one machine would have written, or a crashed run's journal rebuilt into its
// document. The joining and its checks are results::MergeShards; this file reads the inputs,
// writes the document atomically and renders the other formats.
#include <fmt/format.h>

#include <filesystem>
#include <string>
#include <vector>

#include "app/commands.h"
#include "app/terminal.h"
#include "results/results_json.h"
#include "results/results_merge.h"

namespace agentreplay::app {

int MergeCommand(const MergeOptions& options) {
  if (!CheckReportFormats(options.formats)) return kExitBadInput;
  std::vector<results::Results> inputs;
  std::vector<std::string> names;
  std::vector<std::string> notes;
  bool read_all = true;
  for (const std::string& file : options.files) {
    auto read = results::LoadResultsFile(file, &notes);
    if (!read) {
      // Every unreadable input at once: a CI merge step should not need one rerun per file.
      fmt::print(stderr, "error: {}\n", read.error());
      read_all = false;
      continue;
    }
    inputs.push_back(std::move(*read));
    names.push_back(file);
  }
  for (const std::string& note : notes) fmt::print(stderr, "note: {}\n", note);
  if (!read_all) return kExitBadInput;
  notes.clear();
  const size_t input_count = inputs.size();
  auto merged = results::MergeShards(std::move(inputs), std::move(names),
                                     {.allow_partial = options.allow_partial}, &notes);
  if (!merged) {
    fmt::print(stderr, "error: {}\n", merged.error());
    return kExitBadInput;
  }
  for (const std::string& note : notes) fmt::print(stderr, "note: {}\n", note);
  const std::filesystem::path out_file(options.out_file);
  if (Status written = results::WriteResultsFileAtomically(*merged, out_file); !written) {
    fmt::print(stderr, "error: {}\n", written.error());
    return kExitBadInput;
  }
  fmt::print(stderr, "merged {} {} ({} cells) into {}\n", input_count,
             input_count == 1 ? "file" : "files", merged->cells.size(), out_file.string());
  // results.json is written; the other formats go beside it.
  // (Not `out_dir = "."` after the fact: GCC 12 warns wrongly about that assignment.)
  const std::string out_dir =
      out_file.has_parent_path() ? out_file.parent_path().string() : std::string(".");
  return WriteReportOutputs(*merged, options.formats, out_dir, {"json"}, "", "agentreplay",
                            ConsoleWidth(options.wide))
             ? kExitOk
             : kExitBadInput;
}

}  // namespace agentreplay::app
