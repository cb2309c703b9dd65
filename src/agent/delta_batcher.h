// Package pb: text deltas delivered in batches instead of one event each. A sink decorator
// between the core and the UI. The first delta of each message is delivered at once. A batch
// is flushed when it reaches `max_chars`, when a delta
// arrives `max_age` or more after the batch's first, before any other event (so order is
// kept), and at text_done. Age is checked when the next event arrives: a batcher with its
// own timer would flush a stalled batch earlier, at the cost of a wake-up per batch.
#pragma once

#include <cstddef>
#include <string>

#include "core/time.h"
#include "ports/event_sink.h"

namespace agentreplay {

struct DeltaBatching {
  size_t max_chars = 0;  // 0: batching off
  Duration max_age{0};

  bool enabled() const { return max_chars > 0; }
};

class DeltaBatchingSink : public EventSink {
 public:
  DeltaBatchingSink(EventSink& inner, DeltaBatching config) : inner_(inner), config_(config) {}
  void OnEvent(const AgentEvent& event) override;

 private:
  void Flush(TimePoint at);

  EventSink& inner_;
  DeltaBatching config_;
  std::string pending_;
  std::string pending_detail_;  // the detail ("commentary" or "") of the pending deltas
  TimePoint first_at_{};
  bool first_of_message_ = true;
};

}  // namespace agentreplay
