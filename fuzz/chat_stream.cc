// The Chat Completions decoder (src/llm/chat_stream.h) on what a server could send: a body that
// starts with `{` is a whole chat.completion object, anything else an SSE stream whose data
// lines are the chunks, decoded the way the client decodes them (chat_client.cc).
#include "llm/chat_stream.h"

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
  ChatStreamState state(sink, clock);
  if (!body.empty() && body.front() == '{') {
    rapidjson::Document doc;
    if (json::Parse(body, doc) && doc.IsObject()) state.OnCompletionObject(doc);
  } else {
    SseDecoder decoder;
    std::vector<SseEvent> events;
    decoder.Feed(body, events);
    decoder.Finish();
    for (const SseEvent& event : events) {
      state.OnData(event.data);
      if (state.complete()) break;  // the client reads no further
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
