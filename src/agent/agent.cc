#include "agent/agent.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace agentreplay {

std::unique_ptr<Agent> Agent::Create(AgentOptions options, AgentPorts ports,
                                     std::vector<ToolSpec> tools) {
  auto client = MakeLlmClient(options.runtime, options.llm,
                              LlmClientPorts{ports.clock, ports.transport, ports.sink});
  if (!client) return nullptr;
  return std::unique_ptr<Agent>(
      new Agent(std::move(options), ports, std::move(tools), std::move(client)));
}

Agent::Agent(AgentOptions options, AgentPorts ports, std::vector<ToolSpec> tools,
             std::unique_ptr<LlmClient> client)
    : options_(std::move(options)),
      ports_(ports),
      tools_(std::move(tools)),
      client_(std::move(client)) {}

void Agent::Emit(AgentEventType type, std::string text, std::string call_id, std::string tool_name,
                 std::string detail) {
  AgentEvent ev;
  ev.type = type;
  ev.at = ports_.clock.Now();
  ev.text = std::move(text);
  ev.call_id = std::move(call_id);
  ev.tool_name = std::move(tool_name);
  ev.detail = std::move(detail);
  ports_.sink.OnEvent(ev);
}

Task<std::vector<ToolOutput>> Agent::RunTools(const std::vector<ToolCall>& calls) {
  std::vector<ToolOutput> outputs;
  outputs.reserve(calls.size());
  for (const auto& call : calls) {
    Emit(AgentEventType::kToolExecutionStarted, {}, call.call_id, call.name);
    ToolOutput out = co_await ports_.tools.Dispatch(call);
    Emit(out.is_error ? AgentEventType::kToolExecutionFailed
                      : AgentEventType::kToolExecutionCompleted,
         out.output, call.call_id, call.name);
    outputs.push_back(std::move(out));
  }
  co_return outputs;
}

Task<TurnResult> Agent::RunTurn(std::string user_message) {
  TurnResult turn;
  turn.started = ports_.clock.Now();
  SPDLOG_DEBUG("agent: turn starts ({})", RuntimeName(options_.runtime));

  StepResult step = co_await client_->StartTurn(std::move(user_message), tools_);
  int tool_rounds = 0;
  for (;;) {
    ++turn.steps;
    turn.usage += step.usage;
    turn.tool_schema_bytes += step.tool_schema_bytes;

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
    step = co_await client_->SubmitToolOutputs(std::move(outputs), tools_);
  }
  turn.finished = ports_.clock.Now();
  co_return turn;
}

}  // namespace agentreplay
