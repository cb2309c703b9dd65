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
//     file_search_call: output_item.added, file_search_call.in_progress,
//                    file_search_call.searching                      when it is issued
//                    file_search_call.completed, output_item.done    when it has finished
//   response.completed                                               at plan.end
// The stream ends after response.completed (Responses sends no [DONE]).
//
// File search (not recorded; shapes from OpenAI's API reference and file search guide). The
// file_search_call item is {"id","type":"file_search_call","status","queries":[query],
// "results"}; "results" is null unless the request's "include" names
// "file_search_call.results", and then, once completed, one {"attributes":{},"file_id",
// "filename","score","text"} per document found, best first, "text" being the whole document
// (the mock indexes a document as one chunk). A message that follows a file search in the same
// response cites every document it found: its output_text carries one
// {"type":"file_citation","index","file_id","filename"} annotation per document, in result
// order, "index" being the end of the text in code points (scripted text has no citation
// markers to point at). Each annotation is also streamed as response.output_text.annotation.added
// (item_id, output_index, content_index, annotation_index, annotation) after the last text
// delta. File ids come from DocumentFileId, so they match the Assistants side.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mocks/api/mock_response.h"
#include "mocks/model/step_planner.h"

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
  // The scenario's documents (name → text), for the text of included file_search results;
  // null: every result's text is empty.
  const std::map<std::string, std::string>* documents = nullptr;
  // Seeds the "obfuscation" filler of the delta events.
  uint64_t obfuscation_seed = 0;
  // One TimedChunk per distinct instant (cheap in the simulated world) instead of one per
  // event (how the real server flushes).
  bool group_same_instant = true;
};

// The SSE body, as timed chunks (offsets from the request's send time).
std::vector<TimedChunk> RenderResponsesStream(const StepPlan& plan,
                                              const ResponsesRenderContext& context);

// The same body rendered chunk by chunk as it is pulled (the HTTP server's way: a long stream
// then costs its plan, not its bytes). The source owns the plan, the context and a copy of
// `*context.request`; `context.documents` must outlive it.
std::shared_ptr<ChunkSource> MakeResponsesStreamSource(StepPlan plan,
                                                       ResponsesRenderContext context);

// The completed response object, pretty-printed like the API's non-streamed body. It is
// also what GET /v1/responses/{id} returns.
std::string RenderResponseObject(const StepPlan& plan, const ResponsesRenderContext& context);

// The "obfuscation" filler of a delta event. The API pads each delta event with random
// characters so that event sizes do not reveal the token; in every recorded event the delta
// and the filler together are 16 characters. Longer deltas get filler up to the next multiple
// of 16 (an assumption: none is recorded).
std::string ObfuscationFiller(size_t delta_chars, Rng& rng);

}  // namespace agentreplay::mocks
