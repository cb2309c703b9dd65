// What the three runtimes' transcript decoders share (transcript_{responses,chat,assistants}.cc):
// reading a recorded body as timed SSE events or as JSON, locating a problem at its exchange,
// building a step piece by piece, and the log of attempts that places steps in turns.
// Internal to harness/recording; the public view is transcript.h.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/expected.h"
#include "harness/recording/transcript.h"
#include "mocks/model/cassette.h"

namespace agentreplay::harness::transcript {

// Where a step sits in the conversation, counted the way the mock counts: turn = the user
// messages so far - 1 (or a chain's turn), step = the tool rounds since.
struct Place {
  std::size_t turn = 0;
  std::size_t step = 0;
};

// The attempts at each place, in the order they were made; Finish turns them into turns.
class AttemptLog {
 public:
  void Step(Place place, const std::string& user, TranscriptStep step);
  void Error(Place place, const std::string& user, FailedAttempt error);
  // Turns in the order they were first seen, steps in place order; notes say what was
  // replaced or dropped.
  std::vector<TranscriptTurn> Finish(std::vector<std::string>& notes);
  bool empty() const { return turns_.empty(); }

 private:
  struct Slot {
    std::vector<FailedAttempt> errors;
    std::optional<TranscriptStep> step;
    std::size_t errors_before_step = 0;
    std::vector<std::size_t> replaced;  // exchanges of earlier successful attempts
  };
  struct Turn {
    std::size_t key = 0;
    std::string user;
    std::map<std::size_t, Slot> slots;
  };
  Turn& TurnAt(std::size_t key, const std::string& user);

  std::vector<Turn> turns_;
};

// Everything a runtime's decoder works with.
struct Context {
  const mocks::Cassette& cassette;
  Transcript& out;
  AttemptLog& attempts;

  // A failure located at exchange `index` (`pointer` is within the exchange, e.g.
  // "/response/chunks").
  Failure Fail(std::size_t index, std::string_view pointer, std::string_view message) const;
  void Note(std::string note) const { out.notes.push_back(std::move(note)); }
};

Status DecodeResponses(Context& ctx);
Status DecodeChat(Context& ctx);
Status DecodeAssistants(Context& ctx);

// --- Bodies ---

// An SSE event and the offset of the chunk that completed it.
struct TimedEvent {
  Duration at{0};
  std::string type;
  std::string data;
};
// The body's events in order. A last event the body ends without its blank line is kept when
// the exchange completed (the recording, not the server, dropped the line end).
std::vector<TimedEvent> TimedSseEvents(const mocks::CassetteResponse& response);
std::string BodyText(const mocks::CassetteResponse& response);
// When the body had completely arrived: its last chunk, else end_at.
Duration BodyCompletedAt(const mocks::CassetteResponse& response);
// A streamed response: Content-Type text/event-stream, or a body that starts like one.
bool IsEventStream(const mocks::CassetteResponse& response);
bool IsSuccess(const mocks::CassetteResponse& response);

// Parses `text` as JSON; false when it is not JSON.
bool ParseJson(std::string_view text, rapidjson::Document& doc);
// The data of event `k` of `events` as JSON: fails at the exchange for an event that is not
// JSON, except the last one of a stream that was cut short (noted, `ok` false).
Status ParseEventData(const Context& ctx, std::size_t exchange,
                      const std::vector<TimedEvent>& events, std::size_t k,
                      rapidjson::Document& doc, bool& ok);

// The request body as JSON (an empty object when there is none or it is not JSON).
rapidjson::Document RequestJson(const mocks::CassetteRequest& request);

// The error answer as a failed attempt (status, Retry-After, the error object's fields).
FailedAttempt ErrorAttempt(std::size_t index, const mocks::CassetteExchange& exchange);

// The text of a message `content`: a string, or the text of its parts ({"type": "input_text"
// or "text" or "output_text", "text": ...}) joined with newlines.
std::string ContentText(const rapidjson::Value* content);

// --- Building a step ---

// A step of `exchange`, with the timing fields of its response filled in.
TranscriptStep NewStep(const mocks::Cassette& cassette, std::size_t exchange, StepTiming timing);
void AddText(TranscriptStep& step, Duration at, std::string_view text);
void AddReasoning(TranscriptStep& step, Duration at, std::string_view text);
void AddArgumentPiece(TranscriptStep& step, TranscriptToolCall& call, Duration at,
                      std::string_view piece);
void AddCitation(TranscriptStep& step, std::string_view file_name);
// Marks the step ended at `at` (offset) with `status`; observed at its send + `at`.
void EndStep(TranscriptStep& step, Duration at, std::string_view status);
// After decoding: calls without pieces get their arguments as one piece at the end; calls
// without arguments get their pieces joined; a step without a terminal event ends at its last
// event (noted by the caller).
void CompleteStep(TranscriptStep& step);
std::optional<TokenUsage> UsageOf(const rapidjson::Value* usage, std::string_view input_key,
                                  std::string_view output_key);

}  // namespace agentreplay::harness::transcript
