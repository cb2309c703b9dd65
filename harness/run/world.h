// The world seam of the harness: where a cell's repetitions run. The simulated world (virtual
// time, mock called directly) implements it now; the real world (sockets, served mock) plugs
// in beside it without the runner changing.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "agent/agent.h"
#include "mocks/mock_backend.h"
#include "mocks/scenario.h"
#include "ports/clock.h"
#include "ports/tool_dispatch.h"
#include "ports/transport.h"

namespace agentreplay::harness {

// One repetition's world: a fresh mock back end for the scenario and the ports to reach it.
class WorldSession {
 public:
  virtual ~WorldSession() = default;
  virtual Clock& clock() = 0;
  virtual Transport& transport() = 0;
  // The calendar instant of the clock's zero, for tools that tell the time.
  virtual std::chrono::sys_seconds wall_origin() const = 0;
  // Runs `turn` to completion in this world. Throws if the task throws; returns nullopt when
  // the world ran out of work before the task finished (a hang, reported as an error sample).
  virtual std::optional<TurnResult> Drive(Task<TurnResult> turn) = 0;
  // CPU time spent in this thread outside the agent core (the in-process mock), so far.
  virtual Duration foreign_cpu_time() const = 0;
  // The states the back end reached so far, with when a streaming client would have seen them.
  virtual const std::vector<mocks::StateTransition>& state_log() const = 0;
  // Tool dispatch through the proxy_router hop (package p2 off), wrapping the in-process
  // dispatcher. Hop latency comes from the scenario's proxy_hop_ms, drawn per call.
  virtual std::unique_ptr<ToolDispatcher> ProxyHop(ToolDispatcher& in_process, uint64_t seed) = 0;
};

class World {
 public:
  virtual ~World() = default;
  virtual std::string_view name() const = 0;
  virtual std::unique_ptr<WorldSession> Open(const mocks::Scenario& scenario, uint64_t seed) = 0;
};

std::unique_ptr<World> MakeSimWorld();

}  // namespace agentreplay::harness
