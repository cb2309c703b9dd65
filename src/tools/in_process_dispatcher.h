// Tool dispatch without a hop: the call runs in this process, on the caller's coroutine.
#pragma once

#include "ports/tool_dispatch.h"
#include "tools/tool_catalog.h"

namespace agentreplay {

class InProcessDispatcher : public ToolDispatcher {
 public:
  InProcessDispatcher(const ToolCatalog& catalog, ToolContext context)
      : catalog_(catalog), context_(context) {}
  Task<ToolOutput> Dispatch(const ToolCall& call) override;
  void SetProgressListener(ToolProgressListener* listener) override { listener_ = listener; }

 private:
  ToolProgressListener* listener_ = nullptr;
  const ToolCatalog& catalog_;
  ToolContext context_;
};

}  // namespace agentreplay
