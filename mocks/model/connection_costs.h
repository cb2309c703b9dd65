// What opening a connection to the back end costs, drawn once per new connection.
//
// Both worlds charge it where a request finds no idle keep-alive connection: the simulated
// transport waits it before the request goes out, and the served mock holds back the first
// answer on a fresh connection by it. Each draws from its own copy of this stream, seeded
// from the repetition's seed and consumed in the order connections are opened (one session's
// requests to the back end go out one at a time), so a deterministic scenario costs the same
// in both worlds.
#pragma once

#include <algorithm>
#include <cstdint>

#include "core/random.h"
#include "core/time.h"
#include "mocks/model/scenario.h"

namespace agentreplay::mocks {

class ConnectionCosts {
 public:
  ConnectionCosts(const LatencyModel& latency, uint64_t seed)
      : connect_(latency.connect_ms),
        tls_(latency.tls_handshake_ms),
        rng_(DeriveSeed(seed, "connect")) {}

  // The TCP handshake and then the TLS handshake of the next new connection, in scenario time.
  Duration Next() {
    const double connect = std::max(0.0, connect_.Sample(rng_));
    const double tls = std::max(0.0, tls_.Sample(rng_));
    return FromMillis(connect + tls);
  }

  bool free() const { return connect_ == Dist::Fixed(0) && tls_ == Dist::Fixed(0); }

 private:
  Dist connect_;
  Dist tls_;
  Rng rng_;
};

}  // namespace agentreplay::mocks
