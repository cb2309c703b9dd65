// Internal to the mock HTTP server (http_server.cc, http_connection.cc): the server's state
// and the connection entry points. Includes Asio, so nothing outside those two files may
// include it.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "mocks/model/connection_costs.h"
#include "mocks/server/http_server.h"

namespace agentreplay::mocks {

using SteadyClock = std::chrono::steady_clock;

// One session's back end. Its mutex serialises the server thread's Handle calls with the
// log copies other threads ask for.
struct SessionSlot {
  SessionSlot(const Scenario& scenario, uint64_t seed)
      : backend(scenario, seed), connect(scenario.latency, seed) {}
  std::mutex mutex;
  MockBackend backend;
  ConnectionCosts connect;  // the scenario's price of each new connection, in order
};

class Connection;

struct MockServer::Impl {
  explicit Impl(MockServerOptions given) : options(std::move(given)) {}

  // Runs on the server thread.
  void Accept();
  void Shutdown();
  // Answers one request received at `receipt` (the session's MockBackend or the handler).
  MockResponse Answer(std::string_view session, const HttpRequest& request,
                      SteadyClock::time_point receipt);
  // What the first request on a new connection of `session` waits before it counts as
  // received: the scenario's connect and TLS handshake times, scaled (0 with a handler).
  SteadyClock::duration ConnectCost(std::string_view session);
  void RecordWrites(std::vector<WriteLogEntry>& entries);

  // Any thread.
  std::shared_ptr<SessionSlot> FindSession(std::string_view id) const;
  std::shared_ptr<SessionSlot> SessionFor(std::string_view id);
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
  SteadyClock::time_point zero = SteadyClock::now();
  std::string host;
  uint16_t port = 0;
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> open{0};

  mutable std::mutex sessions_mutex;
  std::unordered_map<std::string, std::shared_ptr<SessionSlot>> sessions;

  std::mutex write_log_mutex;
  std::vector<WriteLogEntry> write_log;

  // Open connections, touched only on the server thread (or after it was joined). Declared
  // before `io` so it outlives the connections that the io_context's destruction releases.
  std::unordered_set<Connection*> connections;
  bool stopping = false;
  boost::asio::io_context io{1};  // one thread runs it: no locking inside Asio
  boost::asio::ip::tcp::acceptor acceptor{io};
  boost::asio::steady_timer accept_retry{io};
  std::thread thread;
};

// http_connection.cc: serves one accepted socket until it closes.
void StartConnection(MockServer::Impl& server, boost::asio::ip::tcp::socket socket);
// Aborts a connection (server stopping): closes its socket and cancels its timer.
void CloseConnection(Connection& connection);

}  // namespace agentreplay::mocks
