#include "mocks/server/http_server.h"

#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/beast/core/error.hpp>
#include <cmath>
#include <deque>
#include <exception>
#include <utility>

#include "mocks/server/http_server_impl.h"
#include "mocks/server/listener.h"

namespace agentreplay::mocks {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

// Every connection is a file descriptor: thousands of concurrent streams need more than the
// usual soft limit of 1024, and the hard limit is ours to take.
void RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    spdlog::warn("mock server: cannot raise RLIMIT_NOFILE to its hard limit {}", limit.rlim_max);
  }
}

rlim_t FileLimit() {
  rlimit limit{};
  return getrlimit(RLIMIT_NOFILE, &limit) == 0 ? limit.rlim_cur : 0;
}

}  // namespace

static_assert(sizeof(CompactWrite) == 24, "agentreplay_load reports the write log's share");

// ---- server thread --------------------------------------------------------------------------

void MockServer::Impl::Accept() {
  // Each connection is accepted straight onto the event loop of the shard that will serve it.
  Shard& shard = *shards[next_shard];
  next_shard = (next_shard + 1) % shards.size();
  acceptor->async_accept(shard.io, [this, &shard](const beast::error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || shards[0]->stopping || !acceptor->is_open()) {
      return;
    }
    if (ec) {
      // E.g. out of file descriptors: back off briefly instead of spinning, and say which
      // limit it is (once per burst, not every 10 ms).
      if (!accept_failing) {
        if (ec == asio::error::no_descriptors) {
          spdlog::error(
              "mock server: accept failed: {} (RLIMIT_NOFILE is {} with {} connections open; "
              "raise the hard limit, e.g. ulimit -Hn)",
              ec.message(), FileLimit(), open.load(std::memory_order_relaxed));
        } else {
          spdlog::warn("mock server: accept failed: {}", ec.message());
        }
      }
      accept_failing = true;
      accept_retry->expires_after(std::chrono::milliseconds(10));
      accept_retry->async_wait([this](const beast::error_code& wait_ec) {
        if (!wait_ec) Accept();
      });
      return;
    }
    accept_failing = false;
    accepted.fetch_add(1, std::memory_order_relaxed);
    beast::error_code ignored;
    if (options.max_connections > 0 &&
        open.load(std::memory_order_relaxed) >= options.max_connections) {
      // Every connection holds buffers and a descriptor: beyond the cap, close at once.
      refused.fetch_add(1, std::memory_order_relaxed);
      socket.close(ignored);
      Accept();
      return;
    }
    // Every SSE event must leave when it is due, not when Nagle decides.
    socket.set_option(tcp::no_delay(true), ignored);
    if (&shard == shards[0].get()) {
      StartConnection(*this, shard, std::move(socket));
    } else {
      asio::post(shard.io, [this, &shard, socket = std::move(socket)]() mutable {
        StartConnection(*this, shard, std::move(socket));
      });
    }
    Accept();
  });
}

void MockServer::Impl::Shutdown() {
  beast::error_code ignored;
  acceptor->close(ignored);
  accept_retry->cancel();
  session_expiry->cancel();
  for (auto& shard : shards) {
    asio::post(shard->io, [this, raw = shard.get()] { ShutdownShard(*raw); });
  }
}

void MockServer::Impl::ShutdownShard(Shard& shard) {
  shard.stopping = true;
  shard.work.reset();  // run() returns once the connections' handlers have drained
  // Closing never frees a connection (its pending handlers own it), so the set stays valid
  // while we walk it; copy anyway, as a handler run later may erase.
  const std::vector<Connection*> open_now(shard.connections.begin(), shard.connections.end());
  for (Connection* connection : open_now) CloseConnection(*connection);
}

