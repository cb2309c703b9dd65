#include "harness/recording/import_dotnet.h"

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <filesystem>
#include <utility>

#include "harness/recording/cassette_format.h"
#include "harness/recording/conversations.h"
#include "harness/recording/wall_time.h"
#include "harness/scenario/field_reader.h"
#include "harness/scenario/json_locator.h"
#include "json/json_text.h"

namespace agentreplay::harness {
namespace {

using rapidjson::Value;

constexpr std::string_view kRequired[] = {"RequestUri", "RequestMethod", "StatusCode"};

class EntryDecoder {
 public:
  EntryDecoder(std::string_view file, const JsonLocator& locator, const ImportOptions& options)
      : file_(file), locator_(locator), reader_(file, locator), options_(options) {}

  void Decode(const Value& root, RawImport& raw) {
    if (!reader_.ExpectObject(root, "")) return;
    const Value* entries = FindField(root, "Entries");
    if (entries == nullptr) {
      reader_.AtValue("", "missing required field 'Entries' (the list of recorded exchanges)");
      return;
    }
    if (!entries->IsArray()) {
      reader_.WrongType(*entries, "/Entries", "an array");
      return;
    }
    for (rapidjson::SizeType i = 0; i < entries->Size(); ++i) {
      DecodeEntry((*entries)[i], AppendPointer("/Entries", i), raw);
    }
  }

  std::vector<Diagnostic> TakeErrors() { return reader_.TakeErrors(); }

 private:
  void DecodeEntry(const Value& v, const std::string& p, RawImport& raw) {
    if (!reader_.ExpectObject(v, p)) return;
    bool complete = true;
    for (std::string_view name : kRequired) {
      if (FindField(v, name) == nullptr) {
        reader_.AtValue(p, fmt::format("missing required field '{}'", name));
        complete = false;
      }
    }
    const auto uri = reader_.ReadString(v, p, "RequestUri");
    const auto method = reader_.ReadNonBlank(v, p, "RequestMethod");
    const auto status = reader_.ReadInteger(v, p, "StatusCode", 100, 599);
    mocks::CassetteExchange e;
    e.request.headers = ReadHeaders(v, p, "RequestHeaders");
    e.response.headers = ReadHeaders(v, p, "ResponseHeaders");
    if (!complete || !uri || !method || !status) return;
    const auto target = TargetOfUrl(*uri);
    if (!target) {
      reader_.AtValue(p + "/RequestUri", fmt::format("not an absolute http(s) URL: '{}'", *uri));
      return;
    }
    if (!IsOpenAiApiTarget(*target)) {
      const TextPosition at = locator_.ValuePosition(p);
      raw.notes.push_back({file_, p, at.line, at.column,
                           fmt::format("skipped {} {}: not an OpenAI API call", *method, *uri)});
      return;
    }
    e.request.method = *method;
    e.request.target = *target;
    e.response.status = *status;
    if (const Value* body = FindField(v, "RequestBody")) e.request.body = BodyText(*body);
    if (const Value* body = FindField(v, "ResponseBody")) {
      for (std::string& piece : ResponsePieces(*body, e.response)) {
        e.response.chunks.push_back({Duration{0}, std::move(piece)});
      }
    }
    PaceExchange(e, options_.pace);
    if (raw.source.recorded_at.empty()) {
      if (const auto date = FindHeader(e.response.headers, "Date")) {
        if (const auto ns = ParseHttpDate(*date)) raw.source.recorded_at = FormatRfc3339(*ns);
      }
    }
    raw.exchanges.push_back(std::move(e));
  }

  // Header maps: each value a string, or an array of strings for a repeated header.
  HttpHeaders ReadHeaders(const Value& entry, const std::string& p, std::string_view name) {
    HttpHeaders headers;
    const Value* map = FindField(entry, name);
    if (map == nullptr || map->IsNull()) return headers;
    const std::string pointer = AppendPointer(p, name);
    if (!reader_.ExpectObject(*map, pointer)) return headers;
    for (const auto& member : map->GetObject()) {
      const std::string header(AsView(member.name));
      if (member.value.IsString()) {
        headers.push_back({header, std::string(AsView(member.value))});
        continue;
      }
      const bool strings =
          member.value.IsArray() && std::all_of(member.value.Begin(), member.value.End(),
                                                [](const Value& s) { return s.IsString(); });
      if (!strings) {
        reader_.WrongType(member.value, AppendPointer(pointer, header),
                          "a string or an array of strings");
        continue;
      }
      for (const Value& s : member.value.GetArray()) {
        headers.push_back({header, std::string(AsView(s))});
      }
    }
    return headers;
  }

  // A body the recorder stored as JSON is printed compactly; a string is the text as sent.
  static std::string BodyText(const Value& body) {
    if (body.IsNull()) return {};
    if (body.IsString()) return std::string(AsView(body));
    return json::Compact(body);
  }

  // The response body's pieces: one per SSE event for a stream (the recorder keeps its lines),
  // the whole body otherwise.
  static std::vector<std::string> ResponsePieces(const Value& body,
                                                 const mocks::CassetteResponse& response) {
    const bool lines =
        body.IsArray() && !body.Empty() &&
        std::all_of(body.Begin(), body.End(), [](const Value& s) { return s.IsString(); });
    if (lines && IsEventStream(response)) {
      std::string joined;
      for (const Value& line : body.GetArray()) joined += AsView(line);
      return SplitSseEvents(joined);
    }
    std::string text = BodyText(body);
    if (text.empty()) return {};
    return {std::move(text)};
  }

  std::string file_;
  const JsonLocator& locator_;
  FieldReader reader_;
  const ImportOptions& options_;
};

}  // namespace

Expected<ImportResult> ImportDotnetSession(std::string_view text, std::string_view file,
                                           const ImportOptions& options) {
  const Expected<LocatedJson> json = ParseImportedDocument(text, file);
  if (!json) return json.failure();
  RawImport raw;
  raw.name = ImportedName(file, options);
  EntryDecoder decoder(file, json->locator, options);
  decoder.Decode(json->document, raw);
  if (auto errors = decoder.TakeErrors(); !errors.empty()) return Failure(std::move(errors));
  PaceSendTimes(raw.exchanges, options.pace);
  const std::string origin = std::filesystem::path(file).filename().string();
  raw.description = fmt::format(
      "Imported from the OpenAI .NET SDK session record {}. The format records no timing: "
      "every offset is derived.",
      origin);
  raw.source.kind = "import:dotnet-session";
  raw.source.origin = origin;
  raw.source.timing_derived = true;
  raw.source.pace = DescribePace(options.pace);
  return FinishImport(std::move(raw), file, options);
}

}  // namespace agentreplay::harness
