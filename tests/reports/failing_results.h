// A results document where much went wrong, as after a ladder run against a flaky back end: a
// cell where every turn failed for two different reasons, one where some turns failed (and a
// warm-up turn failed, which must not count), failed checks, and a cell with no turns at all.
// Shared by the tests that prove no machine-readable report hides a failure.
#pragma once

#include "results/result_model.h"
#include "tests/results/sample_results.h"

namespace agentreplay::reports::fixtures {

inline results::Sample FailedSample(int repetition, const char* kind, const char* reason,
                                    const char* message) {
  results::Sample s;
  s.repetition = repetition;
  s.ok = false;
  s.error_kind = kind;
  s.error_reason = reason;
  s.error_message = message;
  s.metrics = {{"e2e_ms", 30000.0}, {"errors", 1}};
  return s;
}

inline results::Results FailingResults() {
  results::Results r = SampleResults();
  r.cells.clear();

  // Every turn failed: two timeouts and a rate limit.
  results::Cell dead = MakeCell("ladder", "responses", "c16", 3);
  dead.samples = {FailedSample(0, "timeout", "turn_timeout", "no response in 30 s"),
                  FailedSample(1, "api", "http_429", "rate limited"),
                  FailedSample(2, "timeout", "turn_timeout", "no response in 30 s")};
  dead.checks = {{"turn 0: answer contains \"ok\"", false, 0, 3, "repetition 0: the turn failed"}};

  // Two of four turns failed; the failed warm-up turn is outside every count.
  results::Cell flaky = MakeCell("ladder", "responses", "c8", 2);
  results::Sample warmup = FailedSample(0, "api", "http_503", "warming up");
  warmup.warmup = true;
  flaky.samples = {warmup, OkSample(1, 900.0, 850.0, 40.0, 10.0, 1.0),
                   FailedSample(2, "api", "http_429", "rate limited"),
                   OkSample(3, 910.0, 860.0, 40.0, 10.0, 1.0),
                   FailedSample(4, "api", "http_429", "rate limited")};
  flaky.warmup_samples = 1;
  flaky.stats = {{"e2e_ms", MakeSummary(2, 900, 905, 909, 910, 905, 7.071068)},
                 {"ttfs_ms", MakeSummary(2, 120, 120, 120, 120, 120, 0)}};
  flaky.checks = {{"turn 0: answer contains \"ok\"", false, 2, 4, "repetition 2: the turn failed"},
                  {"turn 0: tools called [lookup]", true, 4, 4, ""}};

  // Clean, with a mean that has no short decimal form.
  results::Cell clean = MakeCell("ladder", "responses", "c1", 0);
  clean.samples = {OkSample(0, 203.33, 150.0, 40.0, 10.0, 1.0),
                   OkSample(1, 203.34, 150.0, 40.0, 10.0, 1.0)};
  clean.stats = {{"e2e_ms", MakeSummary(2, 203.33, 203.335, 203.339, 203.34, (203.33 + 203.34) / 2,
                                        0.007071)}};
  clean.checks = {{"turn 0: answer contains \"ok\"", true, 2, 2, ""}};

  // Selected but never run (the run was interrupted): nothing measured, nothing failed.
  results::Cell empty = MakeCell("ladder", "responses", "c32", 0);

  r.cells = {clean, flaky, dead, empty};
  return r;
}

}  // namespace agentreplay::reports::fixtures
