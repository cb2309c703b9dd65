// What the fuzz targets share: ports for the stream decoders that do nothing observable, and
// the one-time set-up every target wants (no logging: a log line per input would cost more
// than the input).
#pragma once

#include <cstddef>

#include "core/task.h"
#include "events/agent_event.h"
#include "fuzz/fuzz_text.h"
#include "log/log.h"
#include "ports/clock.h"
#include "ports/event_sink.h"

namespace agentreplay::fuzz {

inline void QuietLogs() { ConfigureLogging("off"); }

// The decoders stamp events with the time; a clock that stands still keeps runs reproducible.
class StillClock : public Clock {
 public:
  TimePoint Now() const override { return TimePoint{}; }
  Task<void> Sleep(Duration) override { co_return; }
  Task<bool> SleepUnlessCancelled(Duration, WaitCanceller& canceller) override {
    co_return !canceller.cancelled();
  }
};

// Reads every field of each event, so that a dangling string or view in one is touched.
class TouchingSink : public EventSink {
 public:
  void OnEvent(const AgentEvent& event) override {
    bytes_ +=
        event.text.size() + event.call_id.size() + event.tool_name.size() + event.detail.size();
  }
  size_t bytes() const { return bytes_; }

 private:
  size_t bytes_ = 0;
};

}  // namespace agentreplay::fuzz
