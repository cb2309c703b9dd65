// The `record` subcommand: a recording reverse proxy. Any OpenAI client takes the proxy's URL as
// its base URL; every request goes on to the upstream, every answer comes back piece by piece as
// it arrives, and each exchange is appended to a cassette (docs/recordings.md, "Recording").
//
// One thread runs everything on one event loop: the proxy's server, the upstream connections
// and the cassette writes. Another thread only waits for SIGINT/SIGTERM and hands them to the
// loop. The first signal stops taking connections and lets the open exchanges finish (for a
// few seconds); a second one stops at once. Exchanges still streaming then are recorded as they
// stand, marked "abandoned".
#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <system_error>
#include <thread>
#include <utility>

#include "app/commands.h"
#include "app/record_proxy.h"
#include "core/task.h"
#include "net/event_loop.h"
#include "net/http_server.h"
#include "net/http_transport.h"
#include "net/steady_clock.h"
#include "net/url.h"

namespace agentreplay::app {
namespace {

using namespace std::chrono_literals;

// After the first stop signal, how long open exchanges may take to finish.
constexpr Duration kDrainTime = 10s;
constexpr Duration kDrainPoll = 20ms;
// The upstream may think for a long time before (and while) it answers: the official SDKs'
// request timeout.
constexpr Duration kUpstreamReadTimeout = 10min;
constexpr int kExitRecordingFailed = 1;

// Fails early on an output path that cannot be written, rather than at the first request.
Status CheckOutput(const std::string& file) {
  namespace fs = std::filesystem;
  const fs::path path(file);
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Fail(fmt::format("--out {}: no such directory", file));
  if (fs::is_directory(path, ec)) return Fail(fmt::format("--out {}: is a directory", file));
  const bool writable =
      fs::exists(path, ec) ? ::access(path.c_str(), W_OK) == 0 : ::access(dir.c_str(), W_OK) == 0;
  if (!writable) return Fail(fmt::format("--out {}: not writable", file));
  return {};
}

// What the loop does about stop signals.
struct Stopping {
  int signals = 0;
  bool done = false;  // the loop may return
};

Task<void> Drain(net::HttpServer& server, Clock& clock, Stopping& stopping) {
  const TimePoint deadline = clock.Now() + kDrainTime;
  while (!stopping.done && server.active_requests() > 0 && clock.Now() < deadline) {
    co_await clock.Sleep(kDrainPoll);
  }
  stopping.done = true;
}

// Lets closed connections and cancelled timers complete, for at most `limit`.
void Settle(net::EventLoop& loop, Clock& clock, Duration limit) {
  bool elapsed = false;
  Spawn(
      [](Clock& c, Duration d, bool& flag) -> Task<void> {
        co_await c.Sleep(d);
        flag = true;
      }(clock, limit, elapsed),
      nullptr);
  loop.RunUntil(elapsed);
}

}  // namespace

int RecordCommand(const RecordOptions& options) {
  auto upstream = net::ParseBaseUrl(options.upstream);
  if (!upstream) {
    fmt::print(stderr, "error: --upstream {}: {}\n", options.upstream, upstream.error());
    return kExitBadInput;
  }
  if (Status s = CheckOutput(options.out_file); !s) {
    fmt::print(stderr, "error: {}\n", s.error());
    return kExitBadInput;
  }
  harness::RedactionRules rules;
  rules.headers = options.redact_headers;
  rules.json_fields = options.redact_fields;

  // Blocked before any thread starts, so every thread inherits the mask and the signals wait
  // for the signal thread's sigwait instead of killing the process mid-write.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  net::EventLoop loop;
  net::SteadyClock clock(loop);
  net::HttpTransportOptions transport_options;
  transport_options.base_url = upstream->Origin();  // targets carry the upstream's path
  transport_options.user_agent.clear();             // the client's own goes upstream
  transport_options.ca_file = options.ca_file;
  transport_options.read_timeout = kUpstreamReadTimeout;
  transport_options.max_idle_connections = 32;
  auto transport = net::HttpTransport::Create(loop, clock, transport_options);
  if (!transport) {
    fmt::print(stderr, "error: --upstream {}: {}\n", options.upstream, transport.error());
    pthread_sigmask(SIG_UNBLOCK, &stop_signals, nullptr);
    return kExitBadInput;
  }

  CassetteSink sink(options, rules);
  RecordingProxy proxy(**transport, upstream->path, clock, rules, sink);
  auto server =
      net::HttpServer::Start(loop, clock, options.host, static_cast<uint16_t>(options.port),
                             [&proxy](net::IncomingRequest request, net::ResponseWriter& writer) {
                               return proxy.Handle(std::move(request), writer);
                             });
  if (!server) {
    fmt::print(stderr, "error: {}\n", server.error());
    pthread_sigmask(SIG_UNBLOCK, &stop_signals, nullptr);
    return kExitBadInput;
  }
  net::HttpServer& http = **server;
  // Exactly one line on stdout: scripts read the URL from it.
  fmt::print("agentreplay record: listening on {}/v1 -> {}\n", http.origin(), options.upstream);
  std::fflush(stdout);

  Stopping stopping;
  std::atomic<bool> finished{false};
  std::thread signal_thread([&] {
    // Wakes now and then to see whether the command is over; a signal is handed on at once.
    const timespec poll = {0, 50'000'000};
    while (!finished.load()) {
      if (sigtimedwait(&stop_signals, nullptr, &poll) < 0) continue;
      loop.Post([&] {
        if (++stopping.signals == 1) {
          http.StopAccepting();
          Spawn(Drain(http, clock, stopping), nullptr);
        } else {
          stopping.done = true;  // a second signal: stop now
        }
      });
    }
  });

  loop.RunUntil(stopping.done);
  proxy.FlushInFlight();
  const bool idle = http.active_requests() == 0;
  http.Stop();
  if (idle) {
    loop.Run();  // nothing waits on the upstream: every operation left completes promptly
  } else {
    Settle(loop, clock, 200ms);  // handlers stuck on the upstream are left behind
  }
  const Status closed = sink.Close();

  finished.store(true);
  signal_thread.join();

  if (!closed) {
    fmt::print(stderr, "error: {}\n", closed.error());
    return kExitRecordingFailed;
  }
  fmt::print(stderr, "agentreplay record: {} exchanges written to {}\n", sink.written(),
             options.out_file);
  return kExitOk;
}

}  // namespace agentreplay::app
