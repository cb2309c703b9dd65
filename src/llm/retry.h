// Package pr: bounded retries with exponential backoff and jitter, honouring Retry-After.
// A transport decorator, so every runtime gets the same policy. Only failures before a
// response body is accepted are retried (connection errors, timeouts, 429 and 5xx): a stream
// that broke after deltas reached the UI cannot be replayed without showing them twice.
#pragma once

#include <cstdint>

#include "core/random.h"
#include "ports/clock.h"
#include "ports/transport.h"

namespace agentreplay {

struct RetryPolicy {
  int max_attempts = 1;  // 1: no retries
  Duration base_delay{0};
  Duration max_delay{0};
  double jitter = 0.0;  // the delay is scaled by a uniform factor in [1 - jitter, 1 + jitter]
  uint64_t seed = 0;    // of the jitter draws, so simulated runs stay reproducible

  bool enabled() const { return max_attempts > 1; }
};

// True for what pr retries: 408, 409, 429 and every 5xx (the statuses the official SDKs retry).
bool IsRetryableStatus(int status);

class RetryingTransport : public Transport {
 public:
  RetryingTransport(Transport& inner, Clock& clock, RetryPolicy policy);
  Task<HttpResponse> Send(HttpRequest request) override;

  // Attempts beyond the first, over this transport's lifetime.
  int64_t retries() const { return retries_; }

 private:
  // The wait before attempt `attempt` (2, 3, ...) after `response`.
  Duration Delay(int attempt, const HttpResponse& response);

  Transport& inner_;
  Clock& clock_;
  RetryPolicy policy_;
  Rng rng_;
  int64_t retries_ = 0;
};

}  // namespace agentreplay
