// The cassette reader (harness/recording/cassette_reader.h) on an arbitrary file's text, both
// strict and the way a recording cut short is recovered (truncated tail allowed).
#include "harness/recording/cassette_reader.h"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"
#include "fuzz/fuzz_support.h"

namespace agentreplay::fuzz {
namespace {

void ReadCassette(std::string_view text) {
  std::vector<Diagnostic> warnings;
  harness::CassetteReadOptions options;
  options.warnings = &warnings;
  auto strict = harness::ParseCassette(text, "fuzz.cassette.jsonl", options);
  (void)strict;
  options.allow_truncated_tail = true;
  auto recovered = harness::ParseCassette(text, "fuzz.cassette.jsonl", options);
  (void)recovered;
}

}  // namespace
}  // namespace agentreplay::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  agentreplay::fuzz::QuietLogs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  agentreplay::fuzz::ReadCassette(agentreplay::fuzz::AsText(data, size));
  return 0;
}
