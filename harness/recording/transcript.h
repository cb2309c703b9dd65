// The transcript of a recorded conversation: what the model did, turn by turn and step by
// step, with when each piece of it reached the client, independent of the API it was
// recorded on.
//
// A cassette holds wire exchanges: one runtime's requests, polls, event streams and JSON
// bodies. Lifting a recording into a scenario (lift.h) needs the model's behaviour instead:
// each user message, each model response to it (a step), and within a step its text and
// argument deltas, tool calls, hosted tool use and reasoning at their offsets. Decoding that
// once, here, keeps the three wire formats out of lifting and gives tests and tools one
// readable view of a recording.
//
// Steps are placed the way the mock places requests in a script (mocks/api/*): a user message
// starts a turn, tool outputs continue it (Responses: function_call_output items or the
// previous_response_id chain; Chat: role "tool" messages; Assistants: the thread's user
// messages and each run's submit_tool_outputs). A request placed where an earlier one already
// was (a retry, or package p4 asking again with every tool) is another attempt at that step:
// error answers become the step's faults, and a later successful attempt replaces an earlier
// one (noted).
//
// Timing. Offsets within a step are from the send of the request that started it, like a
// cassette's. Streams give every delta its own offset: the arrival of the chunk that completed
// its event. A non-streamed body gives everything at once, when the body had arrived
// (StepTiming::kWhole). Assistants polling shows the run's state only when a poll looks: a
// state is taken as reached at the midpoint between the last poll that did not show it and the
// first poll that did (a poll looks halfway through its round trip: send + headers / 2). That
// is unbiased when the state is equally likely anywhere in the interval, and wrong by up to
// half a poll interval either way; the first poll that shows it would be late by half an
// interval on average. The answer of a polled run comes from messages.list, its function calls
// from required_action: they are placed at the end of their segment (StepTiming::kPolled).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/expected.h"
#include "core/time.h"
#include "mocks/model/cassette.h"

namespace agentreplay::harness {

// A piece of output and when it reached the client (offset from the step's send).
struct TimedText {
  Duration at{0};
  std::string text;
};

struct TranscriptToolCall {
  std::string id;  // call_id (Responses), the tool call's id (Chat, Assistants)
  std::string name;
  std::string arguments;  // as finally reported (the done event or the whole body)
  // The argument deltas as they arrived; they concatenate to `arguments` when the stream was
  // complete. A call that was not streamed has one piece: the whole arguments.
  std::vector<TimedText> pieces;
  Duration started_at{0};  // announced (output_item.added, the first tool_calls delta)
};

// A tool the API runs itself: file_search, web_search, code_interpreter, ...
struct HostedToolUse {
  std::string kind;  // "file_search", "web_search", "code_interpreter", or the recorded type
  std::string id;
  std::vector<std::string> queries;  // file_search, web_search, where recorded
  std::vector<std::string> results;  // file_search: the names of the documents found
  std::string input;                 // code_interpreter: the code; mcp: the arguments
  std::string output;                // code_interpreter: the logs; mcp: the output
  std::string name;                  // mcp: the server's tool
  std::string server_label;          // mcp: the server
  bool failed = false;               // it ended failed
  Duration started_at{0};
  std::optional<Duration> ended_at;
};

struct TokenUsage {
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
};

// An attempt at a step that the back end answered with an HTTP error.
struct FailedAttempt {
  std::size_t exchange = 0;
  Duration sent_at{0};  // from the recording's start
  int status = 0;
  double retry_after_s = -1;  // the Retry-After header, < 0: none
  std::string type;           // error.type, error.code, error.message of the body, when JSON
  std::string code;
  std::string message;
};

enum class StepTiming {
  kStreamed,  // every delta at its own offset
  kWhole,     // a non-streamed body: the whole output arrived at end_at
  kPolled,    // Assistants polling: first output and end estimated from the polls
};

// One model response.
struct TranscriptStep {
  std::size_t exchange = 0;  // index of the exchange whose request started it
  Duration sent_at{0};       // that request's send, from the recording's start
  StepTiming timing = StepTiming::kStreamed;
  Duration headers_at{0};
  // The first sign of life: response.created, the first thread.* event; else headers_at.
  Duration response_start{0};
  // The first text, argument or reasoning delta, or hosted tool start; none for a step that
  // produced nothing.
  std::optional<Duration> first_output_at;
  Duration end_at{0};  // the terminal event (response.completed, [DONE], thread.run.*)
  // From the recording's start: when the client learnt that the step had ended (the terminal
  // event's arrival; polling: the arrival of the poll that showed it).
  Duration observed_at{0};
  // "completed", "requires_action", "incomplete", "failed", ... or "" when no terminal event
  // arrived.
  std::string status;
  std::vector<TimedText> text;
  std::vector<TranscriptToolCall> tool_calls;
  std::vector<HostedToolUse> hosted;
  std::vector<TimedText> reasoning;
  bool refusal = false;                // the text is a refusal
  std::vector<std::string> citations;  // documents the text cites, by file name, in order
  std::optional<TokenUsage> usage;
  std::vector<FailedAttempt> faults;  // error answers to the attempts before this one

  std::string Text() const;  // the text deltas joined
};

struct TranscriptTurn {
  std::string user;  // empty when the recording does not show it (a bare SSE body)
  std::vector<TranscriptStep> steps;
  // Error answers to attempts at a step that never succeeded: the turn ended in them.
  std::vector<FailedAttempt> unanswered;
};

struct Transcript {
  std::string name;     // the cassette's
  std::string runtime;  // "assistants", "responses" or "chat"
  std::string model;
  std::string instructions;
  mocks::CassetteSource source;
  std::vector<TranscriptTurn> turns;
  // Time to headers of the requests that involve no model work (thread and message creation,
  // polls, lists, retrieves), in order.
  std::vector<Duration> quick_replies;
  std::vector<std::string> notes;  // what was skipped or assumed, for people
};

// Decodes one conversation (harness/recording/conversations.h) into its transcript. Fails, with
// the cassette's file (or name) and the exchange's JSON pointer, when a model response cannot
// be read (a body or event that is not JSON, a stream without events) or the conversation has
// no model request at all; fields that are missing or of the wrong type are skipped.
Expected<Transcript> DecodeTranscript(const mocks::Cassette& conversation);

}  // namespace agentreplay::harness
