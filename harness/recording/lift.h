// Lifting: turning one recorded conversation into a runtime-neutral scenario, so that traffic
// recorded on one API replays under every runtime and package (an Assistants recording played
// as Responses or Chat predicts a migration from real traffic).
//
// The lifted model does what the recording did, step for step: the same text in the same
// deltas, the same tool calls with the same argument pieces, the same file searches, and the
// recorded timing. It is written down so that the mock, rendering it back into the runtime it
// was recorded on with network_rtt 0, reproduces every recorded offset exactly:
//   processing_ms (per step) = the response's start (response.created, the first thread.*
//                              event, else the headers)
//   ttft_ms                  = the first lifted output (a text or argument delta, or a file
//                              search) - the response's start
//   gaps_ms                  = the differences between successive deltas (text first, then
//                              each call's pieces, as the planner orders them)
//   file_search latency_ms   = the next hosted tool's start, else the first delta after the
//                              search - the search's start
//   hosted tool latency_ms   = the same for web search, code interpreter, image generation
//                              and MCP calls (issued after the file search, one after another)
//   reasoning                = its deltas, ttfr_ms from the response's start to the first,
//                              its own gaps_ms; a refusal stays a refusal, and a step that
//                              ended incomplete after its text ends incomplete
// Non-streamed steps arrive whole: one text chunk and one piece per call, at the body's end.
// Polled steps (Assistants without streaming) spread the answer's words and the arguments
// evenly between the estimated in_progress and end (transcript.h says how they are estimated).
//
// What a scenario cannot say is dropped, and noted: hosted tools of other kinds (their time
// stays in the gaps), an incomplete step with tool calls or without text, the time between the
// last delta and the terminal event, several attempts at one step (the last one is kept, the
// errors before it become faults), and anything the model did that depended on the request:
// no alternative is invented. Tool latencies are taken from the client's time between a step
// that called tools and the next request (LiftOptions).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/expected.h"
#include "harness/recording/transcript.h"
#include "mocks/model/cassette.h"
#include "mocks/model/scenario.h"

namespace agentreplay::harness {

struct LiftOptions {
  // The scenario's name; empty: the conversation's name, lower-cased, other characters than
  // [a-z0-9_-] replaced by '_'.
  std::string name;
  // Tool latencies from the recording: each call's share of the client's time from the end of
  // the step that called it to the next request (the median per tool). That time includes
  // whatever else the client did then (a proxy hop, p0's pause before submit_tool_outputs).
  // false: tools take 0 ms.
  bool tool_latency_from_gaps = true;
  // Tool behaviour by name, replacing what was derived.
  std::map<std::string, mocks::ToolBehaviour> tools;
  // Text for what a recording does not show, so that the scenario stays valid.
  std::string unknown_user = "(the recording does not show the user's message)";
  std::string unrecorded_answer = "(the recording ends before the model answered)";
};

struct Lifted {
  mocks::Scenario scenario;
  Transcript transcript;
  std::vector<std::string> notes;  // the transcript's and lifting's: what was dropped or assumed
};

// Decodes `conversation` (one conversation of a cassette; see SplitConversations) and lifts it.
Expected<mocks::Scenario> LiftScenario(const mocks::Cassette& conversation,
                                       const LiftOptions& options);
Expected<Lifted> LiftConversation(const mocks::Cassette& conversation, const LiftOptions& options);
// Lifts a transcript already decoded; appends to `notes`.
mocks::Scenario LiftTranscript(const Transcript& transcript, const LiftOptions& options,
                               std::vector<std::string>& notes);

}  // namespace agentreplay::harness
