#include "harness/recording/cassette_reader.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <rapidjson/document.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "core/input_file.h"
#include "harness/recording/wall_time.h"
#include "harness/scenario/field_reader.h"
#include "harness/scenario/json_locator.h"
#include "json/json_text.h"
#include "tools/base64.h"

namespace agentreplay::harness {
namespace {

using rapidjson::Value;

constexpr std::string_view kBom = "\xEF\xBB\xBF";

const ObjectFields& Fields(std::string_view object) {
  for (const ObjectFields& fields : CassetteFields()) {
    if (fields.object == object) return fields;
  }
  return CassetteFields().front();  // unreachable: every caller names a kind in the table
}

// Decodes the two kinds of line. One decoder per line: its FieldReader locates values within the
// line, and the caller moves the diagnostics to the line's number.
class LineDecoder {
 public:
  LineDecoder(std::string_view file, const JsonLocator& locator) : reader_(file, locator) {}

  enum class HeaderVerdict { kRead, kUnsupported };

  HeaderVerdict DecodeHeader(const Value& root, mocks::Cassette& c) {
    if (auto schema = reader_.ReadString(root, "", "schema");
        schema && *schema != mocks::kCassetteSchemaV1) {
      // Another version's members would only bury this in unknown-field errors.
      reader_.AtValue("/schema",
                      schema->starts_with("agentreplay.cassette/")
                          ? fmt::format("unsupported cassette version '{}'; this build reads '{}'",
                                        *schema, mocks::kCassetteSchemaV1)
                          : fmt::format("not a cassette: schema is '{}', expected '{}'", *schema,
                                        mocks::kCassetteSchemaV1));
      return HeaderVerdict::kUnsupported;
    }
    reader_.CheckMembers(root, "", Fields("header"));
    if (auto v = reader_.ReadNonBlank(root, "", "name")) c.name = std::move(*v);
    if (auto v = reader_.ReadString(root, "", "description")) c.description = std::move(*v);
    if (auto v = reader_.ReadString(root, "", "runtime")) {
      const auto runtimes = CassetteRuntimes();
      if (std::find(runtimes.begin(), runtimes.end(), *v) == runtimes.end()) {
        reader_.AtValue("/runtime", fmt::format("unknown runtime '{}'; expected one of: {}", *v,
                                                fmt::join(runtimes, ", ")));
      } else {
        c.runtime = std::move(*v);
      }
    }
    if (auto v = reader_.ReadNonBlank(root, "", "model")) c.model = std::move(*v);
    if (const Value* v = FindField(root, "source"); v && reader_.ExpectObject(*v, "/source")) {
      DecodeSource(*v, c.source);
    }
    if (const Value* v = FindField(root, "redacted")) {
      if (!v->IsArray()) {
        reader_.WrongType(*v, "/redacted", "an array of names");
      } else {
        for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
          const Value& name = (*v)[i];
          if (!name.IsString() || name.GetStringLength() == 0) {
            reader_.AtValue(AppendPointer("/redacted", i), "expected a non-empty string");
          } else {
            c.redacted.emplace_back(AsView(name));
          }
        }
      }
    }
    return HeaderVerdict::kRead;
  }

  mocks::CassetteExchange DecodeExchange(const Value& root) {
    mocks::CassetteExchange e;
    if (!reader_.ExpectObject(root, "")) return e;
    reader_.CheckMembers(root, "", Fields("exchange"));
    if (auto v = reader_.ReadString(root, "", "conversation")) e.conversation = std::move(*v);
    if (auto d = ReadOffset(root, "", "sent_at_ms")) e.sent_at = *d;
    if (const Value* v = FindField(root, "request"); v && reader_.ExpectObject(*v, "/request")) {
      DecodeRequest(*v, e.request);
    }
    if (const Value* v = FindField(root, "response"); v && reader_.ExpectObject(*v, "/response")) {
      DecodeResponse(*v, e.response);
    }
    return e;
  }

  FieldReader& reader() { return reader_; }

