// The scenario loader (harness/scenario/scenario_loader.h) on an arbitrary file's text: the
// path `agentreplay run --scenario` and `validate` take, minus the file read.
#include "harness/scenario/scenario_loader.h"

#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  agentreplay::fuzz::QuietLogs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto scenario =
      agentreplay::harness::ParseScenario(agentreplay::fuzz::AsText(data, size), "fuzz.json");
  (void)scenario;
  return 0;
}
