#include "agent/agent.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

#include "core/timeout.h"
#include "tools/tool_catalog.h"

namespace agentreplay {

std::unique_ptr<Agent> Agent::Create(AgentOptions options, AgentPorts ports,
                                     std::vector<ToolSpec> tools) {
  std::unique_ptr<Agent> agent(new Agent(std::move(options), ports, std::move(tools)));
  if (!agent->client_) return nullptr;
  return agent;
}

Agent::Agent(AgentOptions options, AgentPorts ports, std::vector<ToolSpec> tools)
    : options_(std::move(options)), ports_(ports), tools_(std::move(tools)) {
  Transport* transport = &ports_.transport;
  if (options_.retry.enabled()) {
    retrying_ = std::make_unique<RetryingTransport>(ports_.transport, ports_.clock, options_.retry);
    transport = retrying_.get();
  }
  sink_ = &ports_.sink;
  if (options_.batching.enabled()) {
    batching_ = std::make_unique<DeltaBatchingSink>(ports_.sink, options_.batching);
    sink_ = batching_.get();
  }
  client_ = MakeLlmClient(options_.runtime, options_.llm,
                          LlmClientPorts{ports_.clock, *transport, *sink_});
  ports_.tools.SetProgressListener(this);
}

Agent::~Agent() { ports_.tools.SetProgressListener(nullptr); }

void Agent::OnToolProgress(const std::string& call_id, std::string_view note) {
  if (running_calls_.count(call_id) == 0) return;
  Emit(AgentEventType::kToolExecutionProgress, std::string(note), call_id);
}

void Agent::Emit(AgentEventType type, std::string text, std::string call_id, std::string tool_name,
                 std::string detail) {
  AgentEvent ev;
  ev.type = type;
  ev.at = ports_.clock.Now();
  ev.text = std::move(text);
  ev.call_id = std::move(call_id);
  ev.tool_name = std::move(tool_name);
  ev.detail = std::move(detail);
  sink_->OnEvent(ev);
}

Duration Agent::ToolTimeout(const std::string& name) const {
  auto it = options_.tool_timeouts.find(name);
  return it != options_.tool_timeouts.end() ? it->second : options_.tool_timeout;
}

namespace {

// The dispatch as a task that owns its call: a timed-out call runs on after RunTool returns.
Task<ToolOutput> DispatchOwned(ToolDispatcher& tools, ToolCall call) {
  ToolOutput out = co_await tools.Dispatch(call);
  co_return out;
}

}  // namespace

Task<ToolOutput> Agent::RunTool(const ToolCall& call) {
  Emit(AgentEventType::kToolExecutionStarted, {}, call.call_id, call.name);
  running_calls_.insert(call.call_id);
  const Duration limit = ToolTimeout(call.name);
  std::optional<ToolOutput> done =
      co_await WithTimeout(ports_.clock, limit, DispatchOwned(ports_.tools, call));
  running_calls_.erase(call.call_id);
  ToolOutput out;
  if (done) {
    out = std::move(*done);
  } else {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(limit).count();
    SPDLOG_WARN("agent: tool {} ({}) timed out after {} ms", call.name, call.call_id, ms);
    out.call_id = call.call_id;
    out.output =
        ToolError("tool_timeout",
                  fmt::format("{} did not finish within {} ms; it was abandoned", call.name, ms))
            .output;
    out.is_error = true;
  }
  Emit(
      out.is_error ? AgentEventType::kToolExecutionFailed : AgentEventType::kToolExecutionCompleted,
      out.output, call.call_id, call.name, done ? std::string() : std::string("timeout"));
  co_return out;
}

Task<std::vector<ToolOutput>> Agent::RunTools(const std::vector<ToolCall>& calls) {
  std::vector<ToolOutput> outputs(calls.size());
  if (options_.parallel_tools && calls.size() > 1) {
    // A bounded pool: each worker takes the next call until none is left, so at most
    // max_parallel_tools run at once and each reports its completion as it finishes.
    size_t next = 0;
    const size_t workers =
        std::min(calls.size(), static_cast<size_t>(std::max(1, options_.max_parallel_tools)));
    std::vector<Task<int>> pool;
    pool.reserve(workers);
    for (size_t w = 0; w < workers; ++w) {
      pool.push_back([](Agent& agent, const std::vector<ToolCall>& cs,
                        std::vector<ToolOutput>& outs, size_t& cursor) -> Task<int> {
        while (cursor < cs.size()) {
          const size_t i = cursor++;
          outs[i] = co_await agent.RunTool(cs[i]);
        }
        co_return 0;
      }(*this, calls, outputs, next));
    }
    co_await WhenAll(std::move(pool));
    co_return outputs;
  }
  for (size_t i = 0; i < calls.size(); ++i) outputs[i] = co_await RunTool(calls[i]);
  co_return outputs;
}

Task<TurnResult> Agent::RunTurn(std::string user_message) {
  TurnResult turn;
  turn.started = ports_.clock.Now();
  const int64_t retries_before = retrying_ ? retrying_->retries() : 0;
  SPDLOG_DEBUG("agent: turn starts ({})", RuntimeName(options_.runtime));

  // p4: the intent's packs; every tool when no packs are configured.
  std::vector<ToolSpec> offered = tools_;
  if (options_.tool_packs) {
    offered = ToolsForPacks(*options_.tool_packs, SelectPacks(*options_.tool_packs, user_message),
                            tools_);
  }
  StepResult step = co_await client_->StartTurn(std::move(user_message), offered);
  int tool_rounds = 0;
  for (;;) {
    ++turn.steps;
    turn.usage += step.usage;
    turn.tool_schema_bytes += step.tool_schema_bytes;
    turn.used_file_search = turn.used_file_search || step.used_file_search;

    if (step.outcome == StepResult::Outcome::kToolCalls && offered.size() < tools_.size()) {
      // The model wants a tool the agent has but did not offer: widen to every tool and ask
      // again, rather than run a call the request never allowed.
      const auto outside =
          std::find_if(step.tool_calls.begin(), step.tool_calls.end(), [&](const ToolCall& call) {
            const auto is = [&](const ToolSpec& t) { return t.name == call.name; };
            return std::none_of(offered.begin(), offered.end(), is) &&
                   std::any_of(tools_.begin(), tools_.end(), is);
          });
      if (outside != step.tool_calls.end()) {
        Emit(AgentEventType::kStatus, "tool_pack_widened", {}, outside->name);
        ++turn.tool_fallbacks;
        offered = tools_;
        step = co_await client_->RetryStep(offered);
        continue;
      }
    }

    if (step.outcome == StepResult::Outcome::kFailed) {
      Error err = step.error.value_or(Error{ErrorKind::kInternal, "unknown", "step failed", 0});
      Emit(AgentEventType::kError, err.message, {}, {}, err.reason);
      turn.error = std::move(err);
      break;
    }
    if (step.outcome == StepResult::Outcome::kCompleted) {
      turn.answer = std::move(step.text);
      turn.ok = true;
      Emit(AgentEventType::kTurnCompleted, turn.answer);
      break;
    }
    if (++tool_rounds > options_.max_tool_rounds) {
      Error err{ErrorKind::kLimit, "too_many_tool_rounds",
                fmt::format("the model asked for tools more than {} times in one turn",
                            options_.max_tool_rounds),
                0};
      Emit(AgentEventType::kError, err.message, {}, {}, err.reason);
      turn.error = std::move(err);
      break;
    }
    std::vector<ToolOutput> outputs = co_await RunTools(step.tool_calls);
    turn.tool_calls.insert(turn.tool_calls.end(), step.tool_calls.begin(), step.tool_calls.end());
    turn.tool_outputs.insert(turn.tool_outputs.end(), outputs.begin(), outputs.end());
    step = co_await client_->SubmitToolOutputs(std::move(outputs), offered);
  }
  turn.finished = ports_.clock.Now();
  if (retrying_) {
    turn.retries = retrying_->retries() - retries_before;
  }
  co_return turn;
}

}  // namespace agentreplay