 private:
  void DecodeSource(const Value& v, mocks::CassetteSource& source) {
    reader_.CheckMembers(v, "/source", Fields("source"));
    if (auto s = reader_.ReadString(v, "/source", "kind")) source.kind = std::move(*s);
    if (auto s = reader_.ReadString(v, "/source", "origin")) source.origin = std::move(*s);
    if (auto s = reader_.ReadString(v, "/source", "recorded_at")) {
      if (!ParseRfc3339(*s)) {
        reader_.AtValue("/source/recorded_at",
                        fmt::format("recorded_at must be an RFC 3339 time such as "
                                    "'2025-09-16T23:14:39Z', got '{}'",
                                    *s));
      }
      source.recorded_at = std::move(*s);
    }
    if (auto b = reader_.ReadBool(v, "/source", "timing_derived")) source.timing_derived = *b;
    if (auto s = reader_.ReadString(v, "/source", "pace")) source.pace = std::move(*s);
  }

  // An offset in milliseconds: finite (JSON has no other numbers), >= 0 and at most 7 days.
  std::optional<Duration> ReadOffset(const Value& obj, std::string_view at, std::string_view name) {
    const auto ms = reader_.ReadNumber(obj, at, name);
    if (!ms) return std::nullopt;
    if (*ms < 0 || *ms > kMaxCassetteOffsetMs) {
      reader_.AtValue(AppendPointer(at, name),
                      fmt::format("{} must be from 0 to {:.0f} (7 days), got {:g}", name,
                                  kMaxCassetteOffsetMs, *ms));
      return std::nullopt;
    }
    return MillisToDuration(*ms);
  }

  void DecodeRequest(const Value& v, mocks::CassetteRequest& request) {
    reader_.CheckMembers(v, "/request", Fields("request"));
    if (auto m = reader_.ReadString(v, "/request", "method")) {
      if (!IsHttpToken(*m)) {
        reader_.AtValue("/request/method",
                        fmt::format("method must be an HTTP token such as \"POST\", got '{}'", *m));
      }
      request.method = std::move(*m);
    }
    if (auto t = reader_.ReadString(v, "/request", "target")) {
      if (!IsValidTarget(*t)) {
        reader_.AtValue("/request/target",
                        fmt::format("target must be a path and query starting with '/', without "
                                    "spaces or control characters, got '{}'",
                                    *t));
      }
      request.target = std::move(*t);
    }
    request.headers = ReadHeaders(v, "/request");
    if (const Value* body = FindField(v, "body")) {
      request.body = DecodeBody(*body, "/request/body", /*allow_json=*/true);
    }
  }

  void DecodeResponse(const Value& v, mocks::CassetteResponse& response) {
    reader_.CheckMembers(v, "/response", Fields("response"));
    if (auto s = reader_.ReadInteger(v, "/response", "status", 100, 599)) response.status = *s;
    response.headers = ReadHeaders(v, "/response");
    const auto headers_at = ReadOffset(v, "/response", "headers_at_ms");
    if (headers_at) response.headers_at = *headers_at;
    std::optional<Duration> last;  // the latest time seen so far: headers, then each chunk
    if (headers_at) last = *headers_at;
    if (const Value* chunks = FindField(v, "chunks")) {
      if (!chunks->IsArray()) {
        reader_.WrongType(*chunks, "/response/chunks", "an array");
      } else {
        for (rapidjson::SizeType i = 0; i < chunks->Size(); ++i) {
          const std::string pointer = AppendPointer("/response/chunks", i);
          DecodeChunk((*chunks)[i], pointer, headers_at, last, response.chunks);
        }
      }
    }
    if (const auto end = ReadOffset(v, "/response", "end_at_ms")) {
      if (last && *end < *last) {
        reader_.AtValue("/response/end_at_ms",
                        fmt::format("end_at_ms {} is before the last data ({} ms): the body "
                                    "cannot end before it arrived",
                                    FormatMillis(*end), FormatMillis(*last)));
      }
      response.end_at = *end;
    }
    if (auto e = reader_.ReadString(v, "/response", "error")) response.error = std::move(*e);
  }

  void DecodeChunk(const Value& v, const std::string& pointer, std::optional<Duration> headers_at,
                   std::optional<Duration>& last, std::vector<mocks::CassetteChunk>& out) {
    if (!reader_.ExpectObject(v, pointer)) return;
    reader_.CheckMembers(v, pointer, Fields("chunk"));
    mocks::CassetteChunk chunk;
    if (const auto at = ReadOffset(v, pointer, "at_ms")) {
      const std::string at_pointer = pointer + "/at_ms";
      if (headers_at && *at < *headers_at) {
        reader_.AtValue(at_pointer, fmt::format("chunk at {} ms arrives before the headers "
                                                "(headers_at_ms {})",
                                                FormatMillis(*at), FormatMillis(*headers_at)));
      } else if (last && *at < *last) {
        reader_.AtValue(at_pointer,
                        fmt::format("chunks out of order: at_ms {} is before the previous "
                                    "chunk's {}",
                                    FormatMillis(*at), FormatMillis(*last)));
      }
      chunk.at = *at;
      last = last ? std::max(*last, *at) : *at;
    }
    chunk.bytes = DecodeBytes(v, pointer, /*allow_json=*/false);
    out.push_back(std::move(chunk));
  }

