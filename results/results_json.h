// The results document on disk: JSON text of the result model, its reader and an atomic file
// writer. The layout is documented by scenarios/schemas/results.schema.json; change both together.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/expected.h"
#include "results/result_model.h"

namespace agentreplay::results {

// The document as JSON text. Object members come in a fixed order and maps are sorted, so equal
// Results give byte-identical text (results can be diffed and golden-tested). Doubles are written
// with at most 6 decimals, trailing zeros trimmed: values are milliseconds computed from integer
// nanoseconds, so this is exact for them and keeps arithmetic noise out of the file. NaN and
// infinities are never written: they are dropped from metric maps and ITL arrays, and written as
// null in summaries. `pretty` adds newlines and two-space indentation (and a final newline);
// arrays of numbers stay on one line either way.
std::string ResultsToJson(const Results& results, bool pretty = true);

// One cell, or the context, as one line of JSON (no newline): what the journal stores.
std::string CellToJsonLine(const Cell& cell);
std::string ContextToJsonLine(const Context& context);

// Reads one cell (or context) written by CellToJsonLine (ContextToJsonLine), as strictly as the
// document reader; errors name `file_name` and `line`.
Expected<Cell> ReadCellJson(std::string_view text, std::string_view file_name, int line);
Expected<Context> ReadContextJson(std::string_view text, std::string_view file_name, int line);

// Reads a document written by ResultsToJson. Reading what ResultsToJson wrote and writing it again
// gives the same text. The reader is as strict as the schema: unknown members, duplicate members,
// wrong types and an unsupported `schema` version are errors. `file_name` is only used in messages.
Expected<Results> ReadResultsJson(std::string_view text, std::string_view file_name);
// Reads and parses a results file (core/input_file.h: at most kMaxResultsFileBytes); a file
// named *.jsonl is read as a journal (results_journal.h), whose torn last line, if any, is
// dropped with a note in `notes`.
inline constexpr std::size_t kMaxResultsFileBytes = std::size_t{1} << 30;
Expected<Results> LoadResultsFile(const std::filesystem::path& path,
                                  std::vector<std::string>* notes = nullptr);

// Writes `results` to `path` + ".tmp", flushes it to disk, then renames it over `path` (creating
// the parent directory first). Readers and a crashed run therefore only ever see a complete
// previous or complete new document (core/output_file.h).
Status WriteResultsFileAtomically(const Results& results, const std::filesystem::path& path);

}  // namespace agentreplay::results
