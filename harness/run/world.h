// The world seam of the harness: where a cell's repetitions run. The simulated world (virtual
// time, mock called directly) implements it now; the real world (sockets, served mock) plugs
// in beside it without the runner changing.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/agent.h"
#include "core/expected.h"
#include "mocks/api/mock_response.h"
#include "mocks/model/scenario.h"
#include "ports/clock.h"
#include "ports/tool_dispatch.h"
#include "ports/transport.h"
#include "tools/tool_catalog.h"

namespace agentreplay::harness {

// The HTTP client's timeouts (a stalled answer ends as kTimeout, never a hang): the longest
// wait for the head or for the next body piece, and the whole request from send to the body's
// end. Non-positive: none. The defaults are the official SDKs' 10-minute request timeout and a
// read timeout that a streamed answer's pauses never reach.
struct ClientTimeouts {
  Duration read = std::chrono::seconds(30);
  Duration total = std::chrono::minutes(10);
};

// One repetition's world: a fresh mock back end for the scenario and the ports to reach it.
class WorldSession {
 public:
  virtual ~WorldSession() = default;
  // Before the first request. A world that cannot apply them keeps its own.
  virtual void SetClientTimeouts(const ClientTimeouts& timeouts) { (void)timeouts; }
  // How many idle keep-alive connections the agent's HTTP clients keep (to the back end and
  // to the proxy hop); 0: none, every request opens (and pays for) a connection of its own,
  // as a client without a pool does (package pc off). Before the first request and ProxyHop.
  virtual void SetMaxIdleConnections(int n) { (void)n; }
  // New connections the agent's clients opened so far (the metric `connections` is its growth
  // over a turn); nullopt in a world that cannot count them.
  virtual std::optional<uint64_t> connections_opened() const { return std::nullopt; }
  virtual Clock& clock() = 0;
  virtual Transport& transport() = 0;
  // The path the API's endpoints hang under ("/v1" for OpenAI and the mock).
  virtual std::string api_prefix() const { return "/v1"; }
  // The calendar instant of the clock's zero, for tools that tell the time.
  virtual std::chrono::sys_seconds wall_origin() const = 0;
  // Runs `turn` to completion in this world. Throws if the task throws; returns nullopt when
  // the world ran out of work before the task finished (a hang, reported as an error sample).
  virtual std::optional<TurnResult> Drive(Task<TurnResult> turn) = 0;
  // CPU time spent in this thread outside the agent core (the in-process mock), so far.
  virtual Duration foreign_cpu_time() const = 0;
  // The states the back end reached so far, with when a streaming client would have seen them.
  virtual const std::vector<mocks::StateTransition>& state_log() const = 0;
  // Tool dispatch through the proxy_router hop (package p2 off). The simulated world wraps
  // the in-process dispatcher and waits the hop's cost; the real world runs a proxy_router
  // over loopback with `catalog` and `context` (the same implementations, the same
  // workspace), which adds the same cost to the real round trip. The cost is the tool's
  // proxy_hop_ms or the scenario's, drawn per call in dispatch order (ProxyHopDraws), half on
  // the way to the tool and half on the way back.
  virtual std::unique_ptr<ToolDispatcher> ProxyHop(ToolDispatcher& in_process,
                                                   const ToolCatalog& catalog,
                                                   const ToolContext& context, uint64_t seed) = 0;
  // The factor on every scripted time in this world (the real world's --time-scale): tool
  // latencies follow it like the served mock's timeline does.
  virtual double time_scale() const { return 1.0; }
  // Real world: client arrival minus the instant the server was due to write, per streamed
  // chunk since the last call (ms). The simulated world has no such noise: empty.
  virtual std::vector<double> TakeTimingFidelity() { return {}; }
  // After a turn run without Drive (on a loop shared by many sessions, `load`): the bookkeeping
  // Drive does once its turn has ended (the real world fetches the server's state log).
  virtual void SettleTurn() {}
};

class World {
 public:
  virtual ~World() = default;
  virtual std::string_view name() const = 0;
  virtual std::unique_ptr<WorldSession> Open(const mocks::Scenario& scenario, uint64_t seed) = 0;
  // Many sessions at once (`load`): worlds whose sessions all run on one event loop hand out
  // the clock they share and run that loop for the caller, who starts turns as tasks on it
  // (AgentSession::RunTurnAsync) instead of driving one turn at a time. Null / false in a world
  // that runs one session at a time (the simulated world).
  virtual Clock* shared_clock() { return nullptr; }
  // Runs the loop until `done()` holds (checked after every handler) or it runs out of work.
  virtual bool RunLoopUntil(const std::function<bool()>& done) {
    (void)done;
    return false;
  }
  // Runs the loop until it has nothing left to do (cancelled timers, abandoned work).
  virtual void RunLoopUntilIdle() {}
};

// What every world's Drive does around its own loop: starts `turn` as the root of a task
// tree, lets `run_world(finished)` drive the world until the flag is set or nothing is left to
// do, and hands back the result (nullopt for a turn that never finished; rethrows its
// exception).
template <typename RunWorld>
std::optional<TurnResult> DriveTurn(Task<TurnResult> turn, RunWorld run_world) {
  std::optional<TurnResult> result;
  std::exception_ptr error;
  bool finished = false;
  Spawn(
      [](Task<TurnResult> t, std::optional<TurnResult>& out) -> Task<void> {
        out.emplace(co_await t);
      }(std::move(turn), result),
      [&](std::exception_ptr e) {
        error = e;
        finished = true;
      });
  run_world(static_cast<const bool&>(finished));
  if (error) std::rethrow_exception(error);
  if (!finished) return std::nullopt;
  return result;
}

std::unique_ptr<World> MakeSimWorld();

// The live world: the agent on real sockets against a real OpenAI-compatible endpoint, no mock
// (harness/real/live_world.cc). `base_url` includes the API's path, as the SDKs take it
// ("https://api.openai.com/v1"). Fails for a bad URL or CA file, and for a remote endpoint
// without a key.
struct LiveWorldOptions {
  std::string base_url;
  std::string api_key;
  std::string user_agent = "agentreplay";
  std::string ca_file;  // PEM CAs to trust instead of the system store (tests)
};
Expected<std::unique_ptr<World>> MakeLiveWorld(const LiveWorldOptions& options);

// The real world: the mock served over loopback HTTP, the agent on real sockets. Fails when the
// server cannot start.
struct RealWorldOptions {
  double time_scale = 1.0;
};
Expected<std::unique_ptr<World>> MakeRealWorld(const RealWorldOptions& options);

}  // namespace agentreplay::harness