  std::string DecodeBody(const Value& v, const std::string& pointer, bool allow_json) {
    if (!reader_.ExpectObject(v, pointer)) return {};
    reader_.CheckMembers(v, pointer, Fields("body"));
    return DecodeBytes(v, pointer, allow_json);
  }

  // The one of "json", "text", "base64" that the object holds (a chunk: "text" or "base64").
  std::string DecodeBytes(const Value& v, const std::string& pointer, bool allow_json) {
    const Value* as_json = allow_json ? FindField(v, "json") : nullptr;
    const Value* as_text = FindField(v, "text");
    const Value* as_base64 = FindField(v, "base64");
    const int count = (as_json ? 1 : 0) + (as_text ? 1 : 0) + (as_base64 ? 1 : 0);
    if (count != 1) {
      reader_.AtValue(pointer, allow_json ? "a body holds exactly one of 'json', 'text', 'base64'"
                                          : "a chunk holds exactly one of 'text', 'base64'");
      return {};
    }
    if (as_json) {
      if (!as_json->IsObject() && !as_json->IsArray()) {
        reader_.WrongType(*as_json, pointer + "/json", "an object or an array");
        return {};
      }
      return json::Compact(*as_json);
    }
    if (as_text) return reader_.ReadString(v, pointer, "text").value_or("");
    auto encoded = reader_.ReadString(v, pointer, "base64");
    if (!encoded) return {};
    auto bytes = Base64Decode(*encoded);
    if (!bytes) {
      reader_.AtValue(pointer + "/base64", "not valid base64 (RFC 4648, with padding)");
      return {};
    }
    return std::move(*bytes);
  }

  HttpHeaders ReadHeaders(const Value& obj, std::string_view at) {
    HttpHeaders headers;
    const Value* list = FindField(obj, "headers");
    if (!list) return headers;
    const std::string pointer = AppendPointer(at, "headers");
    if (!list->IsArray()) {
      reader_.WrongType(*list, pointer, "an array of [name, value] pairs");
      return headers;
    }
    for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
      const Value& pair = (*list)[i];
      const std::string item = AppendPointer(pointer, i);
      if (!pair.IsArray() || pair.Size() != 2 || !pair[0].IsString() || !pair[1].IsString()) {
        reader_.AtValue(item, "a header is a [name, value] pair of strings");
        continue;
      }
      const std::string_view name = AsView(pair[0]);
      const std::string_view value = AsView(pair[1]);
      bool ok = true;
      if (!IsHttpToken(name)) {
        reader_.AtValue(AppendPointer(item, 0),
                        fmt::format("header name '{}' is not an HTTP token", name));
        ok = false;
      }
      // CR or LF would let a replayed header split the response.
      if (!IsValidHeaderValue(value)) {
        reader_.AtValue(AppendPointer(item, 1),
                        "header value must not contain control characters (CR, LF, NUL, ...)");
        ok = false;
      }
      if (ok) headers.push_back({std::string(name), std::string(value)});
    }
    return headers;
  }

  FieldReader reader_;
};

bool IsBlankLine(std::string_view line) {
  if (line.starts_with(kBom)) line.remove_prefix(kBom.size());
  return IsBlank(line);
}

// Moves a line's diagnostics to the line's place in the file, together with its repeated member
// names, in column order. Repeats are not left to FieldReader::ReportDuplicates: its "first at
// LINE:COL" would name the line within the line, and both occurrences are on this line anyway.
void AddLineErrors(std::vector<Diagnostic>& errors, std::vector<Diagnostic> line_errors,
                   const std::string& file, const JsonLocator& locator, int line) {
  for (const auto& dup : locator.DuplicateKeys()) {
    line_errors.push_back({file, dup.pointer, 1, locator.PositionOf(dup.offset).column,
                           fmt::format("duplicate field '{}' (first at column {})", dup.name,
                                       locator.PositionOf(dup.first_offset).column)});
  }
  std::stable_sort(line_errors.begin(), line_errors.end(),
                   [](const auto& a, const auto& b) { return a.column < b.column; });
  for (Diagnostic& d : line_errors) {
    d.line = line;
    if (d.column == 0) d.column = 1;
    errors.push_back(std::move(d));
  }
}

