// Renders the mock's Assistants API objects (assistant, thread, message, run, run step) with
// the keys and key order of OpenAI's recorded exchanges, and a run segment as the thread.*
// event stream.
//
// Non-streamed bodies are pretty-printed (two-space indent) and stream data is compact, as on
// the Responses side. Two message shapes are recorded: REST bodies (messages.create, .list)
// carry no status fields, stream events carry status, incomplete_details, incomplete_at and
// completed_at after run_id. Both are reproduced.
//
// Stream of one run segment (offsets from the request's send time):
//   at response_start   thread.created (create-and-run only);
//                       thread.run.step.completed of the tool_calls step whose outputs this
//                       submit_tool_outputs delivered (submits only);
//                       thread.run.created (run creation only); thread.run.queued
//   at first_token      thread.run.in_progress
//   per step of the plan, in order:
//     file_search       step.created, step.in_progress, step.delta    when the search is issued
//                       step.completed                                when it finishes
//     message           step.created, step.in_progress,
//                       message.created, message.in_progress          with the first delta
//                       message.delta*                                at each delta
//                       message.completed, step.completed             with the last delta
//     function calls    step.created, step.in_progress                with the first call's
//                                                                     first delta
//                       per call: step.delta announcing it (id, name, arguments "", output
//                       null) with its first delta, then one step.delta per argument piece
//   at end              thread.run.requires_action or thread.run.completed;
//                       event "done" with data "[DONE]"
// The tool_calls step of function calls completes only when its outputs are submitted, so its
// step.completed opens the next segment's stream (as recorded).
//
// Not recorded, taken from the API reference and kept simple: a file_search step is a
// tool_calls step holding {"id","type":"file_search","file_search":{"ranking_options":
// {"ranker":"default_2024_08_21","score_threshold":0.0},"results":[...]}}, its results
// ({"file_id","file_name","score"}, no content) listed once the search has finished; its
// step.delta carries "file_search":{}. A step's usage is the plan's for the last step of a
// segment and zero for the steps before it (one model call pays for all of them); the run's
// usage, once completed, is the sum over its segments (as recorded: 260+284 = 544).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mocks/api/assistants/assistants_model.h"
#include "mocks/api/mock_response.h"
#include "mocks/api/wire_json.h"

namespace agentreplay::mocks {

enum class MessageForm {
  kObject,            // REST bodies
  kStreamInProgress,  // thread.message.created / .in_progress
  kStreamCompleted,   // thread.message.completed
};

// Each writer is instantiated for PrettyJsonWriter and CompactJsonWriter.
template <typename Writer>
void WriteAssistantObject(Writer& w, const AssistantRecord& assistant,
                          std::string_view default_model);
template <typename Writer>
void WriteThreadObject(Writer& w, const ThreadRecord& thread);
// `completed_at` is used by kStreamCompleted only.
template <typename Writer>
void WriteMessageObject(Writer& w, const ThreadMessage& message, MessageForm form,
                        std::optional<int64_t> completed_at = std::nullopt);
template <typename Writer>
void WriteRunObject(Writer& w, const RunRecord& run, const RunView& view);
template <typename Writer>
void WriteStepObject(Writer& w, const RunRecord& run, const RunStep& step, const StepView& view);

// A pretty-printed body written by `write(PrettyJsonWriter&)`.
template <typename Fn>
std::string PrettyBody(Fn write) {
  rapidjson::StringBuffer buffer;
  PrettyJsonWriter w(buffer);
  ConfigurePretty(w);
  write(w);
  return TakePretty(buffer);
}

struct AssistantsStreamOptions {
  const ThreadRecord* created_thread = nullptr;  // create-and-run: announce the new thread
  // One TimedChunk per distinct instant (cheap in the simulated world) instead of one per
  // event.
  bool group_same_instant = true;
};

// The SSE body of segment `segment` of `run`, as timed chunks (offsets from the segment's
// send time).
std::vector<TimedChunk> RenderRunStream(const RunRecord& run, size_t segment,
                                        const AssistantsStreamOptions& options);

}  // namespace agentreplay::mocks
