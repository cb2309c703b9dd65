// What the cassette writer and reader must agree on, kept in one place: the members each kind of
// object may have (which the reader enforces and a test holds the JSON Schema to), the limits a
// file must stay within, the exact spelling of times and text, and the checks that keep the
// writers from producing a file the reader refuses. The small body helpers the importers and
// redaction share live here too.
//
// Format reference: docs/recordings.md; schema: scenarios/schemas/cassette.schema.json.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/expected.h"
#include "core/time.h"
#include "harness/scenario/scenario_loader.h"
#include "mocks/model/cassette.h"

namespace agentreplay::harness {

inline constexpr std::string_view kCassetteExtension = ".cassette.jsonl";

// A line longer than this is refused before it is parsed: a cassette line holds one exchange,
// and no real exchange comes near it, so a longer line is a damaged or hostile file.
inline constexpr std::size_t kMaxCassetteLineBytes = std::size_t{256} << 20;  // 256 MiB

// Offsets (sent_at_ms, headers_at_ms, at_ms, end_at_ms) above this are refused: 7 days, far
// beyond any recorded session, and small enough that milliseconds with 3 decimals stay exact in
// a double.
inline constexpr double kMaxCassetteOffsetMs = 7.0 * 24 * 3600 * 1000;

// A file with more problems than this stops being read: the first ones say what is wrong.
inline constexpr std::size_t kMaxCassetteErrors = 200;

// The three APIs a cassette can be recorded on.
std::span<const std::string_view> CassetteRuntimes();

// The members of each kind of object in a cassette file. `object` is "header" for the first
// line, "exchange" for every other line, otherwise the schema's $defs name ("source",
// "request", "body", "response", "chunk").
std::span<const ObjectFields> CassetteFields();

// Milliseconds with at most 3 decimals and no trailing zeros ("12.345", "0.5", "40"): the
// duration rounded to the microsecond, so writing is deterministic and reading it back with
// MillisToDuration gives the same microsecond.
std::string FormatMillis(Duration d);
// The nearest microsecond of `ms` (which callers have bounded to kMaxCassetteOffsetMs).
Duration MillisToDuration(double ms);

// Strict UTF-8: no overlong forms, surrogates or code points above U+10FFFF (what RapidJSON's
// validating reader accepts, so a string written as text reads back).
bool IsValidUtf8(std::string_view bytes);
// `bytes` with each invalid sequence replaced by U+FFFD, for names and header values, which must
// be text in a JSON file.
std::string ToValidUtf8(std::string_view bytes);

// A JSON text's deepest nesting of arrays and objects, found without parsing (strings are
// skipped); it decides whether a body may be embedded as JSON without the file's line getting
// deeper than the reader accepts.
std::size_t JsonNestingDepth(std::string_view text);

// RFC 9110 token characters only: what a method and a header name are made of.
bool IsHttpToken(std::string_view s);
// No control characters but tab: a CR or LF would let a replayed header split the response.
bool IsValidHeaderValue(std::string_view s);
// A path and query as sent: starts with '/', no spaces or control characters.
bool IsValidTarget(std::string_view s);

// What the reader would refuse in a cassette built in memory (offsets out of range or out of
// order, a bad status, method, target or header, an unknown runtime, ...), as one message per
// problem naming the exchange. The writers check it, so a file they write always reads back.
std::vector<std::string> HeaderProblems(const mocks::Cassette& cassette);
std::vector<std::string> ExchangeProblems(const mocks::CassetteExchange& exchange);
// Both, for a whole cassette; the failure's diagnostics name `file`.
Status CheckCassette(const mocks::Cassette& cassette, std::string_view file);

// The response body: every chunk's bytes, in order.
std::string ResponseBody(const mocks::CassetteResponse& response);
// Whether the body is Server-Sent Events: the Content-Type says so, or (without one) the body
// starts like an event stream.
bool IsEventStream(const mocks::CassetteResponse& response);

bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Parses a body or an SSE event's data as JSON: strict, valid UTF-8, and no deeper than
// kMaxJsonDepth, so that the recursive walks and printing done on the result stay bounded on
// hostile input. False (and `doc` unusable) otherwise.
bool ParseJsonBody(std::string_view text, rapidjson::Document& doc);

}  // namespace agentreplay::harness