void Warn(const CassetteReadOptions& options, Diagnostic warning) {
  if (options.warnings != nullptr) {
    options.warnings->push_back(std::move(warning));
  } else {
    spdlog::warn("{}", warning.ToString());
  }
}

}  // namespace

Expected<mocks::Cassette> ParseCassette(std::string_view text, std::string_view file_name,
                                        const CassetteReadOptions& options) {
  const std::string file(file_name);
  mocks::Cassette cassette;
  cassette.source_path = file;
  std::vector<Diagnostic> errors;
  bool header_read = false;
  int line_number = 0;
  std::size_t start = 0;
  if (IsBlankLine(text)) return FailIn(file, "file is empty: a cassette starts with a header line");
  while (start < text.size() && errors.size() <= kMaxCassetteErrors) {
    const std::size_t newline = text.find('\n', start);
    const bool terminated = newline != std::string_view::npos;
    const std::string_view line = text.substr(start, (terminated ? newline : text.size()) - start);
    start = terminated ? newline + 1 : text.size();
    ++line_number;
    auto at_line = [&](int column, std::string message) {
      errors.push_back({file, std::nullopt, line_number, column, std::move(message)});
    };
    if (IsBlankLine(line)) {
      if (terminated || line_number == 1) {
        at_line(1, "blank line: a cassette has one JSON object on every line");
      }
      continue;
    }
    if (line.size() > options.max_line_bytes) {
      at_line(1, fmt::format("line is {} bytes long; the limit is {} bytes", line.size(),
                             options.max_line_bytes));
      continue;
    }
    const LocatedJson json = ParseLocated(line);
    if (json.error) {
      const TextPosition at = json.locator.PositionOf(json.error->offset);
      if (!terminated && line_number > 1 && options.allow_truncated_tail) {
        Warn(options, {file, std::nullopt, line_number, at.column,
                       "dropped the truncated last line (the recording was cut short)"});
        continue;
      }
      errors.push_back({file, json.error->pointer, line_number, at.column,
                        !terminated ? fmt::format("truncated line: the file ends inside it (a "
                                                  "recording cut short?): {}",
                                                  json.error->message)
                                    : fmt::format("invalid JSON: {}", json.error->message)});
      continue;
    }
    const Value& root = json.document;
    const bool is_header = root.IsObject() && FindField(root, "schema") != nullptr;
    LineDecoder decoder(file, json.locator);
    if (line_number == 1 && is_header) {
      header_read = true;
      const auto verdict = decoder.DecodeHeader(root, cassette);
      AddLineErrors(errors, decoder.reader().TakeErrors(), file, json.locator, line_number);
      if (verdict == LineDecoder::HeaderVerdict::kUnsupported) break;
      continue;
    }
    if (is_header) {
      decoder.reader().AtKey("/schema",
                             "a header line may only be the first line (this line has 'schema')");
    } else {
      if (line_number == 1) {
        at_line(1, fmt::format("missing header line: line 1 must be the cassette header "
                               "({{\"schema\": \"{}\", ...}})",
                               mocks::kCassetteSchemaV1));
      }
      mocks::CassetteExchange exchange = decoder.DecodeExchange(root);
      cassette.exchanges.push_back(std::move(exchange));
    }
    AddLineErrors(errors, decoder.reader().TakeErrors(), file, json.locator, line_number);
  }
  if (errors.size() > kMaxCassetteErrors) {
    errors.resize(kMaxCassetteErrors);
    errors.push_back({file, std::nullopt, 0, 0,
                      fmt::format("too many errors; stopped after {}", kMaxCassetteErrors)});
  }
  if (!errors.empty()) return Failure(std::move(errors));
  if (!header_read) return FailIn(file, "missing header line");  // unreachable: reported above
  std::stable_sort(cassette.exchanges.begin(), cassette.exchanges.end(),
                   [](const auto& a, const auto& b) { return a.sent_at < b.sent_at; });
  return cassette;
}

Expected<mocks::Cassette> LoadCassetteFile(const std::filesystem::path& path,
                                           const CassetteReadOptions& options) {
  auto text = ReadInputFile(path, kMaxRecordingFileBytes);
  if (!text) return text.failure();
  return ParseCassette(*text, path.string(), options);
}

}  // namespace agentreplay::harness
