#include "mocks/api/cassette_player.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>

#include "json/json_text.h"
#include "llm/endpoints.h"
#include "mocks/api/openai_error.h"

namespace agentreplay::mocks {
namespace {

bool ChangesState(std::string_view method) { return method != "GET" && method != "HEAD"; }

// Headers the server frames itself: the replayed body is re-framed (chunked or with its own
// length), so the recorded framing must not be sent again.
bool IsFramingHeader(std::string_view name) {
  auto is = [&](std::string_view other) {
    return name.size() == other.size() &&
           std::equal(name.begin(), name.end(), other.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == b;
           });
  };
  return is("content-length") || is("transfer-encoding") || is("connection") || is("keep-alive") ||
         is("content-encoding");
}

// The recorded error reason as the wire fault that reproduces it on the client's side.
WireFault FaultFor(std::string_view error) {
  if (error.empty() || error == "abandoned") return WireFault::kNone;
  if (error == "connection_reset") return WireFault::kConnectionReset;
  if (error == "read_timeout" || error == "timeout" || error == "total_timeout") {
    return WireFault::kStall;
  }
  if (error == "malformed_http") return WireFault::kMalformedChunk;
  return WireFault::kClose;  // body_truncated, connection_closed and anything else that broke
}

// Whether a request body asks for a stream ({"stream": true}); not JSON: no.
bool AsksForStream(std::string_view body) {
  rapidjson::Document doc;
  if (!json::Parse(body, doc) || !doc.IsObject()) return false;
  const auto* stream = json::Member(doc, "stream");
  return stream != nullptr && stream->IsBool() && stream->GetBool();
}

// Starting a run is one step whichever way the client takes it.
std::string_view MatchClass(std::string_view endpoint) {
  return endpoint == "threads.create_and_run" ? std::string_view("runs.create") : endpoint;
}

}  // namespace

bool CassettePlayer::IsSetup(std::string_view endpoint) {
  return endpoint == "threads.create" || endpoint == "messages.create" ||
         endpoint == "assistants.create";
}

std::optional<CassettePlayer::Timing> CassettePlayer::TakeSetupTiming(std::string_view endpoint) {
  for (size_t i = 0; i < cassette_.exchanges.size(); ++i) {
    if (played_[i] || endpoints_[i] != endpoint) continue;
    played_[i] = true;
    ++played_count_;
    const CassetteResponse& r = cassette_.exchanges[i].response;
    Timing timing{r.headers_at, r.headers_at};
    if (!r.chunks.empty()) timing.body_end = std::max(r.chunks.back().at, r.headers_at);
    return timing;
  }
  return std::nullopt;
}

CassettePlayer::CassettePlayer(const Cassette& cassette)
    : cassette_(cassette), played_(cassette.exchanges.size(), false) {
  endpoints_.reserve(cassette.exchanges.size());
  for (const auto& e : cassette.exchanges) {
    endpoints_.emplace_back(ClassifyEndpoint(e.request.method, e.request.target));
  }
  SkipToNextChange();
}

// Setup is the mock's (IsSetup), so it neither ends a stretch of reads nor is matched.
void CassettePlayer::SkipToNextChange() {
  while (next_change_ < cassette_.exchanges.size() &&
         (!ChangesState(cassette_.exchanges[next_change_].request.method) ||
          IsSetup(endpoints_[next_change_]))) {
    ++next_change_;
  }
}

