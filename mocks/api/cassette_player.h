// Plays a cassette back verbatim: the recorded status, headers and body bytes, each piece at
// the offset from the request's send at which it was recorded. The agent's requests are matched
// to the recorded exchanges by endpoint class and order, not by bytes (ids, timestamps and tool
// outputs differ from run to run), with one rule per kind of request:
//
//   - A request that changes state (anything but GET) must be the recording's next such
//     request, of the same endpoint class: POST /threads/runs answers with the recorded run,
//     submit_tool_outputs with the recorded continuation.
//   - A read (GET: a poll, messages.list, runs.list) is answered from the recorded reads of the
//     same class made since the last state-changing request: the latest one whose send time,
//     counted from that request, is not after the agent's (within 10 µs, the cassette's
//     rounding). An agent that polls faster than the
//     recorded client sees the earlier states for longer; one that polls slower skips some. A
//     read before the first recorded one of its stretch gets that first one.
//
// Clients set a conversation up in different ways, so setup is matched loosely: recorded
// state changes of another class before the match are skipped (an SDK that created an
// assistant first), and starting a run on a thread matches creating the thread and the run in
// one call (runs.create and threads.create_and_run are one class here). Setup itself
// (threads.create, messages.create, assistants.create: no model work) is always answered by
// the mock's own API, which so holds the thread the agent goes on to post to (a recorded
// thread id would be unknown to it); the recording lends it the recorded time to answer, when
// it has a setup request of that class (TakeSetupTiming).
//
// Anything else (a state-changing request the recording has none of, a read the stretch has
// none of) is answered 400 with code "replay_mismatch" and a message that says what the agent
// asked and what the recording holds there, so the turn ends as an error sample that explains
// itself. A recorded exchange that broke (a reset, a truncated body, a stall) is replayed
// breaking the same way, at the recorded instant.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "mocks/api/mock_response.h"
#include "mocks/model/cassette.h"
#include "ports/http.h"

namespace agentreplay::mocks {

class CassettePlayer {
 public:
  // Keeps a reference: `cassette` must outlive the player.
  explicit CassettePlayer(const Cassette& cassette);

  // Setup requests: the mock answers them (see above); Handle returns nullopt for them.
  static bool IsSetup(std::string_view endpoint);

  // When the recording answered the next setup request of `endpoint`'s class that no earlier
  // call took: its headers and its body's end, from the request's send. nullopt: none left.
  struct Timing {
    Duration headers_at{0};
    Duration body_end{0};
  };
  std::optional<Timing> TakeSetupTiming(std::string_view endpoint);

  // nullopt: a setup request, for the mock to answer.
  std::optional<MockResponse> Handle(const HttpRequest& request, std::string_view endpoint,
                                     TimePoint sent_at);

  // How many recorded exchanges have been played (reads counted once each).
  size_t played() const { return played_count_; }
  // Recorded state changes skipped because the agent never made them (setup of another kind).
  size_t skipped() const { return skipped_; }

 private:
  void SkipToNextChange();
  MockResponse Play(size_t index, TimePoint sent_at);
  MockResponse Mismatch(const HttpRequest& request, std::string_view endpoint,
                        std::string_view recorded);

  const Cassette& cassette_;
  std::vector<std::string> endpoints_;  // per exchange, its endpoint class
  size_t next_change_ = 0;              // the next state-changing exchange to match
  size_t stretch_begin_ = 0;            // first exchange after the last matched change
  Duration recorded_stretch_start_{0};  // when the recording's last matched change was sent
  TimePoint agent_stretch_start_{};     // when the agent's last matched change was sent
  bool started_ = false;
  std::vector<bool> played_;
  size_t played_count_ = 0;
  size_t skipped_ = 0;
};

}  // namespace agentreplay::mocks
