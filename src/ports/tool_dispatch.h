// Port: running tools. The agent hands over a call and awaits its output; whether the call
// runs in-process or through the proxy_router's HTTP hop is the dispatcher's business.
#pragma once

#include <string>
#include <string_view>

#include "core/task.h"
#include "core/time.h"

namespace agentreplay {

// What the model asked for.
struct ToolCall {
  std::string call_id;
  std::string name;
  std::string arguments;  // JSON text exactly as the model produced it
};

// What goes back to the model. A tool that fails still produces an output (a structured
// error the model can act on); `is_error` marks it for events and metrics.
struct ToolOutput {
  std::string call_id;
  std::string output;
  bool is_error = false;
  // Time spent inside the tool implementation itself, measured at the implementation
  // boundary. Dispatch cost (e.g. a proxy hop) is what remains of the call's wall time.
  Duration exec_time{0};
};

// Hears a running tool's progress notes (the agent turns them into events).
class ToolProgressListener {
 public:
  virtual ~ToolProgressListener() = default;
  virtual void OnToolProgress(const std::string& call_id, std::string_view note) = 0;
};

class ToolDispatcher {
 public:
  virtual ~ToolDispatcher() = default;
  virtual Task<ToolOutput> Dispatch(const ToolCall& call) = 0;
  // Where tools report progress while they run; null to stop. Only in-process dispatch can
  // carry progress: a dispatcher behind a request/response hop ignores it.
  virtual void SetProgressListener(ToolProgressListener* listener) { (void)listener; }
};

}  // namespace agentreplay
