// `import`: turns the recordings people already have into cassettes. One entry point that
// recognises the format and hands the file to its reader:
//   our own cassettes (*.cassette.jsonl)        validated, redacted, passed through;
//   OpenAI .NET SDK session records (*.json)     import_dotnet.h;
//   HAR 1.2 archives (*.har)                     import_har.h;
//   raw SSE bodies and event-per-line chunk files (*.sse, *.txt)  import_sse.h.
// The content decides; the file name only breaks a tie (a damaged file that no longer looks
// like anything is read as what its extension says, so its errors are reported in that
// format's terms).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

#include "core/expected.h"
#include "harness/recording/import_common.h"
#include "mocks/model/cassette.h"

namespace agentreplay::harness {

// Files larger than this are refused before they are read.
inline constexpr std::uintmax_t kMaxImportBytes = std::uintmax_t{1} << 30;  // 1 GiB

// The format of `text` (named `file`); kAuto when neither content nor name tells.
ImportFormat DetectImportFormat(std::string_view text, std::string_view file);

Expected<ImportResult> ImportText(std::string_view text, std::string_view file,
                                  const ImportOptions& options);
Expected<ImportResult> ImportRecording(const std::filesystem::path& path,
                                       const ImportOptions& options);
// ImportRecording without the notes (they are logged at info level).
Expected<std::vector<mocks::Cassette>> ImportFile(const std::filesystem::path& path,
                                                  const ImportOptions& options);

}  // namespace agentreplay::harness
