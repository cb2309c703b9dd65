// The Responses event decoder (src/llm/responses_stream.h) on what a server could send: a body
// that starts with `{` is a whole response object, anything else an SSE stream, decoded the way
// the client decodes them (responses_client.cc).
#include "llm/responses_stream.h"

#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "json/json_text.h"
#include "sse/sse_decoder.h"

namespace agentreplay::fuzz {
namespace {

void DecodeBody(std::string_view body) {
  TouchingSink sink;
  StillClock clock;
  ResponsesStreamState state(sink, clock);
  if (!body.empty() && body.front() == '{') {
    rapidjson::Document doc;
    if (json::Parse(body, doc) && doc.IsObject()) state.OnResponseObject(doc);
  } else {
    SseDecoder decoder;
    std::vector<SseEvent> events;
    decoder.Feed(body, events);
    decoder.Finish();
    for (const SseEvent& event : events) {
      state.OnEvent(event);
      if (state.terminal()) break;  // the client reads no further
    }
  }
  const StepResult result = state.TakeResult();
  (void)result;
}

}  // namespace
}  // namespace agentreplay::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  agentreplay::fuzz::QuietLogs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  agentreplay::fuzz::DecodeBody(agentreplay::fuzz::AsText(data, size));
  return 0;
}
