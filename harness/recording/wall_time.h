// Wall-clock timestamps as recordings spell them: RFC 3339 in cassettes and HAR files, the HTTP
// Date header (IMF-fixdate) in SDK recordings. Converted by hand, because the C library's
// functions depend on the locale and the machine's time zone, and an import must give the same
// cassette on every machine.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace agentreplay::harness {

// "2025-09-16T23:14:39.123Z", "2025-09-16T23:14:39+02:00": nanoseconds since the Unix epoch
// (UTC); nullopt for anything else. Digits past the ninth of a fraction are ignored.
std::optional<int64_t> ParseRfc3339(std::string_view text);
// UTC with a "Z"; the fraction only when there is one, in 3, 6 or 9 digits.
std::string FormatRfc3339(int64_t unix_ns);
// "Tue, 16 Sep 2025 23:14:39 GMT" (RFC 9110 IMF-fixdate): nanoseconds since the Unix epoch.
std::optional<int64_t> ParseHttpDate(std::string_view text);

}  // namespace agentreplay::harness
