// The journal reader (results/results_journal.h) on an arbitrary results.journal.jsonl: what
// `report`, `compare` and `merge` read after a run was killed.
#include "results/results_journal.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/fuzz_text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> notes;
  auto results = agentreplay::results::ReadResultsJournal(agentreplay::fuzz::AsText(data, size),
                                                          "fuzz.journal.jsonl", &notes);
  (void)results;
  return 0;
}
