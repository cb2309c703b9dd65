// Internal to the mock HTTP server (http_server.cc, http_connection.cc): the server's state
// and the connection entry points. Includes Asio, so nothing outside those two files may
// include it.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <vector>

#include "mocks/server/http_server.h"
#include "mocks/server/session_table.h"
#include "mocks/server/wire_writer.h"

namespace agentreplay::mocks {

class Connection;

// The names of a response's write-log entries, shared by all of them: an entry per chunk then
// costs an index, not two strings.
struct WriteTag {
  std::string request_id;
  std::string session;
};

// 24 bytes per body chunk: a long_answer stream's log is 12 KiB, a quarter of what the stream
// costs the server.
struct CompactWrite {
  static constexpr uint64_t kMaxTags = uint64_t{1} << 24;
  TimePoint due{};
  TimePoint written{};
  uint64_t body_end : 40;
  uint64_t tag : 24;  // index into MockServer::Impl::write_tags
};

// A connection's handle on its response's tag in the current write log.
struct WriteTagRef {
  std::shared_ptr<const WriteTag> tag;  // null: no write log
  uint64_t generation = 0;              // of the log `index` is valid in (0: none yet)
  uint64_t index = 0;
};

struct MockServer::Impl {
  explicit Impl(MockServerOptions given)
      : options(std::move(given)),
        default_scenario(std::make_shared<const Scenario>(options.scenario)),
        sessions(default_scenario, options.seed, options.session_idle_timeout,
                 options.max_sessions) {}

  // Run on shards[0]'s thread.
  void Accept();
  void Shutdown();
  // Frees idle sessions now and then (while session_idle_timeout is set).
  void ScheduleSessionExpiry();
  // Answers one request received at `receipt`: `slot`'s MockBackend, or the handler (then
  // `slot` is null).
  MockResponse Answer(SessionSlot* slot, std::string_view session, const HttpRequest& request,
                      SteadyClock::time_point receipt);
  // What the first request on a new connection of `slot`'s session waits before it counts as
  // received: the scenario's connect and TLS handshake times, scaled (0 with a handler).
  SteadyClock::duration ConnectCost(SessionSlot* slot);
  // Logs the body segments of `batch`, due at receipt + at, written at `written`.
  void RecordWrites(WriteTagRef& tag, const std::vector<WireSegment>& batch,
                    SteadyClock::time_point receipt, TimePoint written);

  // Any thread.
  TimePoint OnBase(SteadyClock::time_point t) const {
    return TimePoint(std::chrono::duration_cast<Duration>(t - zero));
  }
  // Scenario time → server base.
  TimePoint Unscale(TimePoint t) const {
    if (options.time_scale == 1.0) return t;
    return TimePoint(Duration(static_cast<Duration::rep>(
        static_cast<double>(t.time_since_epoch().count()) * options.time_scale)));
  }

  const MockServerOptions options;
  // What sessions that were not opened explicitly play, shared by all of them.
  const std::shared_ptr<const Scenario> default_scenario;
  SteadyClock::time_point zero = SteadyClock::now();
  std::string host;
  uint16_t port = 0;
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> open{0};
  std::atomic<uint64_t> refused{0};
  std::atomic<uint64_t> rejected{0};
  std::atomic<uint64_t> timeouts{0};

  SessionTable sessions;

  std::mutex write_log_mutex;
  std::deque<CompactWrite> write_log;                       // grows without copying what it holds
  std::vector<std::shared_ptr<const WriteTag>> write_tags;  // named by write_log's entries
  uint64_t write_generation = 1;  // counts TakeWriteLog calls: a new log, new tag indices
  bool write_tags_full = false;   // kMaxTags responses since the last take (logged once)

  // One event loop per server thread; each connection lives on one of them, start to end,
  // so nothing inside a connection needs a lock.
  struct Shard {
    // Open connections of this shard, touched only on its thread (or after it was joined).
    // Declared before `io` so it outlives the connections that the io_context's destruction
    // releases.
    std::unordered_set<Connection*> connections;
    bool stopping = false;
    boost::asio::io_context io{1};  // one thread runs it: no locking inside Asio
    // Keeps run() going while the shard has no connection yet.
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{
        io.get_executor()};
    std::thread thread;
  };
  // Shuts down a shard's connections, on that shard's thread.
  void ShutdownShard(Shard& shard);

  std::vector<std::unique_ptr<Shard>> shards;  // shards[0] also accepts
  size_t next_shard = 0;                       // round robin, on shards[0]'s thread
  bool accept_failing = false;                 // the last accept failed (its error is logged once)
  // Destroyed before the shards: they are bound to shards[0]'s io_context.
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor;
  std::unique_ptr<boost::asio::steady_timer> accept_retry;
  std::unique_ptr<boost::asio::steady_timer> session_expiry;
};

// http_connection.cc: serves one accepted socket (bound to `shard`'s io_context) until it
// closes. Runs on the shard's thread.
void StartConnection(MockServer::Impl& server, MockServer::Impl::Shard& shard,
                     boost::asio::ip::tcp::socket socket);
// Aborts a connection (server stopping): closes its socket and cancels its timer.
void CloseConnection(Connection& connection);

}  // namespace agentreplay::mocks
