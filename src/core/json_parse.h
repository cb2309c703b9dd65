// Parsing JSON text from outside: a request, a response body, an SSE event, a scenario's
// embedded arguments, a results, journal or gate file. Every such text goes through
// ParseDocument, never Document::Parse (the lint step enforces it): RapidJSON's DOM parser
// recurses once per nesting level, so a text nested a few hundred thousand levels deep overflows
// the stack and kills the process. ParseDocument runs the iterative reader (no recursion) and
// refuses nesting deeper than a bound, so the DOM it builds is also shallow enough for the
// recursive walks that follow (Accept, the readers' own descent). Header-only, so that every
// layer (the agent core, results, reports) has it without a new link dependency.
//
// Full-precision numbers (kParseFullPrecisionFlag) are not left to RapidJSON 1.1's own
// conversion: on inputs such as "0e100" it gives wrong values (2.2e158 in an -O2 build) and reads
// past a table (RapidJSON #1249, fixed upstream after the last release, found by fuzzing the
// results reader). ParseDocument reads such numbers as text and converts them with
// std::from_chars, which is exact (correctly rounded) for every input.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace agentreplay::json {

// Far deeper than any request, response, event or results file (they nest a dozen levels or so),
// far shallower than what a thread's stack survives in the walks over the DOM.
inline constexpr std::size_t kMaxDepth = 512;

struct SyntaxError {
  std::string what;        // "Missing a name for object member.", "nesting deeper than 512 levels"
  std::size_t offset = 0;  // byte offset in the text
};

namespace internal {
// Forwards SAX events to a Document and fails past `max_depth` open arrays and objects.
class DepthLimitedHandler {
 public:
  DepthLimitedHandler(rapidjson::Document& doc, std::size_t max_depth)
      : doc_(doc), max_depth_(max_depth) {}
  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(int64_t i) { return doc_.Int64(i); }
  bool Uint64(uint64_t u) { return doc_.Uint64(u); }
  bool Double(double d) { return doc_.Double(d); }
  // Only with kParseNumbersAsStringsFlag, which ParseDocument uses for full precision: the
  // number's text, converted here as RapidJSON would type it (integers that fit stay integers).
  bool RawNumber(const char* s, rapidjson::SizeType n, bool /*copy*/) {
    const char* const end = s + n;
    const bool integral = std::string_view(s, n).find_first_of(".eE") == std::string_view::npos;
    if (integral && *s == '-') {
      int64_t i = 0;
      const auto [ptr, ec] = std::from_chars(s, end, i);
      if (ec == std::errc() && ptr == end) return i == 0 ? doc_.Double(-0.0) : doc_.Int64(i);
    } else if (integral) {
      uint64_t u = 0;
      const auto [ptr, ec] = std::from_chars(s, end, u);
      if (ec == std::errc() && ptr == end) return doc_.Uint64(u);
    }
    double d = 0;
    const auto [ptr, ec] = std::from_chars(s, end, d);
    if (ec == std::errc() && ptr == end) return doc_.Double(d);
    // The syntax was checked: only the range can fail. Too small is zero, as RapidJSON makes it.
    const std::string_view text(s, n);
    const std::size_t e = text.find_first_of("eE");
    if (e != std::string_view::npos && e + 1 < n && text[e + 1] == '-') {
      return doc_.Double(*s == '-' ? -0.0 : 0.0);
    }
    number_too_big_ = true;
    return false;
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return doc_.String(s, n, copy); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return doc_.Key(s, n, copy); }
  bool StartObject() { return Open() && doc_.StartObject(); }
  bool EndObject(rapidjson::SizeType members) {
    --depth_;
    return doc_.EndObject(members);
  }
  bool StartArray() { return Open() && doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType elements) {
    --depth_;
    return doc_.EndArray(elements);
  }
  bool TooDeep() const { return too_deep_; }
  bool NumberTooBig() const { return number_too_big_; }

 private:
  bool Open() {
    if (++depth_ > max_depth_) too_deep_ = true;
    return !too_deep_;
  }
  rapidjson::Document& doc_;
  std::size_t max_depth_;
  std::size_t depth_ = 0;
  bool too_deep_ = false;
  bool number_too_big_ = false;
};

inline SyntaxError MakeSyntaxError(const rapidjson::ParseResult& result,
                                   const DepthLimitedHandler& handler, std::size_t max_depth) {
  if (handler.TooDeep()) {
    return {"Nesting deeper than " + std::to_string(max_depth) + " levels.", result.Offset()};
  }
  if (handler.NumberTooBig()) {
    return {rapidjson::GetParseError_En(rapidjson::kParseErrorNumberTooBig), result.Offset()};
  }
  return {rapidjson::GetParseError_En(result.Code()), result.Offset()};
}

// Full precision by exact conversion (see above), never RapidJSON's own.
constexpr unsigned ReaderFlags(unsigned flags) {
  return (flags & rapidjson::kParseFullPrecisionFlag) != 0
             ? (flags & ~unsigned{rapidjson::kParseFullPrecisionFlag}) |
                   rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseIterativeFlag
             : flags | rapidjson::kParseIterativeFlag;
}
}  // namespace internal

// Parses `text` into `doc` (nullopt) or says where it stops (and leaves `doc` null). `kFlags` are
// RapidJSON's parse flags; the iterative flag is always added, and kParseFullPrecisionFlag means
// exact conversion (above).
template <unsigned kFlags = rapidjson::kParseDefaultFlags>
std::optional<SyntaxError> ParseDocument(std::string_view text, rapidjson::Document& doc,
                                         std::size_t max_depth = kMaxDepth) {
  rapidjson::MemoryStream stream(text.data(), text.size());
  internal::DepthLimitedHandler handler(doc, max_depth);
  rapidjson::Reader reader;
  rapidjson::ParseResult result;
  auto generate = [&](rapidjson::Document&) {
    result = reader.Parse<internal::ReaderFlags(kFlags)>(stream, handler);
    return !result.IsError();
  };
  doc.SetNull();
  doc.Populate(generate);
  if (!result.IsError()) return std::nullopt;
  doc.SetNull();
  return internal::MakeSyntaxError(result, handler, max_depth);
}

}  // namespace agentreplay::json
