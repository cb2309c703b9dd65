// CPU time of the calling thread: what agent_cpu_us is measured with. The simulated world also
// uses it to take the in-process mock's share out of the agent's figure.
#pragma once

#include "core/time.h"

namespace agentreplay::harness {

Duration ThreadCpuTime();

}  // namespace agentreplay::harness
