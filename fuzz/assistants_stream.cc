// The Assistants run-stream decoder (src/llm/assistants_stream.h) on an SSE stream of thread.*
// events, decoded the way the client decodes them (assistants_follow.cc).
#include "llm/assistants_stream.h"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "sse/sse_decoder.h"

namespace agentreplay::fuzz {
namespace {

void DecodeBody(std::string_view body) {
  TouchingSink sink;
  StillClock clock;
  AssistantsStreamState state(sink, clock);
  SseDecoder decoder;
  std::vector<SseEvent> events;
  decoder.Feed(body, events);
  decoder.Finish();
  for (const SseEvent& event : events) {
    state.OnEvent(event);
    if (state.terminal()) break;  // the client reads no further
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
