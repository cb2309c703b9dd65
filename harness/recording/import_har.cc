#include "harness/recording/import_har.h"

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <utility>

#include "harness/recording/cassette_format.h"
#include "harness/recording/conversations.h"
#include "harness/recording/wall_time.h"
#include "harness/scenario/field_reader.h"
#include "harness/scenario/json_locator.h"
#include "tools/base64.h"

namespace agentreplay::harness {
namespace {

using rapidjson::Value;

constexpr std::string_view kMeasuredPace =
    "measured: sent_at from startedDateTime plus timings.blocked, dns and connect; headers_at "
    "from timings.send + timings.wait; end_at from timings.receive. Derived: a streamed body's "
    "events spread evenly over timings.receive";

struct Timings {
  Duration before_send{0};  // blocked + dns + connect: the request is not on the wire yet
  Duration headers{0};      // send + wait
  Duration receive{0};
};

class HarDecoder {
 public:
  HarDecoder(std::string_view file, const JsonLocator& locator, const ImportOptions& options)
      : file_(file), locator_(locator), reader_(file, locator), options_(options) {}

  void Decode(const Value& root, RawImport& raw) {
    if (!reader_.ExpectObject(root, "")) return;
    const Value* log = FindField(root, "log");
    if (log == nullptr) {
      reader_.AtValue("", "missing required field 'log' (a HAR file is {\"log\": {...}})");
      return;
    }
    if (!reader_.ExpectObject(*log, "/log")) return;
    const Value* entries = FindField(*log, "entries");
    if (entries == nullptr) {
      reader_.AtValue("/log", "missing required field 'entries'");
      return;
    }
    if (!entries->IsArray()) {
      reader_.WrongType(*entries, "/log/entries", "an array");
      return;
    }
    for (rapidjson::SizeType i = 0; i < entries->Size(); ++i) {
      DecodeEntry((*entries)[i], AppendPointer("/log/entries", i), raw);
    }
    // Send times relative to the earliest request.
    if (!sent_ns_.empty()) {
      const int64_t origin = *std::min_element(sent_ns_.begin(), sent_ns_.end());
      for (std::size_t i = 0; i < raw.exchanges.size(); ++i) {
        raw.exchanges[i].sent_at += Duration(sent_ns_[i] - origin);
      }
      raw.source.recorded_at =
          FormatRfc3339(*std::min_element(started_ns_.begin(), started_ns_.end()));
    }
  }

  std::vector<Diagnostic> TakeErrors() { return reader_.TakeErrors(); }
  bool derived() const { return derived_; }
  bool paced() const { return paced_; }

 private:
  void Note(const std::string& pointer, std::string message, RawImport& raw) {
    const TextPosition at = locator_.ValuePosition(pointer);
    raw.notes.push_back({file_, pointer, at.line, at.column, std::move(message)});
  }

  const Value* Object(const Value& parent, const std::string& p, std::string_view name) {
    const Value* v = FindField(parent, name);
    if (v == nullptr) {
      reader_.AtValue(p, fmt::format("missing required field '{}'", name));
      return nullptr;
    }
    return reader_.ExpectObject(*v, AppendPointer(p, name)) ? v : nullptr;
  }

