// Keeps secrets out of cassettes. Shared by the importers and the recording proxy, so that a
// cassette is safe to commit however it was made.
//
// Always redacted, whatever the rules say: the credential headers (CredentialHeaders(), in
// requests and responses, names compared case-insensitively) and query parameters of the same
// names. On top of that, the user's extra header names, and JSON member names whose values are
// replaced at any depth of a JSON request body, a JSON response body, or the JSON of an SSE
// `data:` line. A replaced value becomes the string "REDACTED"; an Authorization value keeps its
// scheme word ("Bearer REDACTED"), which says how the client authenticated without saying with
// what.
#pragma once

#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mocks/model/cassette.h"

namespace agentreplay::harness {

inline constexpr std::string_view kRedactedValue = "REDACTED";

struct RedactionRules {
  std::vector<std::string> headers{};      // extra header names, compared case-insensitively
  std::vector<std::string> json_fields{};  // JSON member names, compared exactly, at any depth
};

// Authorization, Proxy-Authorization, api-key, x-api-key, Cookie, Set-Cookie,
// OpenAI-Organization, OpenAI-Project.
std::span<const std::string_view> CredentialHeaders();

// Each adds the names whose values it replaced to `redacted`: header names in lower case, JSON
// member and query parameter names as they are spelled.
void RedactRequest(mocks::CassetteRequest& request, const RedactionRules& rules,
                   std::set<std::string>& redacted);
void RedactResponse(mocks::CassetteResponse& response, const RedactionRules& rules,
                    std::set<std::string>& redacted);
// Every exchange; the names are merged into cassette.redacted (sorted, no repeats).
void RedactCassette(mocks::Cassette& cassette, const RedactionRules& rules);

// Every name the rules cover, for a cassette header written before any exchange is seen (the
// recording proxy's), in the form RedactRequest reports them.
std::vector<std::string> RedactionNames(const RedactionRules& rules);

// `json` with the value of every member named in `fields` replaced by "REDACTED", printed
// compactly; nullopt when `json` is not JSON or no member matched (then it stays as it is, byte
// for byte). Streams the text through a SAX pass: no recursion, so any depth is safe, and
// numbers keep their spelling.
std::optional<std::string> RedactJsonFields(std::string_view json,
                                            std::span<const std::string> fields,
                                            std::set<std::string>& redacted);

// True when `text` contains something shaped like an OpenAI API key ("sk-" and at least 20 key
// characters). For tests and warnings; redaction goes by names, not by guessing.
bool LooksLikeSecret(std::string_view text);

}  // namespace agentreplay::harness
