#include "harness/recording/import_common.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <utility>

#include "harness/recording/cassette_format.h"
#include "harness/recording/conversations.h"
#include "harness/scenario/field_reader.h"

namespace agentreplay::harness {
namespace {

constexpr std::pair<ImportFormat, std::string_view> kFormatNames[] = {
    {ImportFormat::kAuto, "auto"},
    {ImportFormat::kCassette, "cassette"},
    {ImportFormat::kDotnetSession, "dotnet"},
    {ImportFormat::kHar, "har"},
    {ImportFormat::kSse, "sse"},
};

constexpr std::string_view kPaceNames[] = {"headers", "network", "first_event", "event_gap",
                                           "request_gap"};

Duration* PaceField(Pace& pace, std::string_view name) {
  if (name == "headers") return &pace.headers;
  if (name == "network") return &pace.network;
  if (name == "first_event") return &pace.first_event;
  if (name == "event_gap") return &pace.event_gap;
  if (name == "request_gap") return &pace.request_gap;
  return nullptr;
}

std::optional<double> ParseNumber(std::string_view text) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The time the back end said it spent, from the openai-processing-ms response header.
std::optional<Duration> ProcessingTime(const mocks::CassetteResponse& response) {
  const auto header = FindHeader(response.headers, "openai-processing-ms");
  if (!header) return std::nullopt;
  const auto ms = ParseNumber(*header);
  if (!ms || *ms < 0 || *ms > kMaxCassetteOffsetMs) return std::nullopt;
  return MillisToDuration(*ms);
}

// Exchanges with no API of their own (files, models) go with the runtime of the next exchange
// that has one, else the previous one: they are part of that session.
std::vector<std::string> RuntimesOf(const std::vector<mocks::CassetteExchange>& exchanges) {
  std::vector<std::string> runtimes;
  runtimes.reserve(exchanges.size());
  for (const auto& e : exchanges) runtimes.emplace_back(RuntimeOfTarget(e.request.target));
  std::string next;
  for (std::size_t i = runtimes.size(); i-- > 0;) {
    if (runtimes[i].empty()) {
      runtimes[i] = next;
    } else {
      next = runtimes[i];
    }
  }
  std::string previous;
  for (std::string& r : runtimes) {
    if (r.empty()) {
      r = previous;
    } else {
      previous = r;
    }
  }
  return runtimes;
}

// Headers a cassette cannot hold (a name that is not a token, a control character in a value)
// are left out with a note: they could not be replayed either.
void DropInvalidHeaders(RawImport& raw, const std::string& file) {
  std::size_t dropped = 0;
  auto keep = [&](HttpHeaders& headers) {
    const auto bad = std::remove_if(headers.begin(), headers.end(), [](const HttpHeader& h) {
      return !IsHttpToken(h.name) || !IsValidHeaderValue(h.value);
    });
    dropped += static_cast<std::size_t>(headers.end() - bad);
    headers.erase(bad, headers.end());
  };
  for (auto& e : raw.exchanges) {
    keep(e.request.headers);
    keep(e.response.headers);
  }
  if (dropped > 0) {
    raw.notes.push_back({file, std::nullopt, 0, 0,
                         fmt::format("left out {} header(s) with a name that is not an HTTP "
                                     "token or a control character in the value",
                                     dropped)});
  }
}

}  // namespace

std::string DescribePace(const Pace& pace) {
  return fmt::format(
      "headers {} ms after the request (openai-processing-ms + {} ms when the response "
      "has it), first event {} ms after the headers, {} ms between events, {} ms between requests",
      FormatMillis(pace.headers), FormatMillis(pace.network), FormatMillis(pace.first_event),
      FormatMillis(pace.event_gap), FormatMillis(pace.request_gap));
}

Expected<Pace> ParsePace(std::string_view spec, const Pace& base) {
  Pace pace = base;
  std::vector<Diagnostic> errors;
  while (!spec.empty()) {
    const std::size_t comma = spec.find(',');
    const std::string_view item = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
    const std::size_t eq = item.find('=');
    const std::string_view name = item.substr(0, eq);
    Duration* field = PaceField(pace, name);
    if (field == nullptr) {
      errors.push_back(
          {{},
           std::nullopt,
           0,
           0,
           fmt::format("pace: unknown name '{}' (known: {})", name, fmt::join(kPaceNames, ", "))});
      continue;
    }
    const auto ms = eq == std::string_view::npos ? std::nullopt : ParseNumber(item.substr(eq + 1));
    if (!ms || *ms < 0 || *ms > kMaxCassetteOffsetMs) {
      errors.push_back({{},
                        std::nullopt,
                        0,
                        0,
                        fmt::format("pace: {} needs milliseconds from 0 to {:.0f}: '{}'", name,
                                    kMaxCassetteOffsetMs, item)});
      continue;
    }
    *field = MillisToDuration(*ms);
  }
  if (!errors.empty()) return Failure(std::move(errors));
  return pace;
}

std::string_view ImportFormatName(ImportFormat format) {
  for (const auto& [f, name] : kFormatNames) {
    if (f == format) return name;
  }
  return "auto";
}

std::optional<ImportFormat> ParseImportFormat(std::string_view name) {
  for (const auto& [f, n] : kFormatNames) {
    if (n == name) return f;
  }
  return std::nullopt;
}

Expected<LocatedJson> ParseImportedDocument(std::string_view text, std::string_view file) {
  LocatedJson json = ParseLocated(text);
  if (json.error) {
    const TextPosition at = json.locator.PositionOf(json.error->offset);
    return Failure(Diagnostic{std::string(file), json.error->pointer, at.line, at.column,
                              "invalid JSON: " + json.error->message});
  }
  return json;
}

std::string ImportedName(std::string_view file, const ImportOptions& options) {
  if (!options.name.empty()) return options.name;
  std::string name = std::filesystem::path(file).filename().string();
  if (name.ends_with(kCassetteExtension)) {
    name.resize(name.size() - kCassetteExtension.size());
  } else if (const std::size_t dot = name.rfind('.'); dot != std::string::npos && dot > 0) {
    name.resize(dot);
  }
  return name.empty() ? "imported" : name;
}

std::optional<std::string> TargetOfUrl(std::string_view url) {
  std::size_t scheme_end = 0;
  if (url.size() > 8 && EqualsIgnoreCase(url.substr(0, 8), "https://")) {
    scheme_end = 8;
  } else if (url.size() > 7 && EqualsIgnoreCase(url.substr(0, 7), "http://")) {
    scheme_end = 7;
  } else {
    return std::nullopt;
  }
  if (std::any_of(url.begin(), url.end(),
                  [](char c) { return static_cast<unsigned char>(c) <= 0x20U || c == 0x7F; })) {
    return std::nullopt;
  }
  std::string_view rest = url.substr(scheme_end);
  rest = rest.substr(0, rest.find('#'));
  const std::size_t path = rest.find_first_of("/?");
  if (path == 0) return std::nullopt;  // no host
  if (path == std::string_view::npos) return "/";
  const std::string_view target = rest.substr(path);
  if (target.front() == '?') return "/" + std::string(target);
  return std::string(target);
}

std::vector<std::string> SplitSseEvents(std::string_view body) {
  std::vector<std::string> events;
  std::size_t piece = 0;     // where the current event starts
  bool has_content = false;  // the current event has a non-blank line
  std::size_t pos = 0;
  while (pos < body.size()) {
    std::size_t end = body.find_first_of("\r\n", pos);
    if (end == std::string_view::npos) break;  // an unterminated last line
    const bool blank = end == pos;
    std::size_t next = end + 1;
    if (body[end] == '\r' && next < body.size() && body[next] == '\n') ++next;
    if (!blank) {
      has_content = true;
    } else if (has_content) {
      events.emplace_back(body.substr(piece, next - piece));
      piece = next;
      has_content = false;
    }
    pos = next;
  }
  if (piece < body.size()) {
    const std::string_view rest = body.substr(piece);
    if (rest.find_first_not_of("\r\n") == std::string_view::npos && !events.empty()) {
      events.back() += rest;  // stray blank lines at the end belong to the last event
    } else {
      events.emplace_back(rest);
    }
  }
  return events;
}

void PaceExchange(mocks::CassetteExchange& exchange, const Pace& pace) {
  mocks::CassetteResponse& r = exchange.response;
  const auto processing = ProcessingTime(r);
  r.headers_at = processing ? *processing + pace.network : pace.headers;
  Duration at = r.headers_at + pace.first_event;
  for (std::size_t i = 0; i < r.chunks.size(); ++i) {
    if (i > 0) at += pace.event_gap;
    r.chunks[i].at = at;
  }
  r.end_at = r.chunks.empty() ? r.headers_at : r.chunks.back().at;
}

void PaceSendTimes(std::vector<mocks::CassetteExchange>& exchanges, const Pace& pace) {
  Duration sent{0};
  for (auto& e : exchanges) {
    e.sent_at = sent;
    sent = e.sent_at + e.response.end_at + pace.request_gap;
  }
}

Expected<ImportResult> FinishImport(RawImport raw, std::string_view file,
                                    const ImportOptions& options) {
  const std::string file_name(file);
  if (raw.exchanges.empty()) {
    std::vector<Diagnostic> errors = {
        {file_name, std::nullopt, 0, 0, "no OpenAI API call found in this file"}};
    errors.insert(errors.end(), raw.notes.begin(), raw.notes.end());
    return Failure(std::move(errors));
  }
  DropInvalidHeaders(raw, file_name);
  const std::vector<std::string> runtimes = RuntimesOf(raw.exchanges);
  if (runtimes.front().empty()) {
    return FailIn(file_name, fmt::format("none of the {} API calls is a Responses, Chat "
                                         "Completions or Assistants call",
                                         raw.exchanges.size()));
  }
  std::vector<std::string> order;
  for (const std::string& r : runtimes) {
    if (std::find(order.begin(), order.end(), r) == order.end()) order.push_back(r);
  }
  ImportResult result;
  result.notes = std::move(raw.notes);
  for (const std::string& runtime : order) {
    mocks::Cassette c;
    c.name = order.size() > 1 ? raw.name + "-" + runtime : raw.name;
    c.description = raw.description;
    c.source = raw.source;
    c.runtime = runtime;
    c.source_path = file_name;
    for (std::size_t i = 0; i < raw.exchanges.size(); ++i) {
      if (runtimes[i] == runtime) c.exchanges.push_back(raw.exchanges[i]);
    }
    std::stable_sort(c.exchanges.begin(), c.exchanges.end(),
                     [](const auto& a, const auto& b) { return a.sent_at < b.sent_at; });
    const Duration origin = c.exchanges.front().sent_at;
    for (auto& e : c.exchanges) e.sent_at -= origin;
    AssignConversations(c);
    c.model = DetectModel(c);
    RedactCassette(c, options.redaction);
    // What the format allowed but a cassette cannot hold (offsets beyond 7 days, a method that
    // is not a token): refused here rather than written into a file that cannot be read.
    if (Status ok = CheckCassette(c, file_name); !ok) return ok.failure();
    if (options.split_conversations) {
      for (auto& part : SplitConversations(c)) result.cassettes.push_back(std::move(part));
    } else {
      result.cassettes.push_back(std::move(c));
    }
  }
  return result;
}

}  // namespace agentreplay::harness
