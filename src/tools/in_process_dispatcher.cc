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
  // Each call gets its own context so that progress notes carry the right call id, also
  // when several calls run at once.
  ToolContext context = context_;
  if (listener_ != nullptr) {
    context.progress = [listener = listener_, id = call.call_id](std::string_view note) {
      listener->OnToolProgress(id, note);
    };
  }
  const TimePoint start = context.clock->Now();
  ToolResult result = co_await tool->Run(call.arguments, context);
  out.exec_time = context.clock->Now() - start;
  out.output = std::move(result.output);
  out.is_error = result.is_error;
  co_return out;
}

}  // namespace agentreplay
