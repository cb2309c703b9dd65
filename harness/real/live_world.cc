// The live world: the agent core on real sockets against a real OpenAI-compatible endpoint (or
// anything that speaks its wire format), with no mock behind it. `chat` runs one turn in it and
// `run --world live` runs the matrix's agent side in it, so a ladder can be measured against a
// real model once and replayed from its recording ever after. The calendar is the real one;
// tools run in-process or through a proxy_router on loopback.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "harness/real/proxy_hop.h"
#include "harness/run/world.h"
#include "net/event_loop.h"
#include "net/http_transport.h"
#include "net/steady_clock.h"
#include "net/url.h"

namespace agentreplay::harness {
namespace {

class LiveSession : public WorldSession {
 public:
  LiveSession(net::EventLoop& loop, net::SteadyClock& clock, net::HttpTransportOptions options,
              std::unique_ptr<net::HttpTransport> transport, std::string api_prefix)
      : loop_(loop),
        clock_(clock),
        options_(std::move(options)),
        http_(std::move(transport)),
        api_prefix_(std::move(api_prefix)),
        wall_origin_(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now())) {}

  void SetClientTimeouts(const ClientTimeouts& timeouts) override {
    options_.read_timeout = timeouts.read;
    options_.total_timeout = timeouts.total;
    Recreate();
  }
  void SetMaxIdleConnections(int n) override {
    max_idle_connections_ = std::max(0, n);
    options_.max_idle_connections = max_idle_connections_;
    Recreate();
  }
  std::optional<uint64_t> connections_opened() const override {
    return http_->stats().connections_opened + *hop_connections_;
  }
  Clock& clock() override { return clock_; }
  Transport& transport() override { return *http_; }
  std::string api_prefix() const override { return api_prefix_; }
  std::chrono::sys_seconds wall_origin() const override { return wall_origin_; }
  Duration foreign_cpu_time() const override { return Duration(0); }
  // A live back end reports no states to the harness: detection lag is not measured.
  const std::vector<mocks::StateTransition>& state_log() const override { return states_; }

  std::unique_ptr<ToolDispatcher> ProxyHop(ToolDispatcher&, const ToolCatalog& catalog,
                                           const ToolContext& context, uint64_t) override {
    LoopbackHopOptions options;
    options.max_idle_connections = max_idle_connections_;
    options.connections_opened = hop_connections_;
    return StartLoopbackProxyHop(loop_, clock_, catalog, context, std::move(options));
  }

  std::optional<TurnResult> Drive(Task<TurnResult> turn) override {
    return DriveTurn(std::move(turn), [&](const bool& finished) {
      loop_.RunUntil(finished);
      // Then until idle: cancelled timers and abandoned tool calls end before the next turn.
      if (finished) loop_.Run();
    });
  }

 private:
  void Recreate() {
    if (auto transport = net::HttpTransport::Create(loop_, clock_, options_)) {
      http_ = std::move(*transport);
    }
  }

  net::EventLoop& loop_;
  net::SteadyClock& clock_;
  net::HttpTransportOptions options_;
  std::unique_ptr<net::HttpTransport> http_;
  int max_idle_connections_ = 8;
  std::shared_ptr<uint64_t> hop_connections_ = std::make_shared<uint64_t>(0);
  std::string api_prefix_;
  std::chrono::sys_seconds wall_origin_;
  std::vector<mocks::StateTransition> states_;
};

class LiveWorld : public World {
 public:
  LiveWorld(net::HttpTransportOptions options, std::string api_prefix)
      : clock_(loop_), options_(std::move(options)), api_prefix_(std::move(api_prefix)) {}
  std::string_view name() const override { return "live"; }
  Clock* shared_clock() override { return &clock_; }
  bool RunLoopUntil(const std::function<bool()>& done) override { return loop_.RunUntil(done); }
  void RunLoopUntilIdle() override { loop_.Run(); }

  std::unique_ptr<WorldSession> Open(const mocks::Scenario&, uint64_t) override {
    auto transport = net::HttpTransport::Create(loop_, clock_, options_);
    if (!transport) throw std::runtime_error("live world: " + transport.error());
    return std::make_unique<LiveSession>(loop_, clock_, options_, std::move(*transport),
                                         api_prefix_);
  }

 private:
  net::EventLoop loop_;
  net::SteadyClock clock_;
  net::HttpTransportOptions options_;
  std::string api_prefix_;
};

}  // namespace

Expected<std::unique_ptr<World>> MakeLiveWorld(const LiveWorldOptions& options) {
  auto url = net::ParseBaseUrl(options.base_url);
  if (!url) return Fail(fmt::format("--base-url {}: {}", options.base_url, url.error()));
  if (options.api_key.empty() && !net::IsLoopbackHost(url->host)) {
    return Fail(
        fmt::format("OPENAI_API_KEY is not set (needed for {}; a loopback base URL needs none)",
                    url->Origin()));
  }
  net::HttpTransportOptions transport;
  transport.base_url = url->Origin();
  transport.api_key = options.api_key;
  transport.user_agent = options.user_agent;
  transport.ca_file = options.ca_file;
  // Fail fast on a bad CA file or URL, before any repetition runs.
  {
    net::EventLoop probe_loop;
    net::SteadyClock probe_clock(probe_loop);
    auto probe = net::HttpTransport::Create(probe_loop, probe_clock, transport);
    if (!probe) return probe.failure();
  }
  return std::unique_ptr<World>(std::make_unique<LiveWorld>(std::move(transport), url->path));
}

}  // namespace agentreplay::harness
