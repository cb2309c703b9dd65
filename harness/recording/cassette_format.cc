#include "harness/recording/cassette_format.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "harness/recording/wall_time.h"
#include "harness/scenario/field_reader.h"
#include "harness/scenario/json_locator.h"
#include "json/json_text.h"

namespace agentreplay::harness {
namespace {

constexpr std::string_view kRuntimes[] = {"assistants", "responses", "chat"};

// The tables of each object kind. The schema test compares cassette.schema.json to them.
constexpr std::string_view kHeaderKnown[] = {"schema", "name",   "description", "runtime",
                                             "model",  "source", "redacted"};
constexpr std::string_view kHeaderRequired[] = {"schema", "name", "runtime"};
constexpr std::string_view kSourceKnown[] = {"kind", "origin", "recorded_at", "timing_derived",
                                             "pace"};
constexpr std::string_view kSourceRequired[] = {"kind"};
constexpr std::string_view kExchangeKnown[] = {"conversation", "sent_at_ms", "request", "response"};
constexpr std::string_view kExchangeRequired[] = {"sent_at_ms", "request", "response"};
constexpr std::string_view kRequestKnown[] = {"method", "target", "headers", "body"};
constexpr std::string_view kRequestRequired[] = {"method", "target"};
constexpr std::string_view kBodyKnown[] = {"json", "text", "base64"};
constexpr std::string_view kResponseKnown[] = {"status", "headers",   "headers_at_ms",
                                               "chunks", "end_at_ms", "error"};
constexpr std::string_view kResponseRequired[] = {"status", "headers_at_ms", "end_at_ms"};
constexpr std::string_view kChunkKnown[] = {"at_ms", "text", "base64"};
constexpr std::string_view kChunkRequired[] = {"at_ms"};

constexpr ObjectFields kFields[] = {
    {"header", kHeaderKnown, kHeaderRequired},
    {"source", kSourceKnown, kSourceRequired},
    {"exchange", kExchangeKnown, kExchangeRequired},
    {"request", kRequestKnown, kRequestRequired},
    {"body", kBodyKnown, {}},
    {"response", kResponseKnown, kResponseRequired},
    {"chunk", kChunkKnown, kChunkRequired},
};

bool IsControl(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20U || u == 0x7FU;
}

bool InRange(Duration d) { return d >= Duration{0} && ToMillis(d) <= kMaxCassetteOffsetMs; }

bool IsContinuation(unsigned char c) { return (c & 0xC0U) == 0x80U; }

// The length of the valid UTF-8 sequence starting at bytes[i], or 0 when it is not one.
std::size_t SequenceLength(std::string_view bytes, std::size_t i) {
  const auto at = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
  const unsigned char lead = at(i);
  if (lead < 0x80U) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80U;  // the range allowed for the second byte
  unsigned char high = 0xBFU;
  if (lead >= 0xC2U && lead <= 0xDFU) {
    length = 2;
  } else if (lead >= 0xE0U && lead <= 0xEFU) {
    length = 3;
    if (lead == 0xE0U) low = 0xA0U;   // overlong
    if (lead == 0xEDU) high = 0x9FU;  // surrogates
  } else if (lead >= 0xF0U && lead <= 0xF4U) {
    length = 4;
    if (lead == 0xF0U) low = 0x90U;   // overlong
    if (lead == 0xF4U) high = 0x8FU;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + length > bytes.size()) return 0;
  if (at(i + 1) < low || at(i + 1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (!IsContinuation(at(i + k))) return 0;
  }
  return length;
}

}  // namespace

std::span<const std::string_view> CassetteRuntimes() { return kRuntimes; }

std::span<const ObjectFields> CassetteFields() { return kFields; }

std::string FormatMillis(Duration d) {
  const int64_t ns = d.count();
  const bool negative = ns < 0;
  // Rounded half away from zero to the microsecond; magnitudes stay far from overflow.
  const uint64_t magnitude =
      negative ? static_cast<uint64_t>(-(ns + 1)) + 1 : static_cast<uint64_t>(ns);
  const uint64_t us = (magnitude + 500) / 1000;
  std::string out = fmt::format("{}{}", negative && us != 0 ? "-" : "", us / 1000);
  if (const uint64_t fraction = us % 1000; fraction != 0) {
    std::string digits = fmt::format("{:03}", fraction);
    while (digits.back() == '0') digits.pop_back();
    out += '.';
    out += digits;
  }
  return out;
}

Duration MillisToDuration(double ms) {
  return Duration(static_cast<int64_t>(std::llround(ms * 1000.0)) * 1000);
}

bool IsValidUtf8(std::string_view bytes) {
  for (std::size_t i = 0; i < bytes.size();) {
    const std::size_t length = SequenceLength(bytes, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

std::string ToValidUtf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size();) {
    const std::size_t length = SequenceLength(bytes, i);
    if (length == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      ++i;
    } else {
      out.append(bytes.substr(i, length));
      i += length;
    }
  }
  return out;
}

std::size_t JsonNestingDepth(std::string_view text) {
  std::size_t depth = 0;
  std::size_t deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

bool IsHttpToken(std::string_view s) {
  constexpr std::string_view kSpecial = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           kSpecial.find(c) != std::string_view::npos;
  });
}

bool IsValidHeaderValue(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) { return IsControl(c) && c != '\t'; });
}

