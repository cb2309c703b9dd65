// Imports HAR 1.2 files (the HTTP Archive browsers' developer tools and proxies export): the
// OpenAI API calls among log.entries[] become exchanges, every other entry is skipped with a
// note. Send times, time to headers and the end of each body are measured (startedDateTime and
// timings); where a streamed body's events arrived within timings.receive is not recorded, so
// they are spread evenly over it and the cassette says its timing is partly derived.
#pragma once

#include <string_view>

#include "core/expected.h"
#include "harness/recording/import_common.h"

namespace agentreplay::harness {

Expected<ImportResult> ImportHar(std::string_view text, std::string_view file,
                                 const ImportOptions& options);

}  // namespace agentreplay::harness
