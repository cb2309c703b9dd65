// The results reader (results/results_json.h) on an arbitrary results.json: what `report`,
// `compare` and `merge` read.
#include "results/results_json.h"

#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto results =
      agentreplay::results::ReadResultsJson(agentreplay::fuzz::AsText(data, size), "fuzz.json");
  (void)results;
  return 0;
}
