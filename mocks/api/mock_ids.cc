#include "mocks/api/mock_ids.h"

#include <fmt/format.h>

namespace agentreplay::mocks {
namespace {
constexpr std::string_view kHex = "0123456789abcdef";
constexpr std::string_view kAlnum =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
}  // namespace

MockIds::MockIds(uint64_t seed) : rng_(DeriveSeed(seed, "ids")) {}

std::string MockIds::Hex(size_t n) {
  std::string out;
  out.reserve(n);
  uint64_t bits = 0;
  int left = 0;
  for (size_t i = 0; i < n; ++i) {
    if (left == 0) {
      bits = rng_.NextU64();
      left = 16;
    }
    out.push_back(kHex[bits & 0xF]);
    bits >>= 4;
    --left;
  }
  return out;
}

std::string MockIds::Alnum(size_t n) {
  std::string out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(kAlnum[rng_.Below(kAlnum.size())]);
  return out;
}

std::string MockIds::RequestId() { return "req_" + Hex(32); }

std::string MockIds::Family() { return Hex(16); }

std::string MockIds::ResponsesObjectId(std::string_view prefix, std::string_view family,
                                       int64_t created_at) {
  const auto stamp = static_cast<uint32_t>(static_cast<uint64_t>(created_at) & 0xFFFFFFFFU);
  return fmt::format("{}_{}00{:08x}{}", prefix, family, stamp, Hex(24));
}

std::string MockIds::CallId() { return "call_" + Alnum(24); }

std::string MockIds::AssistantId() { return "asst_" + Alnum(24); }

std::string MockIds::ThreadId() { return "thread_" + Alnum(24); }

std::string MockIds::MessageId() { return "msg_" + Alnum(24); }

std::string MockIds::RunId() { return "run_" + Alnum(24); }

std::string MockIds::StepId() { return "step_" + Alnum(24); }

std::string MockIds::FileId() { return "file-" + Alnum(22); }

}  // namespace agentreplay::mocks