void MockServer::Impl::ScheduleSessionExpiry() {
  const Duration timeout = options.session_idle_timeout;
  if (options.handler || timeout <= Duration::zero()) return;
  // A session expires between its idle timeout and a quarter of it later (at most 30 s).
  const Duration period = std::clamp(timeout / 4, Duration(std::chrono::milliseconds(10)),
                                     Duration(std::chrono::seconds(30)));
  session_expiry->expires_after(std::chrono::duration_cast<SteadyClock::duration>(period));
  session_expiry->async_wait([this](const beast::error_code& ec) {
    // Shutdown closes the acceptor first: a wake-up queued before its cancel stops here, or
    // its next wait would keep the event loop running.
    if (ec || shards[0]->stopping || !acceptor->is_open()) return;
    sessions.Expire(SteadyClock::now());
    ScheduleSessionExpiry();
  });
}

MockResponse MockServer::Impl::Answer(SessionSlot* slot, std::string_view session,
                                      const HttpRequest& request, SteadyClock::time_point receipt) {
  // The mock plays the scenario in scenario time; PlanWire stretches its offsets back.
  const auto since_zero = std::chrono::duration_cast<Duration>(receipt - zero);
  const TimePoint sent_at =
      options.time_scale == 1.0
          ? TimePoint(since_zero)
          : TimePoint(Duration(static_cast<Duration::rep>(
                std::llround(static_cast<double>(since_zero.count()) / options.time_scale))));
  if (options.handler) return options.handler(session, request, sent_at);
  std::lock_guard lock(slot->mutex);
  return slot->backend.Handle(request, sent_at);
}

SteadyClock::duration MockServer::Impl::ConnectCost(SessionSlot* slot) {
  if (options.handler || slot == nullptr) return SteadyClock::duration::zero();
  std::lock_guard lock(slot->mutex);
  if (slot->connect.free()) return SteadyClock::duration::zero();
  const Duration cost = slot->connect.Next();
  return std::chrono::duration_cast<SteadyClock::duration>(
      Duration(static_cast<Duration::rep>(static_cast<double>(cost.count()) * options.time_scale)));
}

void MockServer::Impl::RecordWrites(WriteTagRef& tag, const std::vector<WireSegment>& batch,
                                    SteadyClock::time_point receipt, TimePoint written) {
  std::lock_guard lock(write_log_mutex);
  if (tag.generation != write_generation) {
    // The first entries of this response in this log: register its names.
    if (write_tags.size() >= CompactWrite::kMaxTags) {
      if (!write_tags_full) spdlog::warn("mock server: write log full until it is taken");
      write_tags_full = true;
      return;
    }
    tag.generation = write_generation;
    tag.index = write_tags.size();
    write_tags.push_back(tag.tag);
  }
  for (const WireSegment& segment : batch) {
    if (!segment.carries_body) continue;
    const auto due = receipt + std::chrono::duration_cast<SteadyClock::duration>(segment.at);
    CompactWrite entry;
    entry.due = OnBase(due);
    entry.written = written;
    entry.body_end = segment.body_end & ((uint64_t{1} << 40) - 1);  // a TiB per body at most
    entry.tag = tag.index & (CompactWrite::kMaxTags - 1);
    write_log.push_back(entry);
  }
}