std::optional<MockResponse> CassettePlayer::Handle(const HttpRequest& request,
                                                   std::string_view endpoint, TimePoint sent_at) {
  if (!started_) {
    started_ = true;
    agent_stretch_start_ = sent_at;
  }
  const size_t n = cassette_.exchanges.size();
  if (IsSetup(endpoint)) return std::nullopt;
  if (ChangesState(request.method)) {
    // The next recorded state change of the same class, skipping setup of other classes.
    size_t match = next_change_;
    while (match < n && (!ChangesState(cassette_.exchanges[match].request.method) ||
                         MatchClass(endpoints_[match]) != MatchClass(endpoint))) {
      ++match;
    }
    if (match >= n) {
      if (next_change_ >= n) {
        return Mismatch(request, endpoint, "no further state-changing request");
      }
      const auto& next = cassette_.exchanges[next_change_].request;
      return Mismatch(
          request, endpoint,
          fmt::format("{} {} ({}) next", next.method, next.target, endpoints_[next_change_]));
    }
    // A streamed answer cannot stand in for a JSON one, nor the other way round.
    const bool recorded_stream = AsksForStream(cassette_.exchanges[match].request.body);
    if (AsksForStream(request.body) != recorded_stream) {
      return Mismatch(request, endpoint,
                      recorded_stream ? "a streamed answer to it (the agent asked for JSON)"
                                      : "a JSON answer to it (the agent asked for a stream)");
    }
    for (size_t i = next_change_; i < match; ++i) {
      if (ChangesState(cassette_.exchanges[i].request.method) && !played_[i]) ++skipped_;
    }
    stretch_begin_ = match + 1;
    recorded_stretch_start_ = cassette_.exchanges[match].sent_at;
    agent_stretch_start_ = sent_at;
    next_change_ = match + 1;
    SkipToNextChange();
    return Play(match, sent_at);
  }
  // A read: the latest recorded read of this class in the stretch that was sent no later
  // (counted from the stretch's start) than the agent's. Cassettes keep offsets to the
  // microsecond, so an agent that replays the recorded schedule exactly can appear a few
  // microseconds early (each rounded offset it waited on shifts it by up to one step); reads
  // that close count as on time.
  constexpr Duration kRoundingSlack = std::chrono::microseconds(10);
  const Duration agent_elapsed = sent_at - agent_stretch_start_ + kRoundingSlack;
  std::optional<size_t> first;
  std::optional<size_t> chosen;
  for (size_t i = stretch_begin_; i < next_change_; ++i) {
    if (endpoints_[i] != endpoint) continue;
    if (!first) first = i;
    if (cassette_.exchanges[i].sent_at - recorded_stretch_start_ <= agent_elapsed) chosen = i;
  }
  if (!chosen) chosen = first;
  if (!chosen) {
    return Mismatch(request, endpoint,
                    next_change_ < n
                        ? fmt::format("no {} before {} {}", endpoint,
                                      cassette_.exchanges[next_change_].request.method,
                                      cassette_.exchanges[next_change_].request.target)
                        : fmt::format("no {} after the last state-changing request", endpoint));
  }
  return Play(*chosen, sent_at);
}

MockResponse CassettePlayer::Play(size_t index, TimePoint) {
  const CassetteExchange& e = cassette_.exchanges[index];
  if (!played_[index]) {
    played_[index] = true;
    ++played_count_;
  }
  MockResponse out;
  out.status = e.response.status;
  for (const auto& h : e.response.headers) {
    if (!IsFramingHeader(h.name)) out.headers.push_back(h);
  }
  out.headers_at = e.response.headers_at;
  out.chunks.reserve(e.response.chunks.size());
  for (const auto& c : e.response.chunks) {
    out.chunks.push_back(TimedChunk{std::max(c.at, e.response.headers_at), c.bytes});
  }
  out.fault = FaultFor(e.response.error);
  if (out.fault != WireFault::kNone) {
    out.fault_at = std::max(e.response.end_at, e.response.headers_at);
    // A response that broke before its head: nothing of it reached the client.
    if (e.response.status == 0) out.fault = WireFault::kEmptyResponse;
  }
  return out;
}

MockResponse CassettePlayer::Mismatch(const HttpRequest& request, std::string_view endpoint,
                                      std::string_view recorded) {
  OpenAiError error;
  error.status = 400;
  error.code = "replay_mismatch";
  error.message = fmt::format(
      "replay mismatch: the agent asked {} {} ({}); the recording holds {} there. A verbatim "
      "replay needs the agent to make the recorded requests; lift the recording to replay it "
      "under other packages",
      request.method, request.target, endpoint, recorded);
  return MakeErrorResponse(error, "req_replay_mismatch", Duration(0), Duration(0));
}

}  // namespace agentreplay::mocks
