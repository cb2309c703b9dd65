// Deterministic ids shaped like OpenAI's, drawn from one seeded stream.
//
// The stream is Rng(DeriveSeed(seed, "ids")) and is consumed in request order, so the same
// scenario, seed and request sequence always yields the same ids.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/random.h"

namespace agentreplay::mocks {

class MockIds {
 public:
  explicit MockIds(uint64_t seed);

  // "req_" + 32 lowercase hex, like x-request-id.
  std::string RequestId();

  // 16 hex shared by one response and its output items, as in the real ids.
  std::string Family();

  // A Responses object id as the API shapes them: `prefix` "_" + family (16 hex) + "00" +
  // created_at (8 hex) + 24 random hex: 50 hex in all, e.g.
  // resp_0df7c3d8927b3a94 00 68c9ef43 dce481949ab7ac4c9f676d61.
  std::string ResponsesObjectId(std::string_view prefix, std::string_view family,
                                int64_t created_at);

  // "call_" + 24 alphanumerics.
  std::string CallId();

  // Assistants API object ids: the prefix, "_" and 24 alphanumerics, as in the recordings
  // (asst_UOVdTzRv5b3PPpxmEyIYMy9H, thread_…, msg_…, run_…, step_…).
  std::string AssistantId();
  std::string ThreadId();
  std::string MessageId();
  std::string RunId();
  std::string StepId();
  // "file-" + 22 alphanumerics, like the ids of uploaded files.
  std::string FileId();

  std::string Hex(size_t n);
  std::string Alnum(size_t n);

 private:
  Rng rng_;
};

}  // namespace agentreplay::mocks
