// The fuzzing engine hands over bytes; the entry points under test read text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace agentreplay::fuzz {

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace agentreplay::fuzz
