// Renders a StepPlan in the Responses API's wire format: the streamed events (SSE) or the
// non-streamed response object, with the field order of OpenAI's recorded responses.
//
// Stream, per the recordings (sequence_number counts from 0 over the whole stream):
//   response.created, response.in_progress                         at plan.response_start
//   per output, in order (output_index = its position):
//     message:       output_item.added, content_part.added           with its first delta
//                    output_text.delta*                              at each delta
//                    output_text.done, content_part.done,
//                    output_item.done                                with its last delta
//     function_call: output_item.added                               with its first delta
//                    function_call_arguments.delta*                  at each delta
//                    function_call_arguments.done, output_item.done  with its last delta
//   response.completed                                               at plan.end
// The stream ends after response.completed (Responses sends no [DONE]).
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <string>
#include <vector>

#include "mocks/mock_backend.h"
#include "mocks/step_planner.h"

namespace agentreplay::mocks {

struct ResponsesRenderContext {
  std::string response_id;
  std::vector<std::string> item_ids;  // one per plan output (msg_… or fc_…)
  std::vector<std::string> call_ids;  // one per plan output; unused for text
  int64_t created_at = 0;
  std::string model;
  // The request body, for the fields a response echoes (instructions, tools, tool_choice,
  // previous_response_id, ...); null renders every such field at its default.
  const rapidjson::Value* request = nullptr;
  // Seeds the "obfuscation" filler of the delta events.
  uint64_t obfuscation_seed = 0;
  // One TimedChunk per distinct instant (cheap in the simulated world) instead of one per
  // event (how the real server flushes).
  bool group_same_instant = true;
};

// The SSE body, as timed chunks (offsets from the request's send time).
std::vector<TimedChunk> RenderResponsesStream(const StepPlan& plan,
                                              const ResponsesRenderContext& context);

// The completed response object, pretty-printed like the API's non-streamed body. It is
// also what GET /v1/responses/{id} returns.
std::string RenderResponseObject(const StepPlan& plan, const ResponsesRenderContext& context);

// The "obfuscation" filler of a delta event. The API pads each delta event with random
// characters so that event sizes do not reveal the token; in every recorded event the delta
// and the filler together are 16 characters. Longer deltas get filler up to the next multiple
// of 16 (an assumption: none is recorded).
std::string ObfuscationFiller(size_t delta_chars, Rng& rng);

}  // namespace agentreplay::mocks
