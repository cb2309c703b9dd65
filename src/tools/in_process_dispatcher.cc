#include "tools/in_process_dispatcher.h"

#include <fmt/format.h>

namespace agentreplay {

Task<ToolOutput> InProcessDispatcher::Dispatch(const ToolCall& call) {
  ToolOutput out;
  out.call_id = call.call_id;
  Tool* tool = catalog_.Find(call.name);
  if (tool == nullptr) {
    // The model asked for a tool we do not have: tell it, so it can recover.
    ToolResult err = ToolError("unknown_tool", fmt::format("no tool named '{}'", call.name));
    out.output = std::move(err.output);
    out.is_error = true;
    co_return out;
  }
  const TimePoint start = context_.clock->Now();
  ToolResult result = co_await tool->Run(call.arguments, context_);
  out.exec_time = context_.clock->Now() - start;
  out.output = std::move(result.output);
  out.is_error = result.is_error;
  co_return out;
}

}  // namespace agentreplay
