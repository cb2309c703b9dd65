// The Responses API of the mock back end: POST /v1/responses and GET /v1/responses/{id}.
//
// Which scripted step a request plays:
//  - with previous_response_id: the stored response's (turn, step); a user message in the
//    input starts the next turn (turn + 1, step 0), otherwise the same turn continues
//    (step + 1).
//  - without: turn = user messages in the input - 1 (at least 0); step = 1 + the latest step
//    of this turn that issued a call_id found in a function_call item after the last user
//    message, or, when no such call id is the mock's own, the number of runs of consecutive
//    function_call items after the last user message (0 when none). Counting outputs instead
//    would miscount a step that made parallel calls.
// A background response (`background: true`) that was streamed keeps its rendered events, so
// GET /v1/responses/{id}?stream=true&starting_after=N replays those after sequence number N,
// each when it was due in the original stream (at once for those already due): the response
// went on generating while the client reconnected, as the API's does.
// Validation follows the API: unknown previous_response_id, a function_call_output whose
// call_id no call precedes, a call (of the previous response or of the input) left without
// an output, malformed JSON, a missing model. A request beyond the script is a 500.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mocks/api/mock_ids.h"
#include "mocks/api/mock_response.h"
#include "mocks/api/request_context.h"
#include "mocks/api/step_resolver.h"
#include "mocks/model/knowledge_base.h"
#include "mocks/model/scenario.h"

namespace agentreplay::mocks {

class ResponsesApi {
 public:
  // `scenario`, `knowledge` and `ids` must outlive the object.
  ResponsesApi(const Scenario& scenario, const KnowledgeBase& knowledge, uint64_t seed,
               MockIds& ids);

  MockResponse Create(const HttpRequest& request, const RequestContext& context);
  MockResponse Retrieve(const HttpRequest& request, const RequestContext& context);

  // Streams are then returned as a ChunkSource (MockResponse::lazy) rendered as they are read,
  // except background ones (kept whole for resuming). The source refers to the scenario.
  void set_lazy_streams(bool lazy) { lazy_streams_ = lazy; }

 private:
  struct StoredResponse {
    size_t turn = 0;
    size_t step = 0;
    std::vector<std::string> call_ids;
    std::string object;  // the completed response object, as GET returns it
  };

  const Scenario& scenario_;
  const KnowledgeBase& knowledge_;
  uint64_t seed_;
  MockIds& ids_;
  // A streamed background response as it was rendered, before any fault cut it.
  struct BackgroundStream {
    TimePoint sent_at{};
    std::vector<TimedChunk> chunks;
  };
  MockResponse ResumeStream(const BackgroundStream& stream, std::string_view query,
                            const RequestContext& context) const;

  std::map<std::string, StoredResponse> responses_;
  std::map<std::string, BackgroundStream> background_streams_;
  // Every call id the mock issued, with the (turn, step) that issued it; lets a stateless
  // request (full history, no previous_response_id) be placed in the script.
  std::map<std::string, std::pair<size_t, size_t>> issued_calls_;
  StepResolver resolver_;
  bool lazy_streams_ = false;
};

}  // namespace agentreplay::mocks
