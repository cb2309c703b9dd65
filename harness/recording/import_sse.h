// Imports response bodies captured on their own, as client libraries keep them for fixtures:
//   - raw Server-Sent Events (`data: {...}` lines and blank lines, as sent on the wire);
//   - chunk files with one JSON event object per line and no `data:` framing.
// Either holds one response and no request, so the request is synthesised from the API the
// events imply (chat.completion.chunk objects: Chat Completions; response.* events: Responses;
// thread.* events: Assistants) and marked as such with the X-Agentreplay-Synthesised header.
// There is no timing either: it is derived from the pace.
#pragma once

#include <string_view>

#include "core/expected.h"
#include "harness/recording/import_common.h"

namespace agentreplay::harness {

inline constexpr std::string_view kSynthesisedHeader = "X-Agentreplay-Synthesised";

Expected<ImportResult> ImportSse(std::string_view text, std::string_view file,
                                 const ImportOptions& options);

}  // namespace agentreplay::harness
