#include "reports/json_reporter.h"

#include "results/results_json.h"

namespace agentreplay::reports {

void JsonReporter::Report(const ReportInput& input, std::ostream& out) {
  out << results::ResultsToJson(input.results, pretty_);
  // Compact output has no final newline of its own; a line-oriented consumer wants one.
  if (!pretty_) out << '\n';
}

}  // namespace agentreplay::reports