bool IsValidTarget(std::string_view s) {
  return s.starts_with('/') &&
         std::none_of(s.begin(), s.end(), [](char c) { return IsControl(c) || c == ' '; });
}

std::vector<std::string> HeaderProblems(const mocks::Cassette& c) {
  std::vector<std::string> out;
  if (IsBlank(c.name)) out.emplace_back("the cassette has no name");
  const auto runtimes = CassetteRuntimes();
  if (std::find(runtimes.begin(), runtimes.end(), c.runtime) == runtimes.end()) {
    out.push_back(fmt::format("unknown runtime '{}'", c.runtime));
  }
  if (!c.model.empty() && IsBlank(c.model)) out.emplace_back("the model is blank");
  if (!c.source.recorded_at.empty() && !ParseRfc3339(c.source.recorded_at)) {
    out.push_back(fmt::format("recorded_at '{}' is not an RFC 3339 time", c.source.recorded_at));
  }
  if (std::any_of(c.redacted.begin(), c.redacted.end(),
                  [](const std::string& name) { return name.empty(); })) {
    out.emplace_back("an empty name in redacted");
  }
  return out;
}

std::vector<std::string> ExchangeProblems(const mocks::CassetteExchange& e) {
  std::vector<std::string> out;
  const mocks::CassetteRequest& q = e.request;
  const mocks::CassetteResponse& r = e.response;
  auto offset = [&](std::string_view name, Duration d) {
    if (!InRange(d)) {
      out.push_back(fmt::format("{} {} ms is outside 0 to {:.0f} ms", name, FormatMillis(d),
                                kMaxCassetteOffsetMs));
    }
  };
  offset("sent_at", e.sent_at);
  if (!IsHttpToken(q.method)) {
    out.push_back(fmt::format("method '{}' is not an HTTP token", q.method));
  }
  if (!IsValidTarget(q.target)) out.push_back(fmt::format("target '{}' is not a path", q.target));
  for (const HttpHeaders* headers : {&q.headers, &r.headers}) {
    for (const HttpHeader& h : *headers) {
      if (!IsHttpToken(h.name)) {
        out.push_back(fmt::format("header name '{}' is not a token", h.name));
      }
      if (!IsValidHeaderValue(h.value)) {
        out.push_back(fmt::format("header '{}' has control characters in its value", h.name));
      }
    }
  }
  if (r.status < 100 || r.status > 599) out.push_back(fmt::format("status {}", r.status));
  offset("headers_at", r.headers_at);
  Duration last = r.headers_at;
  for (const mocks::CassetteChunk& chunk : r.chunks) {
    offset("a chunk's at", chunk.at);
    if (chunk.at < last) {
      out.push_back(fmt::format("a chunk at {} ms comes before {} ms", FormatMillis(chunk.at),
                                FormatMillis(last)));
    }
    last = std::max(last, chunk.at);
  }
  offset("end_at", r.end_at);
  if (r.end_at < last) {
    out.push_back(
        fmt::format("end_at {} ms is before {} ms", FormatMillis(r.end_at), FormatMillis(last)));
  }
  return out;
}

Status CheckCassette(const mocks::Cassette& cassette, std::string_view file) {
  std::vector<Diagnostic> problems;
  for (std::string& p : HeaderProblems(cassette)) {
    problems.push_back({std::string(file), std::nullopt, 0, 0, std::move(p)});
  }
  for (std::size_t i = 0; i < cassette.exchanges.size(); ++i) {
    const auto& e = cassette.exchanges[i];
    for (std::string& p : ExchangeProblems(e)) {
      problems.push_back(
          {std::string(file), std::nullopt, 0, 0,
           fmt::format("exchange {} ({} {}): {}", i + 1, e.request.method, e.request.target, p)});
    }
  }
  if (problems.empty()) return {};
  return Failure(std::move(problems));
}

std::string ResponseBody(const mocks::CassetteResponse& response) {
  std::string body;
  for (const auto& chunk : response.chunks) body += chunk.bytes;
  return body;
}

bool IsEventStream(const mocks::CassetteResponse& response) {
  if (const auto type = FindHeader(response.headers, "content-type")) {
    std::string lower(*type);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
    return lower.find("text/event-stream") != std::string::npos;
  }
  if (response.chunks.empty()) return false;
  const std::string_view first = response.chunks.front().bytes;
  return first.starts_with("data:") || first.starts_with("event:") || first.starts_with(":");
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [&](char x, char y) { return lower(x) == lower(y); });
}

bool ParseJsonBody(std::string_view text, rapidjson::Document& doc) {
  if (JsonNestingDepth(text) > kMaxJsonDepth) return false;
  constexpr unsigned kFlags =
      rapidjson::kParseValidateEncodingFlag | rapidjson::kParseFullPrecisionFlag;
  return !json::ParseDocument<kFlags>(text, doc);
}

}  // namespace agentreplay::harness
