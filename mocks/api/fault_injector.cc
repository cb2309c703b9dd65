#include "mocks/api/fault_injector.h"

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "core/random.h"
#include "json/json_text.h"
#include "mocks/api/wire_json.h"
#include "mocks/server/wire_writer.h"
#include "sse/sse_decoder.h"
#include "sse/sse_encoder.h"

namespace agentreplay::mocks {
namespace {

constexpr Duration kNanosecond{1};

// What the API says for a status when a rule leaves the error object out.
struct ErrorDefaults {
  const char* type;
  const char* code;  // "" renders null
  const char* message;
};

ErrorDefaults DefaultsForStatus(int status) {
  if (status == 429) {
    return {"requests", "rate_limit_exceeded", "Rate limit reached. Please try again later."};
  }
  if (status == 503) {
    return {"server_error", "", "The engine is currently overloaded, please try again later."};
  }
  if (status >= 500) {
    return {"server_error", "",
            "The server had an error while processing your request. Sorry about that!"};
  }
  return {"invalid_request_error", "", "The request was rejected."};
}

// The in-band error object of stream_error_event and response_failed.
std::string InBandCode(const FaultRule& rule) { return rule.code.value_or("server_error"); }
std::string InBandMessage(const FaultRule& rule) {
  return rule.message.value_or(
      "The server had an error while processing your request. Sorry about that!");
}

// --- Cutting the answer short -------------------------------------------------------------

// Data due at or after `t` never arrives; `fault` happens at `t` instead. A head due exactly
// then is pushed just past `t` (the convention of MockResponse: data due at fault_at is sent).
// No effect when an earlier fault already ends the answer, or when the whole answer arrived
// before `t` (the toxic came too late to matter).
void CutAt(MockResponse& r, Duration t, WireFault fault) {
  if (r.fault != WireFault::kNone && r.fault_at <= t) return;
  const bool all_before =
      r.headers_at < t &&
      std::all_of(r.chunks.begin(), r.chunks.end(), [t](const TimedChunk& c) { return c.at < t; });
  if (r.fault == WireFault::kNone && all_before) return;
  std::erase_if(r.chunks, [t](const TimedChunk& c) { return c.at >= t; });
  if (r.headers_at >= t) r.headers_at = std::max(r.headers_at, t + kNanosecond);
  r.fault = fault;
  r.fault_at = t;
}

// WireMock's faults replace the whole answer, at the instant its head was due.
void ReplaceWith(MockResponse& r, WireFault fault) {
  r.chunks.clear();
  r.fault = fault;
  r.fault_at = r.headers_at;
  if (fault == WireFault::kMalformedChunk) r.status = 200;  // "an OK status header, then garbage"
  if (fault == WireFault::kConnectionReset) r.headers_at += kNanosecond;  // the head never comes
}

bool FaultBeforeHead(const MockResponse& r) {
  return r.fault == WireFault::kEmptyResponse || r.fault == WireFault::kRandomDataThenClose ||
         (r.fault != WireFault::kNone && r.fault_at < r.headers_at);
}

// --- Toxics -------------------------------------------------------------------------------

// latency: every piece (the head first) delayed by latency ± jitter, order kept (a piece
// never overtakes the one before it), as Toxiproxy's latency toxic delays each chunk.
void ApplyLatency(MockResponse& r, const FaultRule& rule, Rng& rng) {
  auto draw = [&] {
    double ms = rule.latency_ms;
    if (rule.jitter_ms > 0) ms += rng.Uniform(-rule.jitter_ms, rule.jitter_ms);
    return FromMillis(std::max(0.0, ms));
  };
  const Duration head = draw();
  const bool before_head = FaultBeforeHead(r);
  r.headers_at += head;
  if (before_head) {
    r.fault_at += head;  // the same delay keeps the fault ahead of the head that never comes
    return;
  }
  Duration last = r.headers_at;
  for (auto& chunk : r.chunks) {
    chunk.at = std::max(last, chunk.at + draw());
    last = chunk.at;
  }
  if (r.fault != WireFault::kNone) r.fault_at = std::max(last, r.fault_at + draw());
}

// bandwidth: each piece takes bytes / rate to pass, pieces queue behind each other, and a piece
// larger than 100 ms worth of bytes goes out in 100 ms slices (Toxiproxy's bandwidth toxic).
void ApplyBandwidth(MockResponse& r, const FaultRule& rule) {
  if (FaultBeforeHead(r) || rule.rate_kbps <= 0) return;
  const auto rate = static_cast<size_t>(rule.rate_kbps);  // bytes per millisecond
  const size_t slice = rate * 100;
  std::vector<TimedChunk> out;
  Duration cursor = r.headers_at;
  for (auto& chunk : r.chunks) {
    cursor = std::max(cursor, chunk.at);
    std::string_view rest = chunk.bytes;
    while (rest.size() > slice) {
      cursor += std::chrono::milliseconds(100);
      out.push_back(TimedChunk{cursor, std::string(rest.substr(0, slice))});
      rest.remove_prefix(slice);
    }
    cursor += FromMillis(static_cast<double>(rest.size()) / static_cast<double>(rate));
    out.push_back(TimedChunk{cursor, std::string(rest)});
  }
  r.chunks = std::move(out);
  if (r.fault != WireFault::kNone) r.fault_at = std::max(r.fault_at, cursor);
}

// Toxiproxy's slicer: halve a piece (± the variation) until it is within the variation of the
// average size. Returns the end offsets of the slices.
void Slice(size_t start, size_t end, const FaultRule& rule, Rng& rng, std::vector<size_t>& ends) {
  const auto average = static_cast<size_t>(rule.average_size);
  const auto variation = static_cast<size_t>(std::max<int64_t>(rule.size_variation, 0));
  if (end - start <= average + variation) {
    ends.push_back(end);
    return;
  }
  size_t mid = start + (end - start) / 2;
  if (variation > 0) mid = mid + static_cast<size_t>(rng.Below(2 * variation)) - variation;
  Slice(start, mid, rule, rng, ends);
  Slice(mid, end, rule, rng, ends);
}

void ApplySlicer(MockResponse& r, const FaultRule& rule, Rng& rng) {
  if (FaultBeforeHead(r) || rule.average_size <= 0) return;
  const Duration pause = FromMillis(rule.delay_us / 1000.0);
  std::vector<TimedChunk> out;
  Duration cursor = r.headers_at;
  for (auto& chunk : r.chunks) {
    cursor = std::max(cursor, chunk.at);
    std::vector<size_t> ends;
    if (!chunk.bytes.empty()) Slice(0, chunk.bytes.size(), rule, rng, ends);
    size_t begin = 0;
    for (size_t end : ends) {
      // Each slice is written, then the toxic sleeps before the next one.
      out.push_back(TimedChunk{cursor, chunk.bytes.substr(begin, end - begin)});
      cursor += pause;
      begin = end;
    }
  }
  r.chunks = std::move(out);
  if (r.fault != WireFault::kNone) r.fault_at = std::max(r.fault_at, cursor);
}

// limit_data: the body stops after `bytes` bytes and the connection closes (the head always
// passes; only body bytes count). A body no longer than the limit is untouched.
void ApplyLimitData(MockResponse& r, const FaultRule& rule) {
  if (FaultBeforeHead(r)) return;
  auto remaining = static_cast<size_t>(std::max<int64_t>(rule.bytes, 0));
  for (size_t i = 0; i < r.chunks.size(); ++i) {
    TimedChunk& chunk = r.chunks[i];
    if (chunk.bytes.size() <= remaining) {
      remaining -= chunk.bytes.size();
      continue;
    }
    if (r.fault != WireFault::kNone && r.fault_at < chunk.at) return;  // ended before
    chunk.bytes.resize(remaining);
    const Duration at = chunk.at;
    r.chunks.resize(remaining == 0 ? i : i + 1);
    r.fault = WireFault::kClose;
    r.fault_at = at;
    return;
  }
}

// --- In-band API errors -------------------------------------------------------------------

struct TimedEvent {
  Duration at;
  SseEvent event;
};

std::vector<TimedEvent> DecodeEvents(const std::vector<TimedChunk>& chunks) {
  SseDecoder decoder;
  std::vector<TimedEvent> out;
  std::vector<SseEvent> events;
  for (const auto& chunk : chunks) {
    decoder.Feed(chunk.bytes, events);
    for (auto& e : events) out.push_back(TimedEvent{chunk.at, std::move(e)});
    events.clear();
  }
  return out;
}

// Keeps the first `kept` events (their chunks regrouped per instant, as the renderers group
// them) and appends `extra` (type, data) at `at`.
std::vector<TimedChunk> Reencode(const std::vector<TimedEvent>& events, size_t kept, Duration at,
                                 std::string_view type, std::string_view data) {
  std::vector<TimedChunk> out;
  auto append = [&out](Duration when, std::string_view t, std::string_view d) {
    if (out.empty() || out.back().at != when) out.push_back(TimedChunk{when, {}});
    AppendSseEvent(out.back().bytes, t == "message" ? std::string_view() : t, d);
  };
  for (size_t i = 0; i < kept; ++i)
    append(events[i].at, events[i].event.type, events[i].event.data);
  append(at, type, data);
  return out;
}

template <typename Body>
std::string Compact(Body body) {
  rapidjson::StringBuffer buffer;
  CompactJsonWriter w(buffer);
  body(w);
  return std::string(buffer.GetString(), buffer.GetSize());
}

template <typename Writer>
void WriteErrorFields(Writer& w, const FaultRule& rule, bool with_type) {
  WriteKey(w, "code");
  WriteString(w, InBandCode(rule));
  WriteKey(w, "message");
  WriteString(w, InBandMessage(rule));
  WriteKey(w, "param");
  w.Null();
  if (with_type) {
    WriteKey(w, "type");
    WriteString(w, rule.type.value_or("server_error"));
  }
}

// An `error` where the stream's (after_events)-th event was, and nothing after it: the
// Responses `error` event, a Chat Completions `data: {"error":{...}}` line, or the Assistants
// `event: error` with the error object.
void ApplyStreamError(MockResponse& r, const FaultRule& rule, std::string_view endpoint) {
  if (r.status != 200 || !IsEventStream(r.headers) || FaultBeforeHead(r)) return;
  const std::vector<TimedEvent> events = DecodeEvents(r.chunks);
  if (events.empty()) return;
  const size_t kept = std::min(rule.after_events.value_or(0), events.size() - 1);
  const Duration at = events[kept].at;
  if (endpoint == "responses.create") {
    // {"type":"error","sequence_number":n,"code","message","param"}: sequence numbers count
    // every event from 0, so it takes the number of the event it replaces.
    r.chunks = Reencode(events, kept, at, "error", Compact([&](CompactJsonWriter& w) {
                          w.StartObject();
                          WriteKey(w, "type");
                          WriteString(w, "error");
                          WriteKey(w, "sequence_number");
                          w.Uint64(kept);
                          WriteErrorFields(w, rule, false);
                          w.EndObject();
                        }));
  } else if (endpoint == "chat.completions.create") {
    r.chunks = Reencode(events, kept, at, "", Compact([&](CompactJsonWriter& w) {
                          w.StartObject();
                          WriteKey(w, "error");
                          w.StartObject();
                          WriteKey(w, "message");
                          WriteString(w, InBandMessage(rule));
                          WriteKey(w, "type");
                          WriteString(w, rule.type.value_or("server_error"));
                          WriteKey(w, "param");
                          w.Null();
                          WriteKey(w, "code");
                          WriteString(w, InBandCode(rule));
                          w.EndObject();
                          w.EndObject();
                        }));
  } else {
    r.chunks = Reencode(events, kept, at, "error", Compact([&](CompactJsonWriter& w) {
                          w.StartObject();
                          WriteErrorFields(w, rule, true);
                          w.EndObject();
                        }));
  }
  if (r.fault != WireFault::kNone && r.fault_at < at) return;
  r.fault = WireFault::kNone;  // the API ends the stream cleanly after the error
}

// Sets status "failed" and error {code, message} on a Responses response object.
void MarkFailed(rapidjson::Value& response, rapidjson::Document::AllocatorType& alloc,
                const FaultRule& rule) {
  if (!response.IsObject()) return;
  auto set = [&](const char* key, rapidjson::Value value) {
    if (auto it = response.FindMember(key); it != response.MemberEnd()) {
      it->value = std::move(value);
    } else {
      response.AddMember(rapidjson::Value(key, alloc), std::move(value), alloc);
    }
  };
  set("status", rapidjson::Value("failed", alloc));
  rapidjson::Value error(rapidjson::kObjectType);
  const std::string code = InBandCode(rule);
  const std::string message = InBandMessage(rule);
  error.AddMember("code", rapidjson::Value(code.c_str(), alloc), alloc);
  error.AddMember("message", rapidjson::Value(message.c_str(), alloc), alloc);
  set("error", std::move(error));
  set("output", rapidjson::Value(rapidjson::kArrayType));
}

// response_failed: streamed, `response.failed` (the response of response.created, status
// "failed" with its error) replaces the stream from the (after_events)-th event on; not
// streamed, the body is that failed response object.
void ApplyResponseFailed(MockResponse& r, const FaultRule& rule) {
  if (r.status != 200 || FaultBeforeHead(r) || r.chunks.empty()) return;
  if (!IsEventStream(r.headers)) {
    std::string body;
    for (const auto& c : r.chunks) body += c.bytes;
    rapidjson::Document doc;
    if (json::ParseDocument(body, doc) || !doc.IsObject()) return;
    MarkFailed(doc, doc.GetAllocator(), rule);
    const Duration at = r.chunks.back().at;
    r.chunks.assign(1, TimedChunk{at, PrettyJson(doc)});
    return;
  }
  const std::vector<TimedEvent> events = DecodeEvents(r.chunks);
  if (events.empty()) return;
  const size_t kept = std::clamp<size_t>(rule.after_events.value_or(2), 1, events.size() - 1);
  rapidjson::Document created;
  if (json::ParseDocument(events.front().event.data, created) || !created.IsObject() ||
      !created.HasMember("response")) {
    return;
  }
  rapidjson::Value response(created["response"], created.GetAllocator());
  MarkFailed(response, created.GetAllocator(), rule);
  const std::string data = Compact([&](CompactJsonWriter& w) {
    w.StartObject();
    WriteKey(w, "type");
    WriteString(w, "response.failed");
    WriteKey(w, "sequence_number");
    w.Uint64(kept);
    WriteKey(w, "response");
    response.Accept(w);
    w.EndObject();
  });
  const Duration at = events[kept].at;
  r.chunks = Reencode(events, kept, at, "response.failed", data);
  if (r.fault == WireFault::kNone || r.fault_at >= at) r.fault = WireFault::kNone;
}

}  // namespace

const FaultRule* FaultHits::Find(FaultKind kind) const {
  for (const auto& hit : hits) {
    if (hit.rule->kind == kind) return hit.rule;
  }
  return nullptr;
}

const FaultRule* FaultHits::RunFault() const {
  for (const auto& hit : hits) {
    if (hit.rule->kind == FaultKind::kRunFailed || hit.rule->kind == FaultKind::kRunExpired) {
      return hit.rule;
    }
  }
  return nullptr;
}

std::string FaultHits::Names() const {
  std::string out;
  for (const auto& hit : hits) {
    if (!out.empty()) out += '+';
    out += FaultKindName(hit.rule->kind);
  }
  return out;
}

FaultInjector::FaultInjector(std::vector<FaultRule> rules, uint64_t seed)
    : rules_(std::move(rules)), seed_(seed), matched_(rules_.size(), 0) {}

FaultHits FaultInjector::Select(std::string_view endpoint) {
  FaultHits out;
  for (size_t i = 0; i < rules_.size(); ++i) {
    const FaultRule& rule = rules_[i];
    if (rule.endpoint != "*" && rule.endpoint != endpoint) continue;
    const size_t index = matched_[i]++;
    if (!FaultApplies(rule.kind, endpoint)) continue;
    if (!rule.requests.empty() &&
        std::find(rule.requests.begin(), rule.requests.end(), index) == rule.requests.end()) {
      continue;
    }
    const uint64_t seed = DeriveSeed(seed_, fmt::format("fault:{}:{}", i, index));
    if (rule.probability < 1.0) {
      Rng rng(seed);
      if (rng.NextDouble() >= rule.probability) continue;
    }
    out.hits.push_back({&rule, DeriveSeed(seed, "draws")});
  }
  return out;
}

void FaultInjector::Apply(const FaultHits& hits, std::string_view endpoint,
                          MockResponse& response) {
  for (const auto& hit : hits.hits) {
    const FaultRule& rule = *hit.rule;
    Rng rng(hit.draw_seed);
    switch (rule.kind) {
      case FaultKind::kEmptyResponse:
        ReplaceWith(response, WireFault::kEmptyResponse);
        break;
      case FaultKind::kMalformedChunk:
        ReplaceWith(response, WireFault::kMalformedChunk);
        break;
      case FaultKind::kRandomDataThenClose:
        ReplaceWith(response, WireFault::kRandomDataThenClose);
        break;
      case FaultKind::kConnectionReset:
        ReplaceWith(response, WireFault::kConnectionReset);
        break;
      case FaultKind::kLatency:
        ApplyLatency(response, rule, rng);
        break;
      case FaultKind::kBandwidth:
        ApplyBandwidth(response, rule);
        break;
      case FaultKind::kSlowClose:
        if (!FaultBeforeHead(response)) response.close_delay = FromMillis(rule.delay_ms);
        break;
      case FaultKind::kTimeout: {
        const Duration stop = FromMillis(rule.after_ms);
        if (rule.timeout_ms > 0) {
          const bool head_cut = response.headers_at >= stop;
          CutAt(response, stop, WireFault::kClose);
          if (response.fault == WireFault::kClose && response.fault_at == stop) {
            response.fault_at = stop + FromMillis(rule.timeout_ms);  // closed after the silence
            // A head held back by the toxic never comes, however late the close.
            if (head_cut) {
              response.headers_at = std::max(response.headers_at, response.fault_at + kNanosecond);
            }
          }
        } else {
          CutAt(response, stop, WireFault::kStall);
        }
        break;
      }
      case FaultKind::kResetPeer:
        CutAt(response, FromMillis(rule.timeout_ms), WireFault::kConnectionReset);
        break;
      case FaultKind::kSlicer:
        ApplySlicer(response, rule, rng);
        break;
      case FaultKind::kLimitData:
        ApplyLimitData(response, rule);
        break;
      case FaultKind::kStreamErrorEvent:
        ApplyStreamError(response, rule, endpoint);
        break;
      case FaultKind::kResponseFailed:
        ApplyResponseFailed(response, rule);
        break;
      case FaultKind::kHttpError:
      case FaultKind::kRunFailed:
      case FaultKind::kRunExpired:
        break;  // answered by the back end or played by the API
    }
  }
}

FaultScript HttpErrorScript(const FaultRule& rule) {
  const ErrorDefaults defaults = DefaultsForStatus(rule.status);
  FaultScript script;
  script.status = rule.status;
  script.retry_after_s = rule.retry_after_s;
  script.type = rule.type.value_or(defaults.type);
  script.code = rule.code.value_or(defaults.code);
  script.message = rule.message.value_or(defaults.message);
  return script;
}

}  // namespace agentreplay::mocks