std::unique_ptr<MockServer> MockServer::Start(MockServerOptions options) {
  if (!(options.time_scale > 0) || !std::isfinite(options.time_scale)) {
    spdlog::error("mock server: time scale must be a positive number, not {}", options.time_scale);
    return nullptr;
  }
  if (options.threads < 1) {
    spdlog::error("mock server: threads must be at least 1, not {}", options.threads);
    return nullptr;
  }
  for (const auto& [name, value] :
       {std::pair{"header_timeout", options.header_timeout},
        std::pair{"body_timeout", options.body_timeout},
        std::pair{"idle_timeout", options.idle_timeout},
        std::pair{"write_timeout", options.write_timeout},
        std::pair{"session_idle_timeout", options.session_idle_timeout}}) {
    if (value < Duration::zero()) {
      spdlog::error("mock server: {} must not be negative", name);
      return nullptr;
    }
  }
  RaiseFileLimit();
  std::string host = options.host;
  const uint16_t port = options.port;
  const int threads = options.threads;
  auto impl = std::make_unique<Impl>(std::move(options));
  for (int i = 0; i < threads; ++i) impl->shards.push_back(std::make_unique<Impl::Shard>());
  impl->acceptor = std::make_unique<tcp::acceptor>(impl->shards[0]->io);
  impl->accept_retry = std::make_unique<asio::steady_timer>(impl->shards[0]->io);
  impl->session_expiry = std::make_unique<asio::steady_timer>(impl->shards[0]->io);
  if (!OpenListener(*impl->acceptor, host, port, "mock server")) return nullptr;
  impl->port = impl->acceptor->local_endpoint().port();
  impl->host = std::move(host);
  impl->Accept();
  impl->ScheduleSessionExpiry();
  for (size_t i = 0; i < impl->shards.size(); ++i) {
    Impl::Shard& shard = *impl->shards[i];
    shard.thread = std::thread([&shard, i] {
      // Tells the threads apart in top and perf.
      const std::string name =
          i == 0 ? std::string("mock-server") : fmt::format("mock-server-{}", i);
      pthread_setname_np(pthread_self(), name.c_str());
      try {
        shard.io.run();
      } catch (const std::exception& e) {
        spdlog::critical("mock server: event loop failed: {}", e.what());
      }
    });
  }
  return std::unique_ptr<MockServer>(new MockServer(std::move(impl)));
}

MockServer::MockServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MockServer::~MockServer() { Stop(); }

void MockServer::Stop() {
  if (impl_->shards.empty() || !impl_->shards[0]->thread.joinable()) return;
  // Shut down from the accepting thread, each shard on its own, then let the loops drain:
  // every pending handler sees its operation aborted and run() returns once no work is left.
  asio::post(impl_->shards[0]->io, [impl = impl_.get()] { impl->Shutdown(); });
  for (auto& shard : impl_->shards) shard->thread.join();
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
  OpenSession(id, std::make_shared<const Scenario>(scenario), seed);
}

void MockServer::OpenSession(const std::string& id, std::shared_ptr<const Scenario> scenario,
                             uint64_t seed) {
  impl_->sessions.Open(id, std::move(scenario), seed);
}

bool MockServer::CloseSession(const std::string& id) { return impl_->sessions.Close(id); }

bool MockServer::HasSession(const std::string& id) const {
  return impl_->sessions.Find(id) != nullptr;
}

size_t MockServer::session_count() const { return impl_->sessions.size(); }

std::optional<std::vector<RequestLogEntry>> MockServer::request_log(const std::string& id) const {
  const auto slot = impl_->sessions.Find(id);
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
  const auto slot = impl_->sessions.Find(id);
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
  std::deque<CompactWrite> compact;
  std::vector<std::shared_ptr<const WriteTag>> tags;
  {
    std::lock_guard lock(impl_->write_log_mutex);
    compact.swap(impl_->write_log);
    tags.swap(impl_->write_tags);
    ++impl_->write_generation;
    impl_->write_tags_full = false;
  }
  // Expanded here, off the server thread's write path.
  std::vector<WriteLogEntry> taken;
  taken.reserve(compact.size());
  for (const CompactWrite& w : compact) {
    const WriteTag& tag = *tags[w.tag];
    taken.push_back(WriteLogEntry{tag.request_id, tag.session, w.body_end, w.due, w.written});
  }
  return taken;
}

uint64_t MockServer::connections_accepted() const {
  return impl_->accepted.load(std::memory_order_relaxed);
}

uint64_t MockServer::connections_open() const {
  return impl_->open.load(std::memory_order_relaxed);
}

MockServerStats MockServer::stats() const {
  MockServerStats out;
  out.connections_accepted = impl_->accepted.load(std::memory_order_relaxed);
  out.connections_refused = impl_->refused.load(std::memory_order_relaxed);
  out.rejected = impl_->rejected.load(std::memory_order_relaxed);
  out.timeouts = impl_->timeouts.load(std::memory_order_relaxed);
  out.sessions_expired = impl_->sessions.expired();
  out.sessions_refused = impl_->sessions.refused();
  return out;
}

}  // namespace agentreplay::mocks
