// The Chat Completions API of the mock back end: POST /v1/chat/completions.
//
// Chat is stateless: every request carries the whole conversation, and the mock places it in
// the script from that alone:
//   turn = user messages - 1 (at least 0);
//   step = assistant messages with tool_calls after the last user message (each is one model
//          step, however many calls it made in parallel).
// Validation follows the API, with its wording: malformed JSON, a missing model, messages
// missing or not an array, a tool message that answers no call of the assistant message
// before it, an assistant message whose tool calls are not all answered by the tool messages
// right after it. A request beyond the script is a 500 naming the scenario, turn and step.
//
// The StepResolver then answers with a scripted fault, or picks the step (or its
// alternative, judged on the function tools the request offers), which is planned and
// rendered (chat_renderer.h). Each played step records the state the completion reached
// ("completed" or "requires_action") at the instant its finish chunk reaches the client.
#pragma once

#include <cstdint>
#include <string>

#include "mocks/api/mock_ids.h"
#include "mocks/api/mock_response.h"
#include "mocks/api/request_context.h"
#include "mocks/api/step_resolver.h"
#include "mocks/model/scenario.h"

namespace agentreplay::mocks {

class ChatApi {
 public:
  // `scenario` and `ids` must outlive the object.
  ChatApi(const Scenario& scenario, uint64_t seed, MockIds& ids);

  MockResponse Create(const HttpRequest& request, const RequestContext& context);

  // Streams are then returned as a ChunkSource (MockResponse::lazy) rendered as they are read.
  void set_lazy_streams(bool lazy) { lazy_streams_ = lazy; }

 private:
  const Scenario& scenario_;
  uint64_t seed_;
  MockIds& ids_;
  StepResolver resolver_;
  // One per back end, like one model deployment: the API's fingerprint changes only when the
  // serving configuration does.
  std::string system_fingerprint_;
  bool lazy_streams_ = false;
};

}  // namespace agentreplay::mocks
