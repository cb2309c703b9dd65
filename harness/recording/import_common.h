// What every importer shares: the options, the result, the default pace that gives timing to
// formats that recorded none, and the last step that turns a list of exchanges into cassettes
// (runtime, model, conversations, redaction). Each format's own file only reads its format.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"
#include "core/expected.h"
#include "core/time.h"
#include "harness/recording/redaction.h"
#include "harness/scenario/json_locator.h"
#include "mocks/model/cassette.h"

namespace agentreplay::harness {

// Timing for formats without per-event times (SDK session records, raw SSE bodies), and for
// HAR entries without timings. An exchange is paced like this:
//   headers_at = openai-processing-ms + network  when the response has that header,
//                headers                         otherwise;
//   chunk i    = headers_at + first_event + i * event_gap  (one chunk per SSE event, or the
//                whole body as one chunk);
//   end_at     = the last chunk;
//   the next request is sent request_gap after the previous response ended.
struct Pace {
  Duration headers = std::chrono::milliseconds(400);
  Duration network = std::chrono::milliseconds(40);
  Duration first_event = std::chrono::milliseconds(0);
  Duration event_gap = std::chrono::milliseconds(20);
  Duration request_gap = std::chrono::milliseconds(50);

  bool operator==(const Pace&) const = default;
};

// "headers 400 ms (or openai-processing-ms + 40 ms), first event +0 ms, 20 ms between events,
// 50 ms between requests": what goes into CassetteSource::pace.
std::string DescribePace(const Pace& pace);
// Overrides from a comma-separated list of name=milliseconds, for the command line:
// "headers=300,event_gap=15". Names: headers, network, first_event, event_gap, request_gap.
Expected<Pace> ParsePace(std::string_view spec, const Pace& base = {});

enum class ImportFormat { kAuto, kCassette, kDotnetSession, kHar, kSse };
std::string_view ImportFormatName(ImportFormat format);  // "auto", "cassette", "dotnet", ...
std::optional<ImportFormat> ParseImportFormat(std::string_view name);

struct ImportOptions {
  ImportFormat format = ImportFormat::kAuto;  // kAuto: sniffed from the content, then the name
  Pace pace{};
  RedactionRules redaction{};  // the credential headers are redacted regardless
  // One cassette per conversation (SplitConversations) instead of one per runtime.
  bool split_conversations = false;
  // The cassette name; default: the file name without its extension.
  std::string name{};
  // For cassettes: drop a truncated last line (a recording cut short) with a note.
  bool allow_truncated_tail = false;
};

struct ImportResult {
  // One per runtime found in the file (a HAR can hold calls to several APIs), or one per
  // conversation with split_conversations.
  std::vector<mocks::Cassette> cassettes;
  // What was skipped or assumed, for the user: not errors.
  std::vector<Diagnostic> notes;
};

// What a format reader produces before the common finish.
struct RawImport {
  std::string name;
  std::string description;
  mocks::CassetteSource source;
  std::vector<mocks::CassetteExchange> exchanges;
  std::vector<Diagnostic> notes;
};

// Groups the exchanges by runtime into cassettes, detects each one's model, assigns
// conversations, redacts, and splits by conversation when asked. A file without a single
// Responses, Chat Completions or Assistants call is an error.
Expected<ImportResult> FinishImport(RawImport raw, std::string_view file,
                                    const ImportOptions& options);

// The name a cassette imported from `path` gets: options.name, else the file name without its
// extension (".cassette.jsonl" counts as one).
std::string ImportedName(std::string_view file, const ImportOptions& options);

// A whole-document import (a session record, a HAR) parsed with its locator; a syntax error is
// the one diagnostic "FILE:LINE:COL: POINTER: invalid JSON: ...".
Expected<LocatedJson> ParseImportedDocument(std::string_view text, std::string_view file);

// "/v1/responses?x=1" from "https://api.openai.com/v1/responses?x=1"; nullopt when `url` is not
// an absolute http(s) URL.
std::optional<std::string> TargetOfUrl(std::string_view url);

// Splits an SSE body into its events, each with the blank line that ends it; bytes after the
// last blank line form a last piece. The pieces concatenate back to `body`.
std::vector<std::string> SplitSseEvents(std::string_view body);

// Fills in headers_at, chunk offsets and end_at of an exchange whose chunks hold the body
// pieces but no times, following `pace` (see Pace).
void PaceExchange(mocks::CassetteExchange& exchange, const Pace& pace);
// Sets sent_at of each exchange: the first at 0, each next one request_gap after the previous
// response ended.
void PaceSendTimes(std::vector<mocks::CassetteExchange>& exchanges, const Pace& pace);

}  // namespace agentreplay::harness
