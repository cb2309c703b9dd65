// The Assistants API's stored objects in the mock (assistants, threads, messages, runs, run
// steps) and the time model that says what each of them looks like at a given instant.
//
// All instants are absolute TimePoints on the client's timeline. A run is a sequence of
// segments: its creation plays step 0 of the thread's current turn, and each accepted
// submit_tool_outputs plays the next step. Segment k was started by a request sent at T_k that
// reached the server at B_k (T_k + half the request's quick-reply round trip) and plays a
// StepPlan whose offsets are from T_k. The run's status at instant x:
//   cancelled        x >= the instant the cancel reply reached the client
//   cancelling       x >= the cancel request's arrival
//   otherwise, with k the last segment with B_k <= x (segment 0 when none):
//   queued           x <  T_k + first_token
//   in_progress      x <  T_k + end
//   requires_action  the step made function calls (expired from created + 10 min)
//   completed        otherwise
// Every boundary belongs to the later state. A streaming client sees queued at
// T_k + response_start, in_progress at T_k + first_token and the final state at T_k + end;
// those are the instants recorded as StateTransitions.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "mocks/api/step_resolver.h"
#include "mocks/model/step_planner.h"

namespace agentreplay::mocks {

// created_at and the other Unix timestamps: 2026-01-01T00:00:00Z plus the whole seconds of the
// instant, like the Responses side, so they look real and stay deterministic.
int64_t AssistantsEpochSeconds(TimePoint t);

// Runs waiting for tool outputs expire this long after their creation (expires_at).
inline constexpr Duration kRunExpiry = std::chrono::minutes(10);
inline constexpr int64_t kRunExpirySeconds = 600;

// A JSON object from a request whose fields an object echoes; keeps the parsed body alive.
struct EchoSource {
  std::shared_ptr<const rapidjson::Document> doc;
  const rapidjson::Value* value = nullptr;  // an object inside *doc, or null

  // The member `key` when present and not null.
  const rapidjson::Value* Get(std::string_view key) const;
};

struct AssistantRecord {
  std::string id;
  int64_t created_at = 0;
  EchoSource echo;  // the create request (model, instructions, tools, tool_resources, ...)
};

// A document an assistant message cites (found by the file search before it).
struct Citation {
  std::string file_id;
  std::string file_name;
};

struct ThreadMessage {
  std::string id;
  std::string thread_id;
  std::string role;  // "user" or "assistant"
  std::string text;
  int64_t created_at = 0;
  TimePoint visible_at{};    // when messages.list starts showing it
  std::string assistant_id;  // empty renders null
  std::string run_id;        // empty renders null
  EchoSource echo;           // the request's message object (attachments, metadata)
  std::vector<Citation> citations;
  bool refusal = false;     // the text is a refusal (a refusal content block)
  bool incomplete = false;  // cut off by the token limit or a content filter
};

struct ThreadRecord {
  std::string id;
  int64_t created_at = 0;
  EchoSource echo;                      // metadata, tool_resources
  std::vector<ThreadMessage> messages;  // in creation order
  std::vector<std::string> run_ids;     // in creation order
  size_t user_messages = 0;
};

struct StepToolCall {
  // kToolCall, kFileSearch or kHostedTool (a code_interpreter call: `arguments` holds its
  // code, `output` its logs).
  PlannedOutput::Kind kind = PlannedOutput::Kind::kToolCall;
  std::string id;
  std::string name;                   // function name
  std::string arguments;              // function arguments (compact JSON text)
  std::optional<std::string> output;  // the submitted output, once submitted
  std::vector<std::string> results;   // file search: names of the documents found
  std::vector<std::string> file_ids;  // file search: one id per result
  size_t output_index = 0;            // the PlannedOutput this call renders
};

struct RunStep {
  std::string id;
  bool message_creation = false;    // otherwise a tool_calls step
  std::string message_id;           // message_creation only
  size_t output_index = 0;          // message_creation: the text PlannedOutput
  std::vector<Citation> citations;  // message_creation: what the message cites
  std::vector<StepToolCall> calls;
  size_t segment = 0;
  TimePoint created{};
  std::optional<TimePoint> completed;  // function calls: set when the outputs arrive
  bool last_of_segment = false;        // carries the segment's usage
};

struct Segment {
  TimePoint sent_at{};  // T_k: the plan's offsets count from here
  TimePoint begins{};   // B_k: the request reached the server
  StepPlan plan;
  bool requires_action = false;  // the step made function calls
  std::vector<size_t> steps;     // indices into RunRecord::steps
  std::optional<size_t> function_step;

