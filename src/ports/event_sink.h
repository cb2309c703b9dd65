// Port: where the agent delivers what a UI would show.
#pragma once

#include "events/agent_event.h"

namespace agentreplay {

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void OnEvent(const AgentEvent& event) = 0;
};

}  // namespace agentreplay
