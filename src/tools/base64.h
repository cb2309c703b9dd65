// Standard base64 (RFC 4648, with padding): how binary files cross the JSON boundary.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace agentreplay {

std::string Base64Encode(std::string_view bytes);
// Ignores ASCII whitespace (models wrap long base64); nullopt on any other non-alphabet byte,
// bad padding or a length that is not a whole number of quanta.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace agentreplay
