// What a long `run` shows and how it stops. On a terminal, a progress line on stderr (cells
// done, turns per second, time left), rewritten in place and cleared at the end; nothing when
// stderr is not a terminal, so CI logs stay clean. SIGINT and SIGTERM ask the run to stop after
// the cell in flight (its repetitions and their workspaces finish and are cleaned up as usual):
// the results so far are kept and reported, and the command exits 130 or 143 as a shell
// expects. A second signal ends the process at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>

namespace agentreplay::app {

class RunProgress {
 public:
  // `enabled`: whether to draw (stderr is a terminal).
  RunProgress(size_t total_cells, bool enabled);
  ~RunProgress() { Finish(); }
  RunProgress(const RunProgress&) = delete;
  RunProgress& operator=(const RunProgress&) = delete;

  // One more cell is done; `turns` samples it ran (warm-up included).
  void CellDone(size_t turns);
  // Clears the line (once).
  void Finish();

 private:
  using Clock = std::chrono::steady_clock;
  size_t total_;
  bool enabled_;
  size_t cells_ = 0;
  size_t turns_ = 0;
  Clock::time_point start_ = Clock::now();
};

// While alive, SIGINT and SIGTERM set a flag instead of killing the process; the previous
// handlers come back when it goes.
class StopOnSignals {
 public:
  StopOnSignals();
  ~StopOnSignals();
  StopOnSignals(const StopOnSignals&) = delete;
  StopOnSignals& operator=(const StopOnSignals&) = delete;

  // The signal that asked to stop, or 0.
  int signal() const;
  // The exit code a shell expects after that signal: 128 + its number (130, 143).
  int ExitCode() const { return 128 + signal(); }
};

}  // namespace agentreplay::app
