// The journal of a run: one line of JSON per finished cell, appended as the cell finishes, so
// writing results costs time linear in the cells and a killed run keeps every cell it finished.
// The first line holds the schema and the context; every other line is a cell exactly as the
// results document holds it (before the changes against baselines, which depend on other cells
// and are computed when the journal is read). `run` writes the journal beside results.json and
// the document once at the end; after a crash, every reader (`report`, `compare`, `merge`)
// takes the journal itself, and `merge JOURNAL` rebuilds the document.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/expected.h"
#include "core/output_file.h"
#include "results/result_model.h"

namespace agentreplay::results {

inline constexpr std::string_view kJournalFileName = "results.journal.jsonl";

class JournalWriter {
 public:
  // Creates (or truncates) `path` and writes the header. Lines reach the kernel as they are
  // appended and the disk at most `sync_every` later (and on Close).
  static Expected<JournalWriter> Create(const std::filesystem::path& path, const Context& context,
                                        std::chrono::milliseconds sync_every);
  Status Append(const Cell& cell);
  Status Close() { return file_.Close(); }
  const std::filesystem::path& path() const { return file_.path(); }

 private:
  explicit JournalWriter(AppendOnlyFile file) : file_(std::move(file)) {}
  AppendOnlyFile file_;
};

// Reads a journal into a results document (cells in journal order, baselines and changes
// filled in). A last line without its newline is a cell whose write the run did not finish: it
// is dropped, and `notes` (if given) says so. Every other problem is an error naming the line.
Expected<Results> ReadResultsJournal(std::string_view text, std::string_view file_name,
                                     std::vector<std::string>* notes);

}  // namespace agentreplay::results
