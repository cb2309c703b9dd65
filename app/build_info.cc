#include "app/build_info.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#ifndef AGENTREPLAY_GIT_REVISION
#define AGENTREPLAY_GIT_REVISION "unknown"
#endif

namespace agentreplay::app {

void FillBuildAndMachine(results::Context& context) {
  context.version = AGENTREPLAY_VERSION;
  context.git_revision = AGENTREPLAY_GIT_REVISION;
  context.build_type = AGENTREPLAY_BUILD_TYPE;
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  context.started_at = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", now);
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) == 0) context.hostname = host;
  context.cpus = static_cast<int>(std::thread::hardware_concurrency());
  utsname u{};
  if (uname(&u) == 0) context.os = fmt::format("{} {} {}", u.sysname, u.release, u.machine);
}

}  // namespace agentreplay::app
