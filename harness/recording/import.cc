#include "harness/recording/import.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <spdlog/spdlog.h>

#include <system_error>
#include <utility>

#include "core/input_file.h"
#include "harness/recording/cassette_format.h"
#include "harness/recording/cassette_reader.h"
#include "harness/recording/conversations.h"
#include "harness/recording/import_dotnet.h"
#include "harness/recording/import_har.h"
#include "harness/recording/import_sse.h"
#include "harness/recording/redaction.h"
#include "harness/scenario/field_reader.h"

namespace agentreplay::harness {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

ImportFormat FormatOfName(std::string_view file) {
  const std::string name = std::filesystem::path(file).filename().string();
  const std::string extension = std::filesystem::path(file).extension().string();
  if (name.ends_with(kCassetteExtension) || extension == ".jsonl") return ImportFormat::kCassette;
  if (extension == ".har") return ImportFormat::kHar;
  if (extension == ".json") return ImportFormat::kDotnetSession;
  if (extension == ".sse" || extension == ".txt") return ImportFormat::kSse;
  return ImportFormat::kAuto;
}

bool HasMember(const rapidjson::Value& v, std::string_view name) {
  return v.IsObject() && FindField(v, name) != nullptr;
}

Expected<ImportResult> ImportCassette(std::string_view text, std::string_view file,
                                      const ImportOptions& options) {
  ImportResult result;
  CassetteReadOptions read;
  read.allow_truncated_tail = options.allow_truncated_tail;
  read.warnings = &result.notes;
  auto cassette = ParseCassette(text, file, read);
  if (!cassette) return cassette.failure();
  if (!options.name.empty()) cassette->name = options.name;
  RedactCassette(*cassette, options.redaction);
  // A recording proxy cannot tell conversations apart as requests pass: name them now.
  AssignConversations(*cassette);
  if (options.split_conversations) {
    result.cassettes = SplitConversations(*cassette);
  } else {
    result.cassettes.push_back(std::move(*cassette));
  }
  return result;
}

}  // namespace

ImportFormat DetectImportFormat(std::string_view text, std::string_view file) {
  std::string_view body = text.starts_with(kBom) ? text.substr(kBom.size()) : text;
  const std::size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return FormatOfName(file);
  body.remove_prefix(first);
  if (body.starts_with("data:") || body.starts_with("event:") || body.starts_with(":") ||
      body.starts_with("id:") || body.starts_with("retry:")) {
    return ImportFormat::kSse;
  }
  if (!body.starts_with('{')) return FormatOfName(file);
  rapidjson::Document line;
  const bool line_is_object =
      ParseJsonBody(body.substr(0, body.find('\n')), line) && line.IsObject();
  if (line_is_object && HasMember(line, "schema")) {
    const rapidjson::Value& schema = line["schema"];
    if (schema.IsString() && AsView(schema).starts_with("agentreplay.cassette/")) {
      return ImportFormat::kCassette;
    }
  }
  rapidjson::Document whole;
  if (ParseJsonBody(body, whole) && whole.IsObject()) {
    if (HasMember(whole, "log")) return ImportFormat::kHar;
    if (HasMember(whole, "Entries")) return ImportFormat::kDotnetSession;
  }
  // Several JSON objects, one per line: a chunk file (unless the name says cassette).
  if (line_is_object && !std::string_view(file).ends_with(kCassetteExtension) &&
      body.find('\n') != std::string_view::npos && !whole.IsObject()) {
    return ImportFormat::kSse;
  }
  return FormatOfName(file);
}

Expected<ImportResult> ImportText(std::string_view text, std::string_view file,
                                  const ImportOptions& options) {
  const ImportFormat format =
      options.format == ImportFormat::kAuto ? DetectImportFormat(text, file) : options.format;
  switch (format) {
    case ImportFormat::kCassette:
      return ImportCassette(text, file, options);
    case ImportFormat::kDotnetSession:
      return ImportDotnetSession(text, file, options);
    case ImportFormat::kHar:
      return ImportHar(text, file, options);
    case ImportFormat::kSse:
      return ImportSse(text, file, options);
    case ImportFormat::kAuto:
      break;
  }
  return FailIn(std::string(file),
                "cannot tell the format of this file: expected a cassette (.cassette.jsonl), an "
                "OpenAI .NET SDK session record (.json with \"Entries\"), a HAR file (.har with "
                "\"log\") or an SSE capture (.sse, .txt)");
}

Expected<ImportResult> ImportRecording(const std::filesystem::path& path,
                                       const ImportOptions& options) {
  std::error_code ec;
  if (const auto size = std::filesystem::file_size(path, ec); !ec && size > kMaxImportBytes) {
    return FailIn(path.string(), fmt::format("file is {} bytes; the import limit is {} bytes", size,
                                             kMaxImportBytes));
  }
  auto text = ReadInputFile(path, kMaxRecordingFileBytes);
  if (!text) return text.failure();
  return ImportText(*text, path.string(), options);
}

Expected<std::vector<mocks::Cassette>> ImportFile(const std::filesystem::path& path,
                                                  const ImportOptions& options) {
  auto result = ImportRecording(path, options);
  if (!result) return result.failure();
  for (const Diagnostic& note : result->notes) spdlog::info("{}", note.ToString());
  return std::move(result->cassettes);
}

}  // namespace agentreplay::harness
