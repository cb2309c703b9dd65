#include "harness/load/fd_limit.h"

#include <fmt/format.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>

namespace agentreplay::harness {

Expected<FdLimit> RaiseFdLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return Fail(fmt::format("cannot read the open-files limit: {}", std::strerror(errno)));
  }
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  auto value = [](rlim_t v) { return v == RLIM_INFINITY ? UINT64_MAX : static_cast<uint64_t>(v); };
  return FdLimit{value(limit.rlim_cur), value(limit.rlim_max)};
}

uint64_t FdsPerSession(bool served_in_process, bool proxy_hop) {
  uint64_t n = served_in_process ? 2 : 1;
  if (proxy_hop) n += 3;
  return n;
}

Expected<void> CheckFdBudget(uint64_t concurrent, uint64_t per_session, const FdLimit& limit) {
  const uint64_t needed = concurrent * per_session + kFdReserve;
  if (needed <= limit.soft) return {};
  return Fail(fmt::format(
      "{} concurrent sessions need about {} open files ({} each, plus {}), but the open-files "
      "limit (RLIMIT_NOFILE) is {} (hard limit {}). Lower --concurrency-cap to at most {}, or "
      "raise the hard limit (as root: `ulimit -Hn {}` in the shell that starts agentreplay, "
      "LimitNOFILE= for a systemd service, --ulimit nofile= for a container)",
      concurrent, needed, per_session, kFdReserve, limit.soft, limit.hard,
      limit.soft > kFdReserve ? (limit.soft - kFdReserve) / per_session : 0, needed));
}

}  // namespace agentreplay::harness
