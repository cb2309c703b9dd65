// The real world: the mock back end served over loopback HTTP (one server for the whole run,
// a fresh mock session per repetition), the agent core on real sockets driven by an event
// loop on the calling thread, and the proxy_router hop as a real loopback server. The agent
// core, the mock logic and the measurement are the ones the simulated world uses; only the
// ports differ.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <utility>

#include "core/random.h"
#include "harness/real/proxy_hop.h"
#include "harness/run/proxy_hop_draws.h"
#include "harness/run/world.h"
#include "mocks/model/calendar.h"
#include "mocks/model/distribution.h"
#include "mocks/server/http_server.h"
#include "net/event_loop.h"
#include "net/http_transport.h"
#include "net/steady_clock.h"

namespace agentreplay::harness {
namespace {

// Where each body piece of each response arrived, by the response's x-request-id, so the
// server's write log (due instants per body offset) can be matched with client arrivals.
struct Arrival {
  uint64_t body_end = 0;
  TimePoint at{};
};
using ArrivalLog = std::map<std::string, std::vector<Arrival>>;

class RecordingBody : public BodyStream {
 public:
  RecordingBody(std::unique_ptr<BodyStream> inner, Clock& clock, std::vector<Arrival>* log)
      : inner_(std::move(inner)), clock_(clock), log_(log) {}
  Task<BodyChunk> Next() override {
    BodyChunk chunk = co_await inner_->Next();
    if (!chunk.bytes.empty() && log_ != nullptr) {
      received_ += chunk.bytes.size();
      log_->push_back({received_, clock_.Now()});
    }
    co_return chunk;
  }

 private:
  std::unique_ptr<BodyStream> inner_;
  Clock& clock_;
  std::vector<Arrival>* log_;
  uint64_t received_ = 0;
};

class RecordingTransport : public Transport {
 public:
  RecordingTransport(Transport& inner, Clock& clock, ArrivalLog& log)
      : inner_(&inner), clock_(clock), log_(log) {}
  void set_inner(Transport& inner) { inner_ = &inner; }
  Task<HttpResponse> Send(HttpRequest request) override {
    HttpResponse response = co_await inner_->Send(std::move(request));
    if (response.body) {
      std::vector<Arrival>* entries = nullptr;
      if (auto id = FindHeader(response.headers, "x-request-id")) {
        entries = &log_[std::string(*id)];
      }
      response.body = std::make_unique<RecordingBody>(std::move(response.body), clock_, entries);
    }
    co_return response;
  }

 private:
  Transport* inner_;
  Clock& clock_;
  ArrivalLog& log_;
};

// The server's write log holds every session's chunks; each session takes only its own. With
// one session at a time (`run`) that is the whole log; with many at once (`load`) a session's
// take must not drop the chunks of the others still running, so they wait here until their
// session asks. Chunks of sessions that already closed are dropped.
class WriteLogRouter {
 public:
  explicit WriteLogRouter(mocks::MockServer& server) : server_(server) {}
  void Open(const std::string& id) { pending_[id]; }
  void Close(const std::string& id) { pending_.erase(id); }
  std::vector<mocks::WriteLogEntry> Take(const std::string& id) {
    for (auto& w : server_.TakeWriteLog()) {
      auto it = pending_.find(w.session);
      if (it != pending_.end()) it->second.push_back(std::move(w));
    }
    auto it = pending_.find(id);
    if (it == pending_.end()) return {};
    return std::exchange(it->second, {});
  }

 private:
  mocks::MockServer& server_;
  std::map<std::string, std::vector<mocks::WriteLogEntry>> pending_;
};

class RealSession : public WorldSession {
 public:
  RealSession(mocks::MockServer& server, WriteLogRouter& writes, std::string id,
              const mocks::Scenario& scenario, net::HttpTransportOptions options,
              std::unique_ptr<net::HttpTransport> transport, net::EventLoop& loop,
              net::SteadyClock& clock)
      : server_(server),
        writes_(writes),
        id_(std::move(id)),
        hop_costs_(scenario),
        loop_(loop),
        clock_(clock),
        options_(std::move(options)),
        http_(std::move(transport)),
        recording_(*http_, clock_, arrivals_) {
    writes_.Open(id_);
  }

  // Before the first request: a transport with these read and total timeouts replaces the
  // default one (the connect timeout stays the transport's).
  void SetClientTimeouts(const ClientTimeouts& timeouts) override {
    options_.read_timeout = timeouts.read;
    options_.total_timeout = timeouts.total;
    Recreate("the default timeouts");
  }
  void SetMaxIdleConnections(int n) override {
    max_idle_connections_ = std::max(0, n);
    options_.max_idle_connections = max_idle_connections_;
    Recreate("the default keep-alive pool");
  }
  // The connections the agent's clients really opened (the server accepted each of them).
  std::optional<uint64_t> connections_opened() const override {
    return http_->stats().connections_opened + *hop_connections_;
  }

  ~RealSession() override {
    writes_.Close(id_);
    server_.CloseSession(id_);
  }

