#include "harness/measure/cpu_time.h"

#include <time.h>

#include <chrono>

namespace agentreplay::harness {

Duration ThreadCpuTime() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

}  // namespace agentreplay::harness
