#include "app/run_progress.h"

#include <fmt/format.h>

#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdint>

namespace agentreplay::app {
namespace {

// Written by the handler, read by the run between cells; lock-free, so safe in a handler.
std::atomic<int> g_stop_signal{0};
static_assert(std::atomic<int>::is_always_lock_free);

struct sigaction g_previous_int {};
struct sigaction g_previous_term {};

extern "C" void OnStopSignal(int signal) {
  int expected = 0;
  if (!g_stop_signal.compare_exchange_strong(expected, signal)) {
    // A second signal: the user does not want to wait for the cell in flight.
    std::signal(signal, SIG_DFL);
    std::raise(signal);
  }
}

std::string Duration(double seconds) {
  const int64_t total = std::llround(seconds);
  return total >= 3600 ? fmt::format("{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60)
                       : fmt::format("{}:{:02}", total / 60, total % 60);
}

}  // namespace

RunProgress::RunProgress(size_t total_cells, bool enabled)
    : total_(total_cells), enabled_(enabled && total_cells > 0) {
  if (enabled_) fmt::print(stderr, "\r\x1b[K0/{} cells", total_);
}

void RunProgress::CellDone(size_t turns) {
  ++cells_;
  turns_ += turns;
  if (!enabled_) return;
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(turns_) / elapsed : 0.0;
  const double left =
      cells_ > 0 ? elapsed / static_cast<double>(cells_) * static_cast<double>(total_ - cells_)
                 : 0.0;
  fmt::print(stderr, "\r\x1b[K{}/{} cells \u00b7 {:.1f} turns/s \u00b7 about {} left", cells_,
             total_, rate, Duration(left));
}

void RunProgress::Finish() {
  if (!enabled_) return;
  fmt::print(stderr, "\r\x1b[K");
  enabled_ = false;
}

StopOnSignals::StopOnSignals() {
  g_stop_signal.store(0);
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &g_previous_int);
  sigaction(SIGTERM, &action, &g_previous_term);
}

StopOnSignals::~StopOnSignals() {
  sigaction(SIGINT, &g_previous_int, nullptr);
  sigaction(SIGTERM, &g_previous_term, nullptr);
}

int StopOnSignals::signal() const { return g_stop_signal.load(); }

}  // namespace agentreplay::app