  TimePoint At(Duration offset) const { return sent_at + offset; }
};

struct TokenUsage {
  int64_t prompt = 0;
  int64_t completion = 0;
};

// A run made to fail or expire by an injected fault (run_failed, run_expired): from `at` on
// (the instant segment `segment` would have started producing output) the run shows `status`,
// and nothing of that segment after `at` happens (no steps, no messages).
struct RunFailure {
  TimePoint at{};
  size_t segment = 0;
  std::string status;  // "failed" or "expired"
  std::string code;    // last_error.code ("failed" only)
  std::string message;
};

struct RunRecord {
  std::string id;
  std::string thread_id;
  std::string assistant_id;
  TimePoint created{};  // arrival of the create request
  int64_t created_at = 0;
  size_t turn = 0;
  std::string model;
  std::optional<std::string> instructions;
  EchoSource echo;            // the create request's optional fields
  EchoSource tools;           // value: the tools array (or null: [])
  EchoSource tool_resources;  // value: the tool_resources object (or null: {})
  RequestFacts facts;
  std::vector<Segment> segments;
  std::vector<RunStep> steps;  // in creation order
  std::optional<TimePoint> cancel_requested;
  std::optional<TimePoint> cancelled;
  std::optional<RunFailure> failure;
  // The last body runs.retrieve rendered and the view it shows. A polling client asks for
  // the same view many times in a row; the run object (with every tool schema echoed) is the
  // bulk of a simulated matrix's rendering work.
  mutable std::string cached_view_key;
  mutable std::string cached_body;

  TimePoint ExpiresAt() const { return created + kRunExpiry; }
};

// How a run looks at one instant, or in one phase of a segment.
struct RunView {
  std::string_view status;
  std::string_view incomplete_reason;  // status "incomplete": incomplete_details.reason
  std::optional<int64_t> started_at;
  std::optional<int64_t> expires_at;
  std::optional<int64_t> cancelled_at;
  std::optional<int64_t> completed_at;
  std::optional<int64_t> failed_at;
  const RunFailure* last_error = nullptr;    // rendered as last_error when set
  const Segment* required_action = nullptr;  // its function calls are awaited
  std::optional<TokenUsage> usage;
};

enum class RunPhase { kQueued, kInProgress, kEnded };

RunView ViewOfPhase(const RunRecord& run, size_t segment, RunPhase phase);
RunView ViewAt(const RunRecord& run, TimePoint at);

// queued, in_progress, requires_action and cancelling block new runs and new messages.
bool IsActiveStatus(std::string_view status);

struct StepView {
  std::string_view status;
  std::optional<int64_t> completed_at;
  bool list_calls = true;  // false in the *.created / *.in_progress events (empty list)
  std::optional<TokenUsage> usage;
};

StepView StepCreatedView();
StepView StepCompletedView(const RunRecord& run, const RunStep& step);
StepView StepViewAt(const RunRecord& run, const RunStep& step, TimePoint at);
// Steps appear when created, unless the run was cancelled before.
bool StepVisibleAt(const RunRecord& run, const RunStep& step, TimePoint at);

// The usage a step reports once completed: the segment's plan for its last step, zero for
// the steps before it (one model call per segment pays for all of them).
TokenUsage StepUsage(const RunRecord& run, const RunStep& step);

// Whether messages.list shows `message` at `at`: user messages from their creation, an
// assistant message from the end of the segment that wrote it, unless its run was cancelled
// before that.
bool MessageVisibleAt(const ThreadMessage& message, const RunRecord* run, TimePoint at);

}  // namespace agentreplay::mocks
