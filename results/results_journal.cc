#include "results/results_journal.h"

#include <fmt/format.h>

#include <utility>

#include "results/results_json.h"
#include "results/results_validate.h"
#include "results/statistics.h"

namespace agentreplay::results {
namespace {

constexpr std::string_view kHeaderStart = R"({"schema":")";
constexpr std::string_view kHeaderMiddle = R"(","journal":"cells","context":)";

}  // namespace

Expected<JournalWriter> JournalWriter::Create(const std::filesystem::path& path,
                                              const Context& context,
                                              std::chrono::milliseconds sync_every) {
  auto file = AppendOnlyFile::Create(path, sync_every);
  if (!file) return file.failure();
  JournalWriter writer(std::move(*file));
  const std::string header = fmt::format("{}{}{}{}}}", kHeaderStart, kResultsSchemaV1,
                                         kHeaderMiddle, ContextToJsonLine(context));
  if (Status written = writer.file_.AppendLine(header); !written) return written.failure();
  return writer;
}

Status JournalWriter::Append(const Cell& cell) { return file_.AppendLine(CellToJsonLine(cell)); }

Expected<Results> ReadResultsJournal(std::string_view text, std::string_view file_name,
                                     std::vector<std::string>* notes) {
  auto at_line = [&](int line, std::string message) {
    return Failure(Diagnostic{std::string(file_name), std::nullopt, line, 0, std::move(message)});
  };
  Results results;
  int line = 0;
  bool have_header = false;
  while (!text.empty()) {
    ++line;
    const size_t end = text.find('\n');
    if (end == std::string_view::npos) {
      // The run died while writing this line: what it held was not finished.
      if (notes != nullptr) {
        notes->push_back(fmt::format(
            "{}:{}: dropped an unfinished last line ({} bytes): the run stopped while writing it",
            file_name, line, text.size()));
      }
      break;
    }
    const std::string_view content = text.substr(0, end);
    text.remove_prefix(end + 1);
    if (!have_header) {
      const std::string expected_start = fmt::format("{}{}", kHeaderStart, kResultsSchemaV1);
      if (!content.starts_with(kHeaderStart)) {
        return at_line(line,
                       "not an agentreplay results journal (its first line must be "
                       "{\"schema\": ..., \"journal\": \"cells\", \"context\": ...})");
      }
      if (!content.starts_with(expected_start) ||
          content.substr(expected_start.size(), kHeaderMiddle.size()) != kHeaderMiddle ||
          !content.ends_with('}')) {
        return at_line(line, fmt::format("unsupported journal header (this build reads schema "
                                         "\"{}\" journals)",
                                         kResultsSchemaV1));
      }
      const size_t body = expected_start.size() + kHeaderMiddle.size();
      auto context =
          ReadContextJson(content.substr(body, content.size() - body - 1), file_name, line);
      if (!context) return context.failure();
      results.context = std::move(*context);
      have_header = true;
      continue;
    }
    auto cell = ReadCellJson(content, file_name, line);
    if (!cell) return cell.failure();
    // Each line was checked on its own; against the header too (the world, the repetitions,
    // the warm-ups), as a whole document is.
    if (auto bad = ValidateCellInContext(*cell, results.cells.size(), results.context)) {
      return at_line(line,
                     fmt::format("{}: {}", bad->pointer.empty() ? "/" : bad->pointer, bad->rule));
    }
    results.cells.push_back(std::move(*cell));
  }
  if (!have_header) return at_line(1, "empty journal: no header line");
  CompareWithBaseline(results);
  return results;
}

}  // namespace agentreplay::results
