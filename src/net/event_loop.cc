#include "net/event_loop.h"

#include <boost/asio/post.hpp>
#include <utility>

#include "net/loop_internal.h"

namespace agentreplay::net {

EventLoop::EventLoop() : impl_(std::make_unique<Impl>()) {}
EventLoop::~EventLoop() = default;

void EventLoop::Run() {
  impl_->io.restart();
  impl_->io.run();
}

bool EventLoop::RunUntilImpl(const std::function<bool()>& done) {
  impl_->io.restart();
  // One handler at a time, so `done` is looked at as soon as it can have changed.
  while (!done()) {
    if (impl_->io.run_one() == 0) break;  // out of work, or stopped
  }
  return done();
}

void EventLoop::Stop() { impl_->io.stop(); }

void EventLoop::Post(std::function<void()> fn) { boost::asio::post(impl_->io, std::move(fn)); }

}  // namespace agentreplay::net
