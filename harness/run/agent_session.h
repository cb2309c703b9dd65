// One agent session wired for measurement: the tool catalogue (with the scenario's latencies),
// the workspace (made on first use), the in-process dispatcher or the world's proxy hop, the
// probe around every port, the agent built from a variant's settings, and the derivation of a
// turn's metrics. `run` (every repetition of every cell) and `chat` (one turn against a live
// endpoint) build their agents here, so both measure the same way and a new port, option or
// metric is wired once.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "agent/tool_selection.h"
#include "core/expected.h"
#include "harness/measure/probe.h"
#include "harness/packages/settings.h"
#include "harness/recording/capture_transport.h"
#include "harness/recording/cassette_writer.h"
#include "harness/run/prices.h"
#include "harness/run/scripted_tools.h"
#include "harness/run/world.h"
#include "mocks/model/scenario.h"
#include "results/result_model.h"
#include "tools/in_process_dispatcher.h"
#include "tools/tool_catalog.h"
#include "tools/workspace.h"

namespace agentreplay::harness {

struct AgentSessionSpec {
  // Tool latencies and timeouts, the model and instructions, and the workspace's seed; null
  // for a session with no scenario (a live endpoint).
  const mocks::Scenario* scenario = nullptr;
  VariantSettings settings;
  uint64_t seed = 0;  // the repetition's: retry jitter, tool latency draws, the proxy hop
  const ToolPacks* tool_packs = nullptr;  // p4's packs; without them p4 offers every tool
  // Keep the workspace in this directory instead of a temporary one.
  std::optional<std::filesystem::path> keep_workspace;
  std::string model;  // overrides the scenario's model when not empty
  // Overrides the registry's vector store ids when not empty (a live endpoint's real store).
  std::vector<std::string> vector_store_ids;
  std::optional<Price> price;  // of the model; cost_usd is absent without one
  // Sees every event after the probe (chat prints the answer as it streams).
  EventSink* observer = nullptr;
  // Records every exchange of the session into this cassette file (written as exchanges end,
  // credentials redacted): a live run recorded once replays in CI forever.
  std::optional<std::filesystem::path> record_to;
  std::string record_origin;  // what the cassette says it was recorded from
};

// A measured turn. `turn` is absent when the turn could not finish (it threw or the world ran
// out of work): `sample` is then an error sample of kind "internal" that says so, and the
// session must not be used for further turns (the agent's state is unknown).
struct MeasuredTurn {
  std::optional<TurnResult> turn;
  results::Sample sample;
};

class AgentSession {
 public:
  // Fails when the variant's runtime has no client.
  static Expected<std::unique_ptr<AgentSession>> Open(WorldSession& world, AgentSessionSpec spec);
  ~AgentSession();
  AgentSession(const AgentSession&) = delete;
  AgentSession& operator=(const AgentSession&) = delete;

  // Runs one user turn to its end in the world and derives its metrics.
  MeasuredTurn RunTurn(const std::string& user);

  // The same turn as a task on the world's shared loop, for many sessions at once (`load`):
  // the caller drives the loop (World::RunLoopUntil). Other sessions' work runs on the same
  // thread meanwhile, so agent_cpu_us (the thread's CPU time) is left out. With `intended`
  // (the instant the session was due to start, on the world's clock), the sample also gets
  // start_delay_ms and the user-visible latencies counted from it (ttft_from_intended_ms,
  // e2e_from_intended_ms): an open-loop load's latencies without coordinated omission.
  Task<MeasuredTurn> RunTurnAsync(std::string user, std::optional<TimePoint> intended);

  // The workspace, made (and seeded from the scenario) on first use; null when it cannot be
  // made, which is logged once. The data tools answer no_workspace then.
  Workspace* workspace();

 private:
  AgentSession(WorldSession& world, AgentSessionSpec spec);
  class Fanout;
  // What a turn's metrics are measured against, taken as it starts.
  struct TurnStart {
    std::optional<uint64_t> connections;
    Duration cpu{0};
    Duration foreign_cpu{0};
    size_t states = 0;
  };
  TurnStart BeginTurn();
  void FinishTurn(const TurnStart& start, bool count_cpu, MeasuredTurn& out);

  WorldSession& world_;
  AgentSessionSpec spec_;
  std::mutex workspace_mutex_;  // tools on px's worker pool may ask for it at once
  std::unique_ptr<Workspace> workspace_;
  bool workspace_failed_ = false;
  ToolCatalog catalog_;
  std::shared_ptr<ToolCallCounts> tool_calls_;  // null without a scenario
  std::unique_ptr<InProcessDispatcher> in_process_;
  std::unique_ptr<ToolDispatcher> hop_;
  std::unique_ptr<CassetteWriter> recorder_;
  std::unique_ptr<CaptureTransport> capture_;
  std::unique_ptr<Probe> probe_;
  std::unique_ptr<Fanout> fanout_;
  std::unique_ptr<Agent> agent_;
};

}  // namespace agentreplay::harness
