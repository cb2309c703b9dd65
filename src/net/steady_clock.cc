#include "net/steady_clock.h"

#include <boost/asio/steady_timer.hpp>
#include <utility>

#include "net/loop_internal.h"

namespace agentreplay::net {
namespace {

namespace asio = boost::asio;

// A timer wait in the IoAwaiter shape (steady_timer's handler takes no byte count).
auto WaitOn(asio::steady_timer& timer) {
  return IoAwaiter([&timer](auto handler) {
    timer.async_wait(
        [h = std::move(handler)](const boost::system::error_code& ec) mutable { h(ec, 0); });
  });
}

}  // namespace

SteadyClock::SteadyClock(EventLoop& loop, std::chrono::steady_clock::time_point zero)
    : loop_(loop), zero_(zero) {}

TimePoint SteadyClock::Now() const {
  return TimePoint(std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - zero_));
}

Task<void> SteadyClock::Sleep(Duration d) {
  // A non-positive wait still goes through the loop, like every other completion.
  asio::steady_timer timer(IoContext(loop_), d.count() > 0 ? d : Duration(0));
  auto wait = WaitOn(timer);
  co_await wait;
}

Task<bool> SteadyClock::SleepUnlessCancelled(Duration d, WaitCanceller& canceller) {
  if (canceller.cancelled()) co_return false;
  asio::steady_timer timer(IoContext(loop_), d.count() > 0 ? d : Duration(0));
  // Cancelling the timer completes the wait with operation_aborted, through the loop.
  canceller.SetHook([&timer] { timer.cancel(); });
  auto wait = WaitOn(timer);
  co_await wait;
  canceller.ClearHook();
  co_return !canceller.cancelled();
}

}  // namespace agentreplay::net
