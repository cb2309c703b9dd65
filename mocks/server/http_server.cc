#include "mocks/server/http_server.h"

#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/beast/core/error.hpp>
#include <cmath>
#include <exception>
#include <utility>

#include "mocks/server/http_server_impl.h"
#include "mocks/server/listener.h"

namespace agentreplay::mocks {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

}  // namespace

// ---- server thread --------------------------------------------------------------------------

void MockServer::Impl::Accept() {
  acceptor.async_accept([this](const beast::error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || stopping || !acceptor.is_open()) return;
    if (ec) {
      // E.g. out of file descriptors: back off briefly instead of spinning.
      spdlog::warn("mock server: accept failed: {}", ec.message());
      accept_retry.expires_after(std::chrono::milliseconds(10));
      accept_retry.async_wait([this](const beast::error_code& wait_ec) {
        if (!wait_ec) Accept();
      });
      return;
    }
    accepted.fetch_add(1, std::memory_order_relaxed);
    beast::error_code ignored;
    // Every SSE event must leave when it is due, not when Nagle decides.
    socket.set_option(tcp::no_delay(true), ignored);
    StartConnection(*this, std::move(socket));
    Accept();
  });
}

void MockServer::Impl::Shutdown() {
  stopping = true;
  beast::error_code ignored;
  acceptor.close(ignored);
  accept_retry.cancel();
  // Closing never frees a connection (its pending handlers own it), so the set stays valid
  // while we walk it; copy anyway, as a handler run later may erase.
  const std::vector<Connection*> open_now(connections.begin(), connections.end());
  for (Connection* connection : open_now) CloseConnection(*connection);
}

MockResponse MockServer::Impl::Answer(std::string_view session, const HttpRequest& request,
                                      SteadyClock::time_point receipt) {
  // The mock plays the scenario in scenario time; PlanWire stretches its offsets back.
  const auto since_zero = std::chrono::duration_cast<Duration>(receipt - zero);
  const TimePoint sent_at =
      options.time_scale == 1.0
          ? TimePoint(since_zero)
          : TimePoint(Duration(static_cast<Duration::rep>(
                std::llround(static_cast<double>(since_zero.count()) / options.time_scale))));
  if (options.handler) return options.handler(session, request, sent_at);
  const std::shared_ptr<SessionSlot> slot = SessionFor(session);
  std::lock_guard lock(slot->mutex);
  return slot->backend.Handle(request, sent_at);
}

SteadyClock::duration MockServer::Impl::ConnectCost(std::string_view session) {
  if (options.handler) return SteadyClock::duration::zero();
  const std::shared_ptr<SessionSlot> slot = SessionFor(session);
  std::lock_guard lock(slot->mutex);
  if (slot->connect.free()) return SteadyClock::duration::zero();
  const Duration cost = slot->connect.Next();
  return std::chrono::duration_cast<SteadyClock::duration>(
      Duration(static_cast<Duration::rep>(static_cast<double>(cost.count()) * options.time_scale)));
}

void MockServer::Impl::RecordWrites(std::vector<WriteLogEntry>& entries) {
  std::lock_guard lock(write_log_mutex);
  for (auto& entry : entries) write_log.push_back(std::move(entry));
}

// ---- any thread -----------------------------------------------------------------------------

std::shared_ptr<SessionSlot> MockServer::Impl::FindSession(std::string_view id) const {
  std::lock_guard lock(sessions_mutex);
  const auto it = sessions.find(std::string(id));
  return it == sessions.end() ? nullptr : it->second;
}

std::shared_ptr<SessionSlot> MockServer::Impl::SessionFor(std::string_view id) {
  std::lock_guard lock(sessions_mutex);
  auto& slot = sessions[std::string(id)];
  if (slot == nullptr) slot = std::make_shared<SessionSlot>(options.scenario, options.seed);
  return slot;
}

