// The measurement probe: it sees a turn only through the ports, by decorating the clock, the
// transport and the tool dispatcher and by being the event sink. The core never knows it is
// measured, so the same probe measures both worlds.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "events/agent_event.h"
#include "ports/clock.h"
#include "ports/event_sink.h"
#include "ports/tool_dispatch.h"
#include "ports/transport.h"

namespace agentreplay::harness {

struct RequestRecord {
  std::string endpoint;  // ClassifyEndpoint()
  TimePoint sent_at{};
  TimePoint headers_at{};
  TimePoint done_at{};     // body ended (or broke); headers_at when there is no body
  bool completed = false;  // the body was read to its end or break
  int status = 0;
  size_t bytes_up = 0;    // request line is not counted: body plus header bytes
  size_t bytes_down = 0;  // body bytes
};

struct SleepRecord {
  TimePoint start{};
  TimePoint end{};
};

struct ToolRecord {
  std::string call_id;
  std::string name;
  TimePoint dispatched_at{};
  TimePoint returned_at{};
  Duration exec_time{0};
  bool is_error = false;
};

// Everything the probe saw during one turn.
struct TurnTimeline {
  TimePoint t0{};
  std::vector<AgentEvent> events;
  std::vector<RequestRecord> requests;
  std::vector<SleepRecord> sleeps;
  std::vector<ToolRecord> tools;
};

class Probe : public EventSink {
 public:
  explicit Probe(Clock& clock);
  ~Probe() override;

  // The decorated ports to hand to the agent core.
  Clock& clock();
  Transport& WrapTransport(Transport& inner);
  ToolDispatcher& WrapDispatcher(ToolDispatcher& inner);

  // Starts a new timeline at t0 = now.
  void BeginTurn();
  TurnTimeline TakeTimeline();

  void OnEvent(const AgentEvent& event) override;

 private:
  class ProbedClock;
  class ProbedTransport;
  class ProbedDispatcher;
  class ProbedBody;

  Clock& inner_clock_;
  std::unique_ptr<ProbedClock> clock_;
  std::unique_ptr<ProbedTransport> transport_;
  std::unique_ptr<ProbedDispatcher> dispatcher_;
  TurnTimeline timeline_;
};

}  // namespace agentreplay::harness
