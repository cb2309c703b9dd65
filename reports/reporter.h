// A reporter renders a results document (and, when there is one, the comparison computed from
// it) for people or tools. Reporters only format: statistics and verdicts are computed once,
// elsewhere (the harness and Compare()), and handed over in a ReportInput.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <ostream>
#include <string_view>
#include <vector>

#include "reports/compare/comparison.h"
#include "results/result_model.h"

namespace agentreplay::reports {

// What every reporter reads. `comparison`, when set, compares cells of `results` (the head side)
// with a base: reporters then add changes, verdicts and the gate's outcome.
struct ReportInput {
  const results::Results& results;
  const Comparison* comparison = nullptr;
  // The console report's width budget in columns (a terminal's width, COLUMNS): it groups the
  // cells by scenario, keeps the key columns that fit and wraps long lines. 0: every column,
  // nothing wrapped (`--wide`, a file, a golden test).
  size_t console_width = 0;
};

class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual void Report(const ReportInput& input, std::ostream& out) = 0;
  // The file name this format gets in an output directory (`--out DIR`), e.g. "report.html".
  virtual std::string_view DefaultFileName() const = 0;
};

// The reporter for `format` (one of ReporterFormats()), or null when the format is unknown.
std::unique_ptr<Reporter> MakeReporter(std::string_view format);

// The formats MakeReporter knows, in the order help texts list them.
std::vector<std::string_view> ReporterFormats();

// Names in a report come from user files (scenario names, check names, error messages), and
// machine formats must stay parseable whatever they hold. Walks `text` as UTF-8 and calls
// `on_char` with each valid sequence and its code point; a byte that starts no valid sequence
// is given as U+FFFD, as the results writer does.
inline constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD
void ForEachCodePoint(std::string_view text,
                      const std::function<void(std::string_view, char32_t)>& on_char);

}  // namespace agentreplay::reports
