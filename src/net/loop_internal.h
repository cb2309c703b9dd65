// Private to the net library's .cc files: the Asio objects behind EventLoop, and the awaiter
// that suspends a coroutine on one Asio operation. Never include this from a public header.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/system/error_code.hpp>
#include <coroutine>
#include <cstddef>
#include <utility>

#include "net/event_loop.h"

namespace agentreplay::net {

struct EventLoop::Impl {
  // One thread runs the loop: the hint lets Asio skip locking it does not need.
  boost::asio::io_context io{1};
};

inline boost::asio::io_context& IoContext(EventLoop& loop) { return loop.impl().io; }

// What an Asio operation completed with.
struct IoResult {
  boost::system::error_code ec;
  std::size_t bytes = 0;
};

// Suspends the awaiting coroutine on one Asio operation. `start(handler)` initiates it with a
// completion handler taking (error_code, size_t); Asio never runs a handler inside the
// initiating call, so the coroutine is always suspended by the time it resumes. Use a named
// local (GCC 12 destroys braced temporaries inside co_await twice):
//
//   IoAwaiter write([&](auto handler) { boost::asio::async_write(s, b, std::move(handler)); });
//   IoResult r = co_await write;
//
// The coroutine must not be destroyed while the operation is pending.
template <typename Start>
class IoAwaiter {
 public:
  explicit IoAwaiter(Start start) : start_(std::move(start)) {}

  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) {
    start_([this, h](const boost::system::error_code& ec, std::size_t bytes) {
      result_.ec = ec;
      result_.bytes = bytes;
      h.resume();
    });
  }
  IoResult await_resume() noexcept { return result_; }

 private:
  Start start_;
  IoResult result_;
};

}  // namespace agentreplay::net
