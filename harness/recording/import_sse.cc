#include "harness/recording/import_sse.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <filesystem>
#include <utility>

#include "harness/recording/cassette_format.h"
#include "harness/scenario/field_reader.h"
#include "harness/scenario/json_locator.h"
#include "json/json_text.h"
#include "sse/sse_decoder.h"

namespace agentreplay::harness {
namespace {

using rapidjson::Value;

constexpr std::string_view kBom = "\xEF\xBB\xBF";

std::string_view StringMember(const Value& obj, std::string_view name) {
  if (!obj.IsObject()) return {};
  const Value* v = FindField(obj, name);
  return v && v->IsString() ? AsView(*v) : std::string_view{};
}

// What the events say about the exchange they came from.
struct StreamFacts {
  std::string runtime;
  std::string model;
  std::string thread_id;
  std::string assistant_id;

  void Learn(std::string_view event_type, const Value& data) {
    if (runtime.empty()) {
      if (StringMember(data, "object") == "chat.completion.chunk") {
        runtime = "chat";
      } else if (StringMember(data, "type").starts_with("response.")) {
        runtime = "responses";
      } else if (event_type.starts_with("thread.") ||
                 StringMember(data, "object").starts_with("thread.")) {
        runtime = "assistants";
      }
    }
    if (model.empty()) {
      model = std::string(StringMember(data, "model"));
      if (const Value* r = data.IsObject() ? FindField(data, "response") : nullptr;
          model.empty() && r) {
        model = std::string(StringMember(*r, "model"));
      }
    }
    if (thread_id.empty()) {
      thread_id = StringMember(data, "object") == "thread"
                      ? std::string(StringMember(data, "id"))
                      : std::string(StringMember(data, "thread_id"));
    }
    if (assistant_id.empty()) assistant_id = std::string(StringMember(data, "assistant_id"));
  }
};

struct Lines {
  std::vector<std::string_view> text;  // without the line break
  std::string_view body;               // the text after any byte order mark
};

Lines SplitLines(std::string_view text) {
  Lines lines;
  if (text.starts_with(kBom)) text.remove_prefix(kBom.size());
  lines.body = text;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (line.ends_with('\r')) line.remove_suffix(1);
    lines.text.push_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

bool IsSseLine(std::string_view line) {
  if (line.empty() || line.front() == ':') return true;
  const std::string_view field = line.substr(0, line.find(':'));
  return field == "data" || field == "event" || field == "id" || field == "retry";
}

class SseReader {
 public:
  explicit SseReader(std::string_view file) : file_(file) {}

  // Raw SSE: checks every line, and the JSON of every data line that looks like JSON.
  std::vector<std::string> ReadSse(const Lines& lines) {
    for (std::size_t i = 0; i < lines.text.size(); ++i) {
      const std::string_view line = lines.text[i];
      const int number = static_cast<int>(i + 1);
      if (!IsSseLine(line)) {
        Error(number, 1,
              "not an SSE line: expected 'data:', 'event:', 'id:', 'retry:', a ':' "
              "comment or a blank line");
        continue;
      }
      if (!line.starts_with("data:")) continue;
      std::size_t value = 5;
      if (value < line.size() && line[value] == ' ') ++value;
      const std::string_view data = line.substr(value);
      if (data == "[DONE]" || (!data.starts_with('{') && !data.starts_with('['))) continue;
      const LocatedJson json = ParseLocated(data);
      if (json.error) {
        const TextPosition at = json.locator.PositionOf(json.error->offset);
        Error(number, static_cast<int>(value) + at.column,
              "data is not valid JSON: " + json.error->message);
      }
    }
    std::vector<SseEvent> events;
    SseDecoder decoder;
    decoder.Feed(lines.body, events);
    for (const SseEvent& event : events) {
      rapidjson::Document doc;
      if (ParseJsonBody(event.data, doc)) facts_.Learn(event.type, doc);
    }
    return SplitSseEvents(lines.body);
  }

  // One JSON object per line: each becomes the event the wire would have carried.
  std::vector<std::string> ReadJsonLines(const Lines& lines) {
    std::vector<std::string> pieces;
    for (std::size_t i = 0; i < lines.text.size(); ++i) {
      const std::string_view line = lines.text[i];
      const int number = static_cast<int>(i + 1);
      if (IsBlank(line)) continue;
      const LocatedJson json = ParseLocated(line);
      if (json.error) {
        const TextPosition at = json.locator.PositionOf(json.error->offset);
        Error(number, at.column, "invalid JSON: " + json.error->message, json.error->pointer);
        continue;
      }
      const Value& v = json.document;
      if (!v.IsObject()) {
        Error(number, 1, "expected one JSON event object per line", "");
        continue;
      }
      // Assistants events carry their name beside the object: {"event": ..., "data": {...}}.
      const std::string_view event = StringMember(v, "event");
      const Value* data = FindField(v, "data");
      if (!event.empty() && data != nullptr) {
        facts_.Learn(event, *data);
        pieces.push_back(fmt::format("event: {}\ndata: {}\n\n", event, json::Compact(*data)));
        continue;
      }
      facts_.Learn({}, v);
      const std::string_view type = StringMember(v, "type");
      std::string_view trimmed = line;
      while (!trimmed.empty() && IsBlank(trimmed.substr(trimmed.size() - 1))) {
        trimmed.remove_suffix(1);
      }
      pieces.push_back(type.starts_with("response.")
                           ? fmt::format("event: {}\ndata: {}\n\n", type, trimmed)
                           : fmt::format("data: {}\n\n", trimmed));
    }
    return pieces;
  }

  std::vector<Diagnostic> TakeErrors() { return std::move(errors_); }
  const StreamFacts& facts() const { return facts_; }

 private:
  void Error(int line, int column, std::string message,
             std::optional<std::string> pointer = std::nullopt) {
    if (errors_.size() < kMaxCassetteErrors) {
      errors_.push_back({file_, std::move(pointer), line, column, std::move(message)});
    }
  }

  std::string file_;
  std::vector<Diagnostic> errors_;
  StreamFacts facts_;
};

// The request the events imply, as the SDKs would send it, minus what was not recorded.
mocks::CassetteRequest SynthesiseRequest(const StreamFacts& facts) {
  mocks::CassetteRequest request;
  request.method = "POST";
  rapidjson::StringBuffer buffer;
  json::Writer w(buffer);
  w.StartObject();
  if (facts.runtime == "assistants") {
    request.target =
        facts.thread_id.empty() ? "/v1/threads/runs" : "/v1/threads/" + facts.thread_id + "/runs";
    json::Key(w, "assistant_id");
    json::String(w, facts.assistant_id);
  } else {
    request.target = facts.runtime == "chat" ? "/v1/chat/completions" : "/v1/responses";
    if (!facts.model.empty()) {
      json::Key(w, "model");
      json::String(w, facts.model);
    }
    json::Key(w, facts.runtime == "chat" ? "messages" : "input");
    w.StartArray();
    w.EndArray();
  }
  json::Key(w, "stream");
  w.Bool(true);
  w.EndObject();
  request.body.assign(buffer.GetString(), buffer.GetSize());
  request.headers = {{"Content-Type", "application/json"},
                     {std::string(kSynthesisedHeader),
                      "request not recorded; inferred from the "
                      "response events"}};
  return request;
}

}  // namespace

Expected<ImportResult> ImportSse(std::string_view text, std::string_view file,
                                 const ImportOptions& options) {
  const std::string file_name(file);
  const Lines lines = SplitLines(text);
  std::size_t first = 0;
  while (first < lines.text.size() && IsBlank(lines.text[first])) ++first;
  if (first == lines.text.size()) return FailIn(file_name, "file is empty: no events to import");
  const bool json_lines = lines.text[first].starts_with('{');
  SseReader reader(file);
  std::vector<std::string> pieces =
      json_lines ? reader.ReadJsonLines(lines) : reader.ReadSse(lines);
  if (auto errors = reader.TakeErrors(); !errors.empty()) return Failure(std::move(errors));
  const StreamFacts& facts = reader.facts();
  if (facts.runtime.empty()) {
    return FailIn(file_name,
                  "cannot tell which API these events come from: expected chat.completion.chunk "
                  "objects (Chat Completions), response.* events (Responses) or thread.* events "
                  "(Assistants)");
  }
  RawImport raw;
  raw.name = ImportedName(file, options);
  const std::string origin = std::filesystem::path(file).filename().string();
  if (json_lines) {
    // The wire ends these streams with a sentinel that chunk files leave out.
    if (facts.runtime == "chat") pieces.emplace_back("data: [DONE]\n\n");
    if (facts.runtime == "assistants") pieces.emplace_back("event: done\ndata: [DONE]\n\n");
    raw.notes.push_back({file_name, std::nullopt, 0, 0,
                         "one JSON event per line: framed as SSE events, and the stream's end "
                         "sentinel added where the API sends one"});
  } else if (!lines.body.ends_with("\n\n") && !lines.body.ends_with("\r\n\r\n")) {
    raw.notes.push_back({file_name, std::nullopt, static_cast<int>(lines.text.size()), 1,
                         "the last event has no terminating blank line (a capture cut short?); "
                         "kept as it is"});
  }
  mocks::CassetteExchange e;
  e.request = SynthesiseRequest(facts);
  e.response.status = 200;
  e.response.headers = {{"Content-Type", "text/event-stream; charset=utf-8"}};
  for (std::string& piece : pieces) e.response.chunks.push_back({Duration{0}, std::move(piece)});
  PaceExchange(e, options.pace);
  raw.exchanges.push_back(std::move(e));
  raw.description = fmt::format(
      "Imported from the {} {}: one response body without its request, so the request is "
      "synthesised (marked by the {} header) and the timing is derived.",
      json_lines ? "event-per-line chunk file" : "raw SSE capture", origin, kSynthesisedHeader);
  raw.source.kind = json_lines ? "import:sse-chunks" : "import:sse";
  raw.source.origin = origin;
  raw.source.timing_derived = true;
  raw.source.pace = DescribePace(options.pace);
  return FinishImport(std::move(raw), file, options);
}

}  // namespace agentreplay::harness