  void DecodeEntry(const Value& v, const std::string& p, RawImport& raw) {
    if (!reader_.ExpectObject(v, p)) return;
    const Value* request = Object(v, p, "request");
    const Value* response = Object(v, p, "response");
    if (request == nullptr || response == nullptr) return;
    const std::string rp = p + "/request";
    const std::string sp = p + "/response";
    const auto method = reader_.ReadNonBlank(*request, rp, "method");
    const auto url = reader_.ReadString(*request, rp, "url");
    if (!method || !url) {
      if (!FindField(*request, "method")) reader_.AtValue(rp, "missing required field 'method'");
      if (!FindField(*request, "url")) reader_.AtValue(rp, "missing required field 'url'");
      return;
    }
    const auto target = TargetOfUrl(*url);
    if (!target || !IsOpenAiApiTarget(*target)) {
      Note(p, fmt::format("skipped {} {}: not an OpenAI API call", *method, *url), raw);
      return;
    }
    if (*method == "OPTIONS") {
      Note(p, fmt::format("skipped OPTIONS {}: a CORS preflight, not an API call", *url), raw);
      return;
    }
    const auto status = reader_.ReadInteger(*response, sp, "status", 0, 599);
    if (!status) {
      if (!FindField(*response, "status")) reader_.AtValue(sp, "missing required field 'status'");
      return;
    }
    if (*status < 100) {  // browsers write 0 for a request that got no response
      Note(p,
           fmt::format("skipped {} {}: no response was received (status {})", *method, *url,
                       *status),
           raw);
      return;
    }
    const auto started_text = reader_.ReadString(v, p, "startedDateTime");
    std::optional<int64_t> started = started_text ? ParseRfc3339(*started_text) : std::nullopt;
    if (!started) {
      if (started_text) {
        reader_.AtValue(p + "/startedDateTime",
                        fmt::format("startedDateTime must be an ISO 8601 time such as "
                                    "'2025-09-16T23:14:39.123Z', got '{}'",
                                    *started_text));
      } else if (!FindField(v, "startedDateTime")) {
        reader_.AtValue(p, "missing required field 'startedDateTime'");
      }
      return;
    }

    mocks::CassetteExchange e;
    e.request.method = *method;
    e.request.target = *target;
    e.request.headers = ReadHeaders(*request, rp);
    if (const Value* post = FindField(*request, "postData");
        post && reader_.ExpectObject(*post, rp + "/postData")) {
      e.request.body = ReadText(*post, rp + "/postData");
    }
    e.response.status = *status;
    // The archive holds the decoded body, so the encoding header no longer describes it.
    for (HttpHeader& h : ReadHeaders(*response, sp)) {
      if (!EqualsIgnoreCase(h.name, "content-encoding")) e.response.headers.push_back(std::move(h));
    }
    std::string body;
    if (const Value* content = FindField(*response, "content");
        content && reader_.ExpectObject(*content, sp + "/content")) {
      body = ReadText(*content, sp + "/content");
      if (body.empty() && !FindField(*content, "text")) {
        Note(p,
             fmt::format("{} {}: the archive holds no response body (some browsers leave "
                         "event streams out)",
                         *method, *url),
             raw);
      }
    }
    std::vector<std::string> pieces;
    if (!body.empty()) {
      e.response.chunks.push_back({Duration{0}, std::move(body)});
      if (IsEventStream(e.response)) pieces = SplitSseEvents(e.response.chunks.front().bytes);
    }
    if (!pieces.empty()) {
      e.response.chunks.clear();
      for (std::string& piece : pieces) {
        e.response.chunks.push_back({Duration{0}, std::move(piece)});
      }
    }
    const auto timings = ReadTimings(v, p);
    started_ns_.push_back(*started);
    if (timings) {
      Place(e, *timings);
      sent_ns_.push_back(*started + timings->before_send.count());
    } else {
      PaceExchange(e, options_.pace);
      paced_ = true;
      sent_ns_.push_back(*started);
      Note(p, "no usable timings: the exchange is paced by the import's default pace", raw);
    }
    raw.exchanges.push_back(std::move(e));
  }

  // Headers, then chunk offsets spread evenly from the headers to the end of the body: the first
  // event arrives with the first byte, the last one when the body is complete.
  void Place(mocks::CassetteExchange& e, const Timings& t) {
    mocks::CassetteResponse& r = e.response;
    r.headers_at = t.headers;
    r.end_at = t.headers + t.receive;
    const std::size_t n = r.chunks.size();
    for (std::size_t k = 0; k < n; ++k) {
      const double fraction = n == 1 ? 1.0 : static_cast<double>(k) / static_cast<double>(n - 1);
      r.chunks[k].at = t.headers + MillisToDuration(ToMillis(t.receive) * fraction);
    }
    if (n > 1) derived_ = true;
  }

