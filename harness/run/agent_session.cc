#include "harness/run/agent_session.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <exception>
#include <utility>

#include "harness/measure/cpu_time.h"
#include "harness/measure/metrics.h"
#include "harness/recording/wall_time.h"
#include "harness/run/scripted_tools.h"
#include "harness/run/workspace_setup.h"
#include "llm/llm_client.h"

namespace agentreplay::harness {

// The agent's one sink: the probe first (it timestamps every event), then the observer.
class AgentSession::Fanout : public EventSink {
 public:
  Fanout(EventSink& probe, EventSink* observer) : probe_(probe), observer_(observer) {}
  void OnEvent(const AgentEvent& event) override {
    probe_.OnEvent(event);
    if (observer_ != nullptr) observer_->OnEvent(event);
  }

 private:
  EventSink& probe_;
  EventSink* observer_;
};

namespace {

results::Sample InternalErrorSample(std::string reason, std::string message) {
  results::Sample s;
  s.ok = false;
  s.error_kind = "internal";
  s.error_reason = std::move(reason);
  s.error_message = std::move(message);
  s.metrics["errors"] = 1.0;
  return s;
}

}  // namespace

AgentSession::AgentSession(WorldSession& world, AgentSessionSpec spec)
    : world_(world), spec_(std::move(spec)), catalog_(MakeDefaultCatalog()) {}

AgentSession::~AgentSession() = default;

Expected<std::unique_ptr<AgentSession>> AgentSession::Open(WorldSession& world,
                                                           AgentSessionSpec spec) {
  std::unique_ptr<AgentSession> s(new AgentSession(world, std::move(spec)));
  const mocks::Scenario* scenario = s->spec_.scenario;
  const VariantSettings& settings = s->spec_.settings;
  // Before the proxy hop's client and the first request exist.
  world.SetMaxIdleConnections(settings.max_idle_connections);
  if (scenario != nullptr) {
    s->tool_calls_ =
        ApplyScenarioToolLatencies(*scenario, s->spec_.seed, s->catalog_, world.time_scale());
  }
  ToolContext tool_context{&world.clock(), world.wall_origin()};
  AgentSession* self = s.get();
  tool_context.open_workspace = [self] { return self->workspace(); };
  s->in_process_ = std::make_unique<InProcessDispatcher>(s->catalog_, tool_context);
  ToolDispatcher* dispatcher = s->in_process_.get();
  if (settings.proxy_dispatch) {
    s->hop_ = world.ProxyHop(*s->in_process_, s->catalog_, tool_context, s->spec_.seed);
    if (s->hop_ == nullptr) return Fail("cannot start the proxy_router hop (package p2 off)");
    dispatcher = s->hop_.get();
  }

  Transport* wire = &world.transport();
  if (s->spec_.record_to) {
    mocks::Cassette header;
    header.name = s->spec_.record_to->stem().stem().string();
    header.description = scenario != nullptr ? scenario->description : "";
    header.runtime = std::string(RuntimeName(settings.runtime));
    header.model = !s->spec_.model.empty() ? s->spec_.model
                   : scenario != nullptr   ? scenario->model
                                           : "";
    header.source.kind = "record";
    header.source.origin = s->spec_.record_origin;
    header.source.recorded_at =
        FormatRfc3339(std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count());
    header.redacted = RedactionNames(RedactionRules{});
    std::error_code ec;
    std::filesystem::create_directories(s->spec_.record_to->parent_path(), ec);
    if (ec) {
      return FailIn(s->spec_.record_to->parent_path().string(),
                    "cannot create the directory: " + ec.message());
    }
    auto writer = CassetteWriter::Open(*s->spec_.record_to, header);
    if (!writer) return writer.failure();
    s->recorder_ = std::make_unique<CassetteWriter>(std::move(*writer));
    CassetteWriter* recorder = s->recorder_.get();
    s->capture_ = std::make_unique<CaptureTransport>(
        *wire, world.clock(), world.clock().Now(), RedactionRules{},
        [recorder](const mocks::CassetteExchange& exchange) {
          if (auto appended = recorder->Append(exchange); !appended) {
            spdlog::error("recording: {}", appended.error());
          }
        });
    wire = s->capture_.get();
  }
  s->probe_ = std::make_unique<Probe>(world.clock());
  s->fanout_ = std::make_unique<Fanout>(*s->probe_, s->spec_.observer);
  Transport& transport = s->probe_->WrapTransport(*wire);
  ToolDispatcher& tools = s->probe_->WrapDispatcher(*dispatcher);

  AgentOptions options = MakeAgentOptions(settings, s->spec_.seed);
  options.llm.api_prefix = world.api_prefix();
  if (settings.intent_tool_selection && s->spec_.tool_packs != nullptr) {
    options.tool_packs = *s->spec_.tool_packs;
  }
  if (scenario != nullptr) {
    options.llm.model = scenario->model;
    options.llm.instructions = scenario->instructions;
    for (const auto& [name, behaviour] : scenario->tools) {
      if (behaviour.timeout_ms >= 0) options.tool_timeouts[name] = FromMillis(behaviour.timeout_ms);
    }
  }
  if (!s->spec_.model.empty()) options.llm.model = s->spec_.model;
  if (!s->spec_.vector_store_ids.empty()) {
    options.llm.vector_store.vector_store_ids = s->spec_.vector_store_ids;
  }
  s->agent_ = Agent::Create(options, AgentPorts{s->probe_->clock(), transport, tools, *s->fanout_},
                            s->catalog_.Specs());
  if (!s->agent_) {
    return Fail(fmt::format("runtime '{}' is not available", RuntimeName(settings.runtime)));
  }
  return s;
}

Workspace* AgentSession::workspace() {
  std::lock_guard lock(workspace_mutex_);
  if (!workspace_ && !workspace_failed_) {
    static const mocks::Scenario kNoScenario;
    const mocks::Scenario& seed = spec_.scenario != nullptr ? *spec_.scenario : kNoScenario;
    auto made = PrepareWorkspace(seed, spec_.keep_workspace,
                                 std::chrono::system_clock::time_point(world_.wall_origin()));
    if (made) {
      workspace_ = std::move(*made);
    } else {
      workspace_failed_ = true;
      spdlog::warn("{}: cannot prepare the workspace: {}", seed.name, made.error());
    }
  }
  return workspace_.get();
}

AgentSession::TurnStart AgentSession::BeginTurn() {
  probe_->BeginTurn();
  if (tool_calls_) tool_calls_->NewTurn();
  TurnStart start;
  start.connections = world_.connections_opened();
  start.cpu = ThreadCpuTime();
  start.foreign_cpu = world_.foreign_cpu_time();
  start.states = world_.state_log().size();
  return start;
}

void AgentSession::FinishTurn(const TurnStart& start, bool count_cpu, MeasuredTurn& out) {
  TurnContext context;
  context.agent_cpu =
      (ThreadCpuTime() - start.cpu) - (world_.foreign_cpu_time() - start.foreign_cpu);
  const auto& states = world_.state_log();
  context.transitions.assign(states.begin() + static_cast<std::ptrdiff_t>(start.states),
                             states.end());
  context.price = spec_.price;
  if (const auto connections = world_.connections_opened(); connections && start.connections) {
    context.connections_opened = *connections - *start.connections;
  }
  DeriveMetrics(probe_->TakeTimeline(), *out.turn, context, out.sample);
  if (!count_cpu) out.sample.metrics.erase("agent_cpu_us");
  out.sample.fidelity_ms = world_.TakeTimingFidelity();
}

MeasuredTurn AgentSession::RunTurn(const std::string& user) {
  MeasuredTurn out;
  const TurnStart start = BeginTurn();
  try {
    out.turn = world_.Drive(agent_->RunTurn(user));
  } catch (const std::exception& e) {
    out.sample = InternalErrorSample("exception", e.what());
    return out;
  }
  if (!out.turn) {
    out.sample = InternalErrorSample("hang", "the world ran out of work before the turn finished");
    return out;
  }
  FinishTurn(start, /*count_cpu=*/true, out);
  return out;
}

Task<MeasuredTurn> AgentSession::RunTurnAsync(std::string user, std::optional<TimePoint> intended) {
  MeasuredTurn out;
  const TurnStart start = BeginTurn();
  const TimePoint started = world_.clock().Now();
  std::string failure;
  try {
    TurnResult turn = co_await agent_->RunTurn(user);
    out.turn.emplace(std::move(turn));
  } catch (const std::exception& e) {
    failure = e.what();
  }
  world_.SettleTurn();
  if (!out.turn) {
    out.sample = InternalErrorSample("exception", failure);
  } else {
    FinishTurn(start, /*count_cpu=*/false, out);
  }
  if (intended) {
    // Latency from the intended start: the wait for a free slot and the session's set-up count,
    // as wrk2 counts them, so a saturated agent cannot hide its queue.
    const double delay = ToMillis(started - *intended);
    out.sample.metrics["start_delay_ms"] = delay;
    static constexpr std::pair<const char*, const char*> kFromIntended[] = {
        {"ttft_ms", "ttft_from_intended_ms"}, {"e2e_ms", "e2e_from_intended_ms"}};
    for (const auto& [metric, from_intended] : kFromIntended) {
      auto it = out.sample.metrics.find(metric);
      if (it != out.sample.metrics.end()) out.sample.metrics[from_intended] = delay + it->second;
    }
  }
  co_return out;
}

}  // namespace agentreplay::harness
