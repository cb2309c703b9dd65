// How many of a cell's turns ended in an error, and why: the one count every machine-readable
// format (JUnit, gbench, github-benchmark, Bencher, CSV) reports, so a failed turn is never
// silently left out of a tool's view just because it has no latency to summarise.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "results/result_model.h"

namespace agentreplay::reports {

struct TurnErrors {
  int64_t turns = 0;   // non-warm-up turns measured
  int64_t errors = 0;  // of those, the ones that ended in an error
  // Stable reason (the error kind when a sample has none, "unknown" when it has neither) and
  // how many turns failed with it; most frequent first, ties by name.
  std::vector<std::pair<std::string, int64_t>> reasons;
  // One line per reason: the reason, its count and the first message seen for it.
  std::vector<std::string> details;

  // Share of the turns that failed, in percent; 0 when nothing was measured.
  double RatePercent() const;
  // No turn succeeded, although some were measured.
  bool AllFailed() const { return turns > 0 && errors == turns; }
};

// Warm-up turns are left out, as they are of every statistic.
TurnErrors CountTurnErrors(const results::Cell& cell);

// "http_500 x2, stream_truncated x1"; "" without errors.
std::string ReasonList(const TurnErrors& errors);

// "1 of 3 turns failed: http_500 x1"; "0 of 3 turns failed" without errors.
std::string TurnErrorSummary(const TurnErrors& errors);

}  // namespace agentreplay::reports