  // HAR timings: -1 (or absent, for the optional ones) means "does not apply".
  std::optional<Timings> ReadTimings(const Value& entry, const std::string& p) {
    const Value* timings = FindField(entry, "timings");
    if (timings == nullptr || !reader_.ExpectObject(*timings, p + "/timings")) return std::nullopt;
    const std::string tp = p + "/timings";
    bool ok = true;
    auto phase = [&](std::string_view name, bool required) -> Duration {
      const Value* v = FindField(*timings, name);
      if (v == nullptr) {
        if (required) ok = false;
        return Duration{0};
      }
      const auto ms = reader_.ReadNumber(*timings, tp, name);
      if (!ms) {
        ok = false;
        return Duration{0};
      }
      if (*ms == -1) return Duration{0};
      if (*ms < 0 || *ms > kMaxCassetteOffsetMs) {
        reader_.AtValue(AppendPointer(tp, name),
                        fmt::format("{} must be -1 or from 0 to {:.0f} ms, got {:g}", name,
                                    kMaxCassetteOffsetMs, *ms));
        ok = false;
        return Duration{0};
      }
      return MillisToDuration(*ms);
    };
    Timings t;
    t.before_send = phase("blocked", false) + phase("dns", false) + phase("connect", false);
    t.headers = phase("send", true) + phase("wait", true);
    t.receive = phase("receive", true);
    if (!ok) return std::nullopt;
    return t;
  }

  HttpHeaders ReadHeaders(const Value& message, const std::string& p) {
    HttpHeaders headers;
    const Value* list = FindField(message, "headers");
    if (list == nullptr) return headers;
    const std::string lp = p + "/headers";
    if (!list->IsArray()) {
      reader_.WrongType(*list, lp, "an array");
      return headers;
    }
    for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
      const Value& h = (*list)[i];
      const std::string hp = AppendPointer(lp, i);
      if (!reader_.ExpectObject(h, hp)) continue;
      const auto name = reader_.ReadString(h, hp, "name");
      const auto value = reader_.ReadString(h, hp, "value");
      if (!name || !value) {
        if (!FindField(h, "name") || !FindField(h, "value")) {
          reader_.AtValue(hp, "a header has a 'name' and a 'value'");
        }
        continue;
      }
      if (name->starts_with(':')) continue;  // HTTP/2 pseudo-headers are not headers
      headers.push_back({*name, *value});
    }
    return headers;
  }

  // postData.text or content.text, decoded when "encoding" is "base64".
  std::string ReadText(const Value& obj, const std::string& p) {
    auto text = reader_.ReadString(obj, p, "text");
    if (!text) return {};
    const auto encoding = reader_.ReadString(obj, p, "encoding");
    if (!encoding || encoding->empty()) return std::move(*text);
    if (*encoding != "base64") {
      reader_.AtValue(p + "/encoding",
                      fmt::format("unknown encoding '{}'; expected \"base64\"", *encoding));
      return {};
    }
    auto bytes = Base64Decode(*text);
    if (!bytes) {
      reader_.AtValue(p + "/text", "not valid base64 (the encoding says base64)");
      return {};
    }
    return std::move(*bytes);
  }

  std::string file_;
  const JsonLocator& locator_;
  FieldReader reader_;
  const ImportOptions& options_;
  std::vector<int64_t> sent_ns_;     // per exchange: when its request went out (Unix ns)
  std::vector<int64_t> started_ns_;  // per exchange: its startedDateTime (Unix ns)
  bool derived_ = false;
  bool paced_ = false;
};

}  // namespace

Expected<ImportResult> ImportHar(std::string_view text, std::string_view file,
                                 const ImportOptions& options) {
  const Expected<LocatedJson> json = ParseImportedDocument(text, file);
  if (!json) return json.failure();
  RawImport raw;
  raw.name = ImportedName(file, options);
  HarDecoder decoder(file, json->locator, options);
  decoder.Decode(json->document, raw);
  if (auto errors = decoder.TakeErrors(); !errors.empty()) return Failure(std::move(errors));
  const std::string origin = std::filesystem::path(file).filename().string();
  raw.description = fmt::format("Imported from the HTTP archive {}.", origin);
  raw.source.kind = "import:har";
  raw.source.origin = origin;
  raw.source.timing_derived = decoder.derived() || decoder.paced();
  raw.source.pace = std::string(kMeasuredPace);
  if (decoder.paced()) {
    raw.source.pace += "; entries without timings: " + DescribePace(options.pace);
  }
  return FinishImport(std::move(raw), file, options);
}

}  // namespace agentreplay::harness