std::unique_ptr<MockServer> MockServer::Start(MockServerOptions options) {
  if (!(options.time_scale > 0) || !std::isfinite(options.time_scale)) {
    spdlog::error("mock server: time scale must be a positive number, not {}", options.time_scale);
    return nullptr;
  }
  std::string host = options.host;
  const uint16_t port = options.port;
  auto impl = std::make_unique<Impl>(std::move(options));
  if (!OpenListener(impl->acceptor, host, port, "mock server")) return nullptr;
  impl->port = impl->acceptor.local_endpoint().port();
  impl->host = std::move(host);
  impl->Accept();
  impl->thread = std::thread([raw = impl.get()] {
    pthread_setname_np(pthread_self(), "mock-server");  // tells it apart in top and perf
    try {
      raw->io.run();
    } catch (const std::exception& e) {
      spdlog::critical("mock server: event loop failed: {}", e.what());
    }
  });
  return std::unique_ptr<MockServer>(new MockServer(std::move(impl)));
}

MockServer::MockServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MockServer::~MockServer() { Stop(); }

void MockServer::Stop() {
  if (!impl_->thread.joinable()) return;
  // Shut down from the server thread, then let the loop drain: every pending handler sees
  // its operation aborted and run() returns once no work is left.
  asio::post(impl_->io, [impl = impl_.get()] { impl->Shutdown(); });
  impl_->thread.join();
}

const std::string& MockServer::host() const { return impl_->host; }

uint16_t MockServer::port() const { return impl_->port; }

std::string MockServer::base_url() const {
  if (impl_->host.find(':') != std::string::npos) {  // an IPv6 literal needs brackets
    return fmt::format("http://[{}]:{}/v1", impl_->host, impl_->port);
  }
  return fmt::format("http://{}:{}/v1", impl_->host, impl_->port);
}

double MockServer::time_scale() const { return impl_->options.time_scale; }

std::chrono::steady_clock::time_point MockServer::zero() const { return impl_->zero; }

TimePoint MockServer::Now() const { return impl_->OnBase(SteadyClock::now()); }

void MockServer::OpenSession(const std::string& id, const Scenario& scenario, uint64_t seed) {
  // Built outside the lock: a scenario with documents indexes them.
  auto slot = std::make_shared<SessionSlot>(scenario, seed);
  std::lock_guard lock(impl_->sessions_mutex);
  impl_->sessions[id] = std::move(slot);
}

bool MockServer::CloseSession(const std::string& id) {
  std::lock_guard lock(impl_->sessions_mutex);
  return impl_->sessions.erase(id) > 0;
}

bool MockServer::HasSession(const std::string& id) const {
  return impl_->FindSession(id) != nullptr;
}

std::optional<std::vector<RequestLogEntry>> MockServer::request_log(const std::string& id) const {
  const auto slot = impl_->FindSession(id);
  if (slot == nullptr) return std::nullopt;
  std::vector<RequestLogEntry> copy;
  {
    std::lock_guard lock(slot->mutex);
    copy = slot->backend.request_log();
  }
  for (auto& entry : copy) entry.sent_at = impl_->Unscale(entry.sent_at);
  return copy;
}

std::optional<std::vector<StateTransition>> MockServer::state_log(const std::string& id) const {
  const auto slot = impl_->FindSession(id);
  if (slot == nullptr) return std::nullopt;
  std::vector<StateTransition> copy;
  {
    std::lock_guard lock(slot->mutex);
    copy = slot->backend.state_log();
  }
  for (auto& entry : copy) entry.visible_at = impl_->Unscale(entry.visible_at);
  return copy;
}

std::vector<WriteLogEntry> MockServer::TakeWriteLog() {
  std::vector<WriteLogEntry> taken;
  std::lock_guard lock(impl_->write_log_mutex);
  taken.swap(impl_->write_log);
  return taken;
}

uint64_t MockServer::connections_accepted() const {
  return impl_->accepted.load(std::memory_order_relaxed);
}

uint64_t MockServer::connections_open() const {
  return impl_->open.load(std::memory_order_relaxed);
}

}  // namespace agentreplay::mocks
