// The report people read in a terminal: a context line, the cell summary table, where each cell's
// median turn spends its time, and the failed checks and errors. Plain text, never colours, so
// the same bytes work in a terminal, a CI log and a golden test.
#pragma once

#include "reports/reporter.h"

namespace agentreplay::reports {

class ConsoleReporter : public Reporter {
 public:
  void Report(const results::Results& results, std::ostream& out) override;
};

// The sample whose critical path the report breaks down: among the cell's successful samples
// with an e2e_ms, the median by e2e_ms; with an even count the lower middle one, ties broken by
// (repetition, turn) so the choice is deterministic. Null when there is no such sample.
const results::Sample* MedianE2eSample(const results::Cell& cell);

}  // namespace agentreplay::reports
