// The SSE decoder (src/sse) on arbitrary bytes. Besides the sanitizers' checks it holds the
// decoder to its promise that the pieces the network cuts a stream into do not matter: the
// first byte picks a piece size, and the events decoded piece by piece must equal those decoded
// from the whole stream at once.
#include "sse/sse_decoder.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_support.h"

namespace agentreplay::fuzz {
namespace {

struct Decoded {
  std::vector<SseEvent> events;
  bool incomplete = false;
};

Decoded Decode(std::string_view stream, size_t piece) {
  Decoded out;
  SseDecoder decoder;
  for (size_t at = 0; at < stream.size(); at += piece) {
    decoder.Feed(stream.substr(at, piece), out.events);
  }
  out.incomplete = decoder.Finish();
  return out;
}

bool Same(const Decoded& a, const Decoded& b) {
  if (a.incomplete != b.incomplete || a.events.size() != b.events.size()) return false;
  for (size_t i = 0; i < a.events.size(); ++i) {
    const SseEvent& x = a.events[i];
    const SseEvent& y = b.events[i];
    if (x.type != y.type || x.data != y.data || x.id != y.id) return false;
  }
  return true;
}

}  // namespace
}  // namespace agentreplay::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using agentreplay::fuzz::AsText;
  if (size == 0) return 0;
  const size_t piece = 1 + data[0] % 16;
  const std::string_view stream = AsText(data + 1, size - 1);
  const auto whole = agentreplay::fuzz::Decode(stream, stream.size() + 1);
  const auto pieces = agentreplay::fuzz::Decode(stream, piece);
  if (!agentreplay::fuzz::Same(whole, pieces)) std::abort();
  return 0;
}
