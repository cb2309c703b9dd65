// Server-Sent Events encoder for the mock side: the exact framing OpenAI's servers use.
#pragma once

#include <string>
#include <string_view>

namespace agentreplay {

// Appends "event: <type>\n" (when type is non-empty), one "data: " line per line of `data`,
// and the terminating blank line.
void AppendSseEvent(std::string& out, std::string_view type, std::string_view data);

// The same, returned as a new string.
std::string EncodeSseEvent(std::string_view type, std::string_view data);

// Appends a comment line (": <text>\n\n"), used as a keep-alive.
void AppendSseComment(std::string& out, std::string_view text);

}  // namespace agentreplay