  Clock& clock() override { return clock_; }
  Transport& transport() override { return recording_; }
  std::chrono::sys_seconds wall_origin() const override { return mocks::kScenarioEpoch; }
  // The mock runs on the server's thread: this thread's CPU time is the agent's and its
  // client's alone.
  Duration foreign_cpu_time() const override { return Duration(0); }
  const std::vector<mocks::StateTransition>& state_log() const override { return states_; }
  double time_scale() const override { return server_.time_scale(); }

  // The hop's cost is drawn here, per call as the agent dispatches it, from the stream the
  // simulated world draws from; the router spends it around the real round trip.
  std::unique_ptr<ToolDispatcher> ProxyHop(ToolDispatcher&, const ToolCatalog& catalog,
                                           const ToolContext& context, uint64_t seed) override {
    LoopbackHopOptions options;
    auto draws = std::make_shared<ProxyHopDraws>(hop_costs_, seed);
    options.cost = [draws, scale = server_.time_scale()](const ToolCall& call) {
      return Duration(
          static_cast<Duration::rep>(static_cast<double>(draws->Next(call.name).count()) * scale));
    };
    options.max_idle_connections = max_idle_connections_;
    options.connections_opened = hop_connections_;
    return StartLoopbackProxyHop(loop_, clock_, catalog, context, std::move(options));
  }

  std::optional<TurnResult> Drive(Task<TurnResult> turn) override {
    auto result = DriveTurn(std::move(turn), [&](const bool& finished) {
      loop_.RunUntil(finished);
      // Then until idle, as the simulated world does: cancelled timers still have handlers to
      // run (each resumes a coroutine that must end), and a tool call abandoned by its timeout
      // runs to its end. Nothing may be left for the loop's destructor to drop.
      if (finished) loop_.Run();
      SettleTurn();
    });
    return result;
  }

  void SettleTurn() override {
    if (auto states = server_.state_log(id_)) states_ = std::move(*states);
  }

  std::vector<double> TakeTimingFidelity() override {
    std::vector<double> out;
    for (const auto& w : writes_.Take(id_)) {
      auto it = arrivals_.find(w.request_id);
      if (it == arrivals_.end()) continue;
      // The first read that brought the end of this chunk.
      const auto& reads = it->second;
      auto hit = std::lower_bound(reads.begin(), reads.end(), w.body_end,
                                  [](const Arrival& a, uint64_t end) { return a.body_end < end; });
      if (hit != reads.end()) out.push_back(ToMillis(hit->at - w.due));
    }
    arrivals_.clear();
    return out;
  }

 private:
  void Recreate(std::string_view keeping) {
    auto transport = net::HttpTransport::Create(loop_, clock_, options_);
    if (!transport) {
      spdlog::warn("real world: keeping {}: {}", keeping, transport.error());
      return;
    }
    http_ = std::move(*transport);
    recording_.set_inner(*http_);
  }

  mocks::MockServer& server_;
  WriteLogRouter& writes_;
  std::string id_;
  ProxyHopCosts hop_costs_;
  int max_idle_connections_ = 8;
  std::shared_ptr<uint64_t> hop_connections_ = std::make_shared<uint64_t>(0);
  net::EventLoop& loop_;
  net::SteadyClock& clock_;
  net::HttpTransportOptions options_;
  std::unique_ptr<net::HttpTransport> http_;
  ArrivalLog arrivals_;
  RecordingTransport recording_;
  std::vector<mocks::StateTransition> states_;
};

class RealWorld : public World {
 public:
  explicit RealWorld(std::unique_ptr<mocks::MockServer> server)
      : server_(std::move(server)), writes_(*server_), clock_(loop_, server_->zero()) {}
  std::string_view name() const override { return "real"; }
  Clock* shared_clock() override { return &clock_; }
  bool RunLoopUntil(const std::function<bool()>& done) override { return loop_.RunUntil(done); }
  void RunLoopUntilIdle() override { loop_.Run(); }

  std::unique_ptr<WorldSession> Open(const mocks::Scenario& scenario, uint64_t seed) override {
    const std::string id = fmt::format("s{}", ++sessions_);
    server_->OpenSession(id, scenario, seed);
    net::HttpTransportOptions options;
    // The LLM clients put /v1 in front of their paths themselves.
    options.base_url = fmt::format("http://{}:{}", server_->host(), server_->port());
    options.extra_headers.push_back({std::string(mocks::kSessionHeader), id});
    auto transport = net::HttpTransport::Create(loop_, clock_, options);
    if (!transport) throw std::runtime_error("real world: " + transport.error());
    return std::make_unique<RealSession>(*server_, writes_, id, scenario, std::move(options),
                                         std::move(*transport), loop_, clock_);
  }

 private:
  std::unique_ptr<mocks::MockServer> server_;
  WriteLogRouter writes_;
  net::EventLoop loop_;
  net::SteadyClock clock_;
  uint64_t sessions_ = 0;
};

}  // namespace

Expected<std::unique_ptr<World>> MakeRealWorld(const RealWorldOptions& options) {
  mocks::MockServerOptions server_options;
  server_options.time_scale = options.time_scale;
  auto server = mocks::MockServer::Start(std::move(server_options));
  if (!server) return Fail("cannot start the mock server on 127.0.0.1");
  return std::unique_ptr<World>(std::make_unique<RealWorld>(std::move(server)));
}

}  // namespace agentreplay::harness
