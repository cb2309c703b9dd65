// `agentreplay import` (harness/recording/import.h) on an arbitrary file's text. The content
// picks the reader (cassette, .NET session record, HAR, raw SSE) and the file name only breaks a
// tie, so the first byte picks the name, letting a damaged file reach every reader.
#include "harness/recording/import.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_support.h"

namespace agentreplay::fuzz {
namespace {

constexpr std::array<std::string_view, 6> kNames = {
    "fuzz.cassette.jsonl", "fuzz.json", "fuzz.har", "fuzz.sse", "fuzz.txt", "fuzz"};

void Import(uint8_t selector, std::string_view text) {
  harness::ImportOptions options;
  // Splitting by conversation is a pass of its own over the exchanges: half the inputs take it.
  options.split_conversations = (selector & 0x80) != 0;
  auto result = harness::ImportText(text, kNames[selector % kNames.size()], options);
  (void)result;
}

}  // namespace
}  // namespace agentreplay::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  agentreplay::fuzz::QuietLogs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  agentreplay::fuzz::Import(data[0], agentreplay::fuzz::AsText(data + 1, size - 1));
  return 0;
}
