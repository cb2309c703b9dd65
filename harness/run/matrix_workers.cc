// RunMatrix: the shard's repetitions shared among workers, cells handed on in plan order.
//
// Repetitions are taken strictly in plan order (cell by cell, repetition by repetition) from
// one dispenser, so at most `jobs` cells are in flight and a stop leaves a clean prefix of the
// plan: cells already started finish, no other starts. A cell is assembled by the worker that
// ends its last repetition; the calling thread hands cells on in plan order as they complete.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "harness/run/matrix_runner.h"
#include "harness/run/repetition.h"
#include "results/statistics.h"

namespace agentreplay::harness {
namespace {

// A cost that silently goes missing reads as "free": say once per model that it has none.
void WarnUnpriced(const std::vector<mocks::Scenario>& scenarios, const PriceTable& prices) {
  std::vector<std::string_view> warned;
  for (const auto& scenario : scenarios) {
    if (prices.Find(scenario.model) ||
        std::find(warned.begin(), warned.end(), scenario.model) != warned.end()) {
      continue;
    }
    warned.push_back(scenario.model);
    spdlog::warn(
        "model '{}' (scenario {}) has no price in the price table: cost_usd is left out of its "
        "cells",
        scenario.model, scenario.name);
  }
}

struct CellInFlight {
  PlannedCell planned;
  results::Cell header;
  std::vector<RepetitionOutput> repetitions;
  int ended = 0;  // repetitions finished
  std::optional<results::Cell> done;
};

class Dispenser {
 public:
  Dispenser(std::vector<CellInFlight>& cells, const MatrixOptions& options)
      : cells_(cells), options_(options), per_cell_(RepetitionsPerCell(options)) {}

  struct Unit {
    size_t cell = 0;
    int repetition = 0;
  };

  // The next repetition to run, or nothing when every one is taken or a stop came before the
  // next cell started.
  std::optional<Unit> Next() {
    std::lock_guard lock(mutex_);
    if (next_cell_ >= cells_.size() || per_cell_ == 0) return std::nullopt;
    if (next_repetition_ == 0) {
      if (stopped_ || (options_.stop_requested && options_.stop_requested())) {
        stopped_ = true;
        return std::nullopt;
      }
    }
    Unit unit{next_cell_, next_repetition_};
    if (++next_repetition_ == per_cell_) {
      next_repetition_ = 0;
      ++next_cell_;
    }
    return unit;
  }

  // Files a finished repetition; the last one of its cell assembles the cell.
  void Finish(Unit unit, RepetitionOutput output) {
    CellInFlight& cell = cells_[unit.cell];
    {
      std::lock_guard lock(mutex_);
      cell.repetitions[static_cast<size_t>(unit.repetition)] = std::move(output);
      if (++cell.ended < per_cell_) return;
    }
    // Only this worker touches the cell now: assemble (statistics included) outside the lock.
    results::Cell assembled =
        AssembleCell(std::move(cell.header), std::move(cell.repetitions), options_);
    {
      std::lock_guard lock(mutex_);
      cell.done = std::move(assembled);
    }
    ready_.notify_all();
  }

  // Waits until cell `index` is assembled (true) or can no longer be (false: not started, and
  // every worker has ended).
  bool WaitFor(size_t index) {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return cells_[index].done.has_value() || workers_left_ == 0; });
    return cells_[index].done.has_value();
  }
  void WorkerStarted() {
    std::lock_guard lock(mutex_);
    ++workers_left_;
  }
  void WorkerEnded() {
    {
      std::lock_guard lock(mutex_);
      --workers_left_;
    }
    ready_.notify_all();
  }

 private:
  std::vector<CellInFlight>& cells_;
  const MatrixOptions& options_;
  const int per_cell_;
  std::mutex mutex_;
  std::condition_variable ready_;
  size_t next_cell_ = 0;
  int next_repetition_ = 0;
  bool stopped_ = false;
  int workers_left_ = 0;
};

// A repetition that throws (a world that cannot open a session) is an error sample: a worker
// thread must never end the process.
RepetitionOutput RunUnit(World& world, const CellInFlight& cell, const MatrixOptions& options,
                         int repetition) {
  try {
    return RunRepetition(world, *cell.planned.scenario, *cell.planned.variant, cell.planned.runtime,
                         options, cell.header, repetition);
  } catch (const std::exception& e) {
    RepetitionOutput out;
    results::Sample sample;
    sample.repetition = repetition;
    sample.ok = false;
    sample.error_kind = "internal";
    sample.error_reason = "repetition_failed";
    sample.error_message = e.what();
    sample.metrics["errors"] = 1.0;
    out.samples.push_back(std::move(sample));
    return out;
  }
}

void Work(World& world, Dispenser& dispenser, const std::vector<CellInFlight>& cells,
          const MatrixOptions& options) {
  while (auto unit = dispenser.Next()) {
    dispenser.Finish(*unit, RunUnit(world, cells[unit->cell], options, unit->repetition));
  }
}

}  // namespace

Status RunMatrix(const WorldFactory& make_world, const std::vector<mocks::Scenario>& scenarios,
                 const MatrixOptions& options, results::Results& results,
                 const std::function<void(const results::Cell&)>& after_cell) {
  const std::vector<PlannedCell> planned = ShardOf(PlanCells(scenarios, options), options);
  const size_t jobs = static_cast<size_t>(std::max(options.jobs, 1));
  std::vector<std::unique_ptr<World>> worlds;
  for (size_t i = 0; i < std::min(jobs, std::max<size_t>(planned.size(), 1)); ++i) {
    auto world = make_world();
    if (!world) return world.failure();
    worlds.push_back(std::move(*world));
  }
  if (options.prices != nullptr) WarnUnpriced(scenarios, *options.prices);

  std::vector<CellInFlight> cells(planned.size());
  for (size_t i = 0; i < planned.size(); ++i) {
    cells[i].planned = planned[i];
    cells[i].header = CellHeader(worlds.front()->name(), *planned[i].scenario, *planned[i].variant,
                                 planned[i].runtime);
    cells[i].repetitions.resize(static_cast<size_t>(RepetitionsPerCell(options)));
  }
  Dispenser dispenser(cells, options);
  auto hand_on = [&](size_t index) {
    results.cells.push_back(std::move(*cells[index].done));
    cells[index] = CellInFlight{};  // its memory goes now, not at the end of the run
    if (after_cell) after_cell(results.cells.back());
  };

  if (worlds.size() == 1) {
    // One worker: the calling thread itself (the real world's event loop lives here).
    dispenser.WorkerStarted();
    while (auto unit = dispenser.Next()) {
      dispenser.Finish(*unit,
                       RunUnit(*worlds.front(), cells[unit->cell], options, unit->repetition));
      if (cells[unit->cell].done) hand_on(unit->cell);
    }
    dispenser.WorkerEnded();
  } else {
    std::vector<std::thread> threads;
    for (auto& world : worlds) {
      dispenser.WorkerStarted();
      threads.emplace_back([&dispenser, &cells, &options, w = world.get()] {
        Work(*w, dispenser, cells, options);
        dispenser.WorkerEnded();
      });
    }
    for (size_t i = 0; i < cells.size() && dispenser.WaitFor(i); ++i) hand_on(i);
    for (auto& thread : threads) thread.join();
  }
  results::CompareWithBaseline(results);
  return {};
}

}  // namespace agentreplay::harness
