#include "harness/recording/transcript_decode.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <utility>

#include "json/json_text.h"
#include "ports/http.h"
#include "sse/sse_decoder.h"

namespace agentreplay::harness::transcript {
namespace {

std::string_view TrimLeft(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  return s;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::vector<TimedEvent> TimedSseEvents(const mocks::CassetteResponse& response) {
  SseDecoder decoder;
  std::vector<SseEvent> batch;
  std::vector<TimedEvent> events;
  const auto take = [&](Duration at) {
    for (auto& e : batch) events.push_back(TimedEvent{at, std::move(e.type), std::move(e.data)});
    batch.clear();
  };
  for (const auto& chunk : response.chunks) {
    decoder.Feed(chunk.bytes, batch);
    take(chunk.at);
  }
  if (response.error.empty() && !response.chunks.empty()) {
    decoder.Feed("\n\n", batch);  // a complete body whose last event lacks its blank line
    take(response.chunks.back().at);
  }
  return events;
}

std::string BodyText(const mocks::CassetteResponse& response) {
  std::string body;
  for (const auto& chunk : response.chunks) body += chunk.bytes;
  return body;
}

Duration BodyCompletedAt(const mocks::CassetteResponse& response) {
  return response.chunks.empty() ? response.end_at : response.chunks.back().at;
}

bool IsEventStream(const mocks::CassetteResponse& response) {
  if (auto type = FindHeader(response.headers, "content-type")) {
    std::string lower(*type);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower.find("text/event-stream") != std::string::npos) return true;
    if (lower.find("json") != std::string::npos) return false;
  }
  if (response.chunks.empty()) return false;
  const std::string_view start = TrimLeft(response.chunks.front().bytes);
  return StartsWith(start, "data:") || StartsWith(start, "event:") || StartsWith(start, ":");
}

bool IsSuccess(const mocks::CassetteResponse& response) {
  return response.status >= 200 && response.status < 300;
}

bool ParseJson(std::string_view text, rapidjson::Document& doc) {
  return !json::ParseDocument(text, doc);
}

Status ParseEventData(const Context& ctx, std::size_t exchange,
                      const std::vector<TimedEvent>& events, std::size_t k,
                      rapidjson::Document& doc, bool& ok) {
  ok = ParseJson(events[k].data, doc);
  if (ok) return {};
  const auto& response = ctx.cassette.exchanges.at(exchange).response;
  if (k + 1 == events.size() && !response.error.empty()) {
    ctx.Note(fmt::format("exchange {}: the last event is cut short ({}) and left out", exchange,
                         response.error));
    return {};
  }
  std::string shown = events[k].data.substr(0, 80);
  if (shown.size() < events[k].data.size()) shown += "...";
  return ctx.Fail(exchange, "/response/chunks",
                  fmt::format("event {} ('{}') is not JSON: {}", k, events[k].type, shown));
}

rapidjson::Document RequestJson(const mocks::CassetteRequest& request) {
  rapidjson::Document doc;
  if (!ParseJson(request.body, doc) || !doc.IsObject()) doc.SetObject();
  return doc;
}

FailedAttempt ErrorAttempt(std::size_t index, const mocks::CassetteExchange& exchange) {
  const mocks::CassetteResponse& response = exchange.response;
  FailedAttempt error;
  error.exchange = index;
  error.sent_at = exchange.sent_at;
  error.status = response.status;
  if (auto after = FindHeader(response.headers, "retry-after")) {
    const std::string text(*after);
    char* end = nullptr;
    const double seconds = std::strtod(text.c_str(), &end);
    if (end != text.c_str() && *end == '\0' && std::isfinite(seconds) && seconds >= 0) {
      error.retry_after_s = seconds;
    }
  }
  rapidjson::Document doc;
  if (ParseJson(BodyText(response), doc) && doc.IsObject()) {
    if (const rapidjson::Value* e = json::GetObject(doc, "error")) {
      error.type = json::GetString(*e, "type");
      error.code = json::GetString(*e, "code");
      error.message = json::GetString(*e, "message");
    }
  }
  return error;
}

std::string ContentText(const rapidjson::Value* content) {
  if (content == nullptr) return {};
  if (content->IsString()) return {content->GetString(), content->GetStringLength()};
  if (!content->IsArray()) return {};
  std::string out;
  for (const auto& part : content->GetArray()) {
    if (!part.IsObject()) continue;
    const std::string_view type = json::GetString(part, "type");
    if (type != "input_text" && type != "text" && type != "output_text") continue;
    const rapidjson::Value* text = json::Member(part, "text");
    std::string_view value;
    if (text != nullptr && text->IsString()) {
      value = {text->GetString(), text->GetStringLength()};
    } else if (text != nullptr && text->IsObject()) {
      value = json::GetString(*text, "value");  // Assistants: {"value": ..., "annotations"}
    }
    if (value.empty()) continue;
    if (!out.empty()) out += '\n';
    out += value;
  }
  return out;
}

TranscriptStep NewStep(const mocks::Cassette& cassette, std::size_t exchange, StepTiming timing) {
  const auto& e = cassette.exchanges.at(exchange);
  TranscriptStep step;
  step.exchange = exchange;
  step.sent_at = e.sent_at;
  step.timing = timing;
  step.headers_at = e.response.headers_at;
  step.response_start = e.response.headers_at;
  step.end_at = e.response.end_at;
  step.observed_at = e.sent_at + e.response.end_at;
  return step;
}

namespace {
void NoteOutput(TranscriptStep& step, Duration at) {
  if (!step.first_output_at || at < *step.first_output_at) step.first_output_at = at;
}
}  // namespace

void AddText(TranscriptStep& step, Duration at, std::string_view text) {
  if (text.empty()) return;
  step.text.push_back(TimedText{at, std::string(text)});
  NoteOutput(step, at);
}

void AddReasoning(TranscriptStep& step, Duration at, std::string_view text) {
  if (text.empty()) return;
  step.reasoning.push_back(TimedText{at, std::string(text)});
  NoteOutput(step, at);
}

void AddArgumentPiece(TranscriptStep& step, TranscriptToolCall& call, Duration at,
                      std::string_view piece) {
  if (piece.empty()) return;
  call.pieces.push_back(TimedText{at, std::string(piece)});
  NoteOutput(step, at);
}

void AddCitation(TranscriptStep& step, std::string_view file_name) {
  if (file_name.empty()) return;
  if (std::find(step.citations.begin(), step.citations.end(), file_name) != step.citations.end()) {
    return;
  }
  step.citations.emplace_back(file_name);
}

void EndStep(TranscriptStep& step, Duration at, std::string_view status) {
  step.end_at = at;
  step.observed_at = step.sent_at + at;
  step.status = status;
}

void CompleteStep(TranscriptStep& step) {
  for (auto& call : step.tool_calls) {
    if (call.pieces.empty() && !call.arguments.empty()) {
      call.pieces.push_back(TimedText{step.end_at, call.arguments});
      NoteOutput(step, step.end_at);
    }
    if (call.arguments.empty()) {
      for (const auto& piece : call.pieces) call.arguments += piece.text;
    }
  }
  for (const auto& use : step.hosted) NoteOutput(step, use.started_at);
}

std::optional<TokenUsage> UsageOf(const rapidjson::Value* usage, std::string_view input_key,
                                  std::string_view output_key) {
  if (usage == nullptr || !usage->IsObject()) return std::nullopt;
  if (json::Member(*usage, input_key) == nullptr && json::Member(*usage, output_key) == nullptr) {
    return std::nullopt;
  }
  return TokenUsage{json::GetInt(*usage, input_key), json::GetInt(*usage, output_key)};
}

}  // namespace agentreplay::harness::transcript
