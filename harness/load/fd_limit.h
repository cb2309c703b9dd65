// Open files are what many concurrent sessions run out of first: every loopback connection
// costs two descriptors in this process (the agent's end and the served mock's), so a load of
// a few thousand sessions passes the usual soft limit of 1024 long before memory or CPU. The
// soft limit is raised to the hard one at start, and a load that would still not fit fails
// before its first session with what to do about it, instead of failing sessions at random
// (EMFILE) half-way through.
#pragma once

#include <cstdint>

#include "core/expected.h"

namespace agentreplay::harness {

struct FdLimit {
  uint64_t soft = 0;
  uint64_t hard = 0;
};

// Raises RLIMIT_NOFILE's soft limit to its hard limit; returns the limits in force after.
Expected<FdLimit> RaiseFdLimit();

// Descriptors one concurrent session holds at most: its connection to the model API (both ends
// when the mock is served in this process), plus the proxy_router hop's listener and both ends
// of its connection when tools go through the hop.
uint64_t FdsPerSession(bool served_in_process, bool proxy_hop);

// Descriptors the process needs besides the sessions' (the mock's listener, the loops' polls,
// standard streams, files written): a fixed allowance.
inline constexpr uint64_t kFdReserve = 64;

// Fails when `concurrent` sessions of `per_session` descriptors (plus the reserve) do not fit
// under `limit.soft`, naming the limit and how to raise it.
Expected<void> CheckFdBudget(uint64_t concurrent, uint64_t per_session, const FdLimit& limit);

}  // namespace agentreplay::harness
