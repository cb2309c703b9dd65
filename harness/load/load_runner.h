// `agentreplay load`: many agent sessions at once on one event loop, started on an open-loop
// schedule (harness/load/arrival_schedule.h), each measured like a repetition of `run`. The
// agent core is coroutine-based, so a thousand sessions are a thousand tasks on the world's
// loop, not a thousand threads: what limits a load is the loop's one core, which the timing
// fidelity and the start delays report.
//
// One call measures one rate and returns one cell (scenario × runtime × variant, the variant
// named with the rate), so a rate sweep is a list of cells that `compare`, the gates and every
// reporter read as they read `run`'s.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "agent/tool_selection.h"
#include "core/expected.h"
#include "harness/load/arrival_schedule.h"
#include "harness/packages/registry.h"
#include "harness/run/prices.h"
#include "harness/run/world.h"
#include "llm/llm_client.h"
#include "mocks/model/scenario.h"
#include "results/result_model.h"

namespace agentreplay::harness {

// Where a load stands, for a progress line.
struct LoadProgress {
  double rate = 0;         // the offered rate being measured (sessions/s)
  size_t planned = 0;      // sessions in the schedule
  size_t started = 0;      // sessions that began (set-up included)
  size_t finished = 0;     // sessions ended, well or not
  size_t active = 0;       // started and not finished
  size_t peak_active = 0;  // the most sessions running at once so far
  size_t waiting = 0;      // due but held back by the concurrency cap
  size_t failed = 0;       // finished sessions with an error sample
  double elapsed_s = 0;    // since the load's start
};

struct LoadOptions {
  // Rate, process, bound and the arrivals' seed (the schedule).
  ArrivalOptions arrivals;
  // Sessions running at once at most; a session due while the cap is reached waits for a free
  // slot, and its wait counts in its latencies (they run from the intended start).
  int concurrency_cap = 1000;
  // The sessions' seed: session i replays the model behaviour of repetition i of `run` with
  // this seed (RepetitionSeed), at every rate, so rates differ only in load.
  uint64_t seed = 1;
  const PriceTable* prices = nullptr;
  const ToolPacks* tool_packs = nullptr;
  ClientTimeouts timeouts;
  // Asked every tick (100 ms): true starts no more sessions; those running end as usual and
  // are kept.
  std::function<bool()> stop_requested;
  // Called every tick and once at the end.
  std::function<void(const LoadProgress&)> on_progress;
};

// The variant name of a load cell: the variant, then the rate as a setting would be
// ("p0+p2+p3@rate=20/s"), so cells of one variant at several rates stay apart and match by
// name across runs.
std::string LoadVariantName(std::string_view variant, double rate);

// Runs one rate's sessions of `scenario` with `variant` on `runtime` in `world` and returns
// its cell, statistics computed. Sample.repetition is the session's index in the schedule.
// A broken session is an error sample, never an exception. Fails only when the world cannot
// run sessions at once (the simulated world) or the schedule is invalid.
Expected<results::Cell> RunLoadCell(World& world, const mocks::Scenario& scenario,
                                    const Variant& variant, Runtime runtime,
                                    const LoadOptions& options);

}  // namespace agentreplay::harness
