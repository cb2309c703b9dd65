#include "harness/measure/metrics.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>

#include "llm/endpoints.h"
#include "tools/tool_args.h"

namespace agentreplay::harness {
namespace {

struct Interval {
  TimePoint start;
  TimePoint end;
};

// Critical-path segments in priority order: an instant in which several activities overlap
// counts once, for the first of them. Deliberate sleeps beat tools (a tool never sleeps on
// the core's clock), tools beat waiting on the model, and time with nothing outstanding is
// the agent's own.
enum Segment {
  kSleep,
  kToolExec,
  kToolOverhead,
  kDetectLag,
  kLlmWait,
  kToolPending,
  kAgentCpu,
  kCount
};

// A back-end state and when the agent first showed it (a status event with that text).
struct Detection {
  TimePoint visible_at;
  TimePoint observed_at;
};

std::vector<Detection> Detections(const TurnTimeline& tl, const TurnContext& context) {
  std::vector<Detection> out;
  for (const auto& t : context.transitions) {
    if (!IsActionableStatus(t.status)) continue;
    for (const auto& ev : tl.events) {
      if (ev.type == AgentEventType::kStatus && ev.text == t.status && ev.at >= t.visible_at) {
        out.push_back({t.visible_at, ev.at});
        break;
      }
    }
  }
  return out;
}

// Every lookup below is by call id or by time, never a scan per call: a turn with 10,000 tool
// calls must cost its derivation a few milliseconds, not minutes.
using ByCallId = std::unordered_map<std::string_view, TimePoint>;

// When each call's first completed/failed event came (`first`), or its last ready event.
ByCallId EventTimes(const TurnTimeline& tl, bool (*matches)(AgentEventType), bool first) {
  ByCallId at;
  for (const auto& ev : tl.events) {
    if (!matches(ev.type)) continue;
    if (first) {
      at.emplace(ev.call_id, ev.at);
    } else {
      at[ev.call_id] = ev.at;
    }
  }
  return at;
}

// The requests' send instants, in order, for "the first request sent at or after t".
struct SendTimes {
  explicit SendTimes(const TurnTimeline& tl) {
    for (const auto& r : tl.requests) sent.push_back(r.sent_at);
    sorted = std::is_sorted(sent.begin(), sent.end());
  }
  // The first request in record order sent at or after `t`, else `otherwise`. Requests are
  // recorded as they are sent, so the instants are sorted and a binary search finds it.
  TimePoint FirstAtOrAfter(TimePoint t, TimePoint otherwise) const {
    if (sorted) {
      const auto it = std::lower_bound(sent.begin(), sent.end(), t);
      return it == sent.end() ? otherwise : *it;
    }
    const auto it = std::find_if(sent.begin(), sent.end(), [&](TimePoint s) { return s >= t; });
    return it == sent.end() ? otherwise : *it;
  }
  // How many requests were sent at or before `t`.
  std::ptrdiff_t CountAtOrBefore(TimePoint t) const {
    if (sorted) return std::upper_bound(sent.begin(), sent.end(), t) - sent.begin();
    return std::count_if(sent.begin(), sent.end(), [&](TimePoint s) { return s <= t; });
  }
  std::vector<TimePoint> sent;
  bool sorted = true;
};

// The tool calls as the agent lived them. A call the agent abandoned (its timeout ran out)
// ended for the agent when it gave up, which its completed/failed event marks; the
// implementation running on in the background is nobody's waiting time.
std::vector<ToolRecord> ToolsAsSeenByAgent(const TurnTimeline& tl) {
  std::vector<ToolRecord> tools = tl.tools;
  const ByCallId ended = EventTimes(
      tl,
      [](AgentEventType type) {
        return type == AgentEventType::kToolExecutionCompleted ||
               type == AgentEventType::kToolExecutionFailed;
      },
      true);
  for (auto& t : tools) {
    const auto it = ended.find(t.call_id);
    if (it == ended.end() || !(it->second < t.returned_at)) continue;
    t.returned_at = std::max(it->second, t.dispatched_at);
    t.exec_time = std::min(t.exec_time, t.returned_at - t.dispatched_at);
  }
  return tools;
}

// Per tool call: how long it waited for a free tool slot once the agent began running its
// step's calls: behind the earlier calls without px, behind the pool's busy workers with px.
// A step's calls are handed over together, so its wave begins at its first dispatch; calls
// are told apart into waves by the requests between them (none goes out while tools run).
std::vector<Duration> ToolQueueing(const SendTimes& sends, const std::vector<ToolRecord>& tools,
                                   const std::vector<TimePoint>& ready) {
  auto wave_of = [&](TimePoint at) { return sends.CountAtOrBefore(at); };
  std::map<std::ptrdiff_t, TimePoint> wave_start;
  for (const auto& t : tools) {
    auto [it, fresh] = wave_start.emplace(wave_of(t.dispatched_at), t.dispatched_at);
    if (!fresh) it->second = std::min(it->second, t.dispatched_at);
  }
  std::vector<Duration> queued;
  for (size_t i = 0; i < tools.size(); ++i) {
    const TimePoint from = std::max(wave_start[wave_of(tools[i].dispatched_at)], ready[i]);
    queued.push_back(std::max(Duration::zero(), tools[i].dispatched_at - from));
  }
  return queued;
}

// How many intervals of one list cover each elementary piece between consecutive cuts, kept as
// the sweep walks the cuts in order: each interval (clipped to the turn) adds one at its start and
// takes it away at its end. Every clipped start and end is a cut, so a piece [a, b) is inside an
// interval exactly when the interval has started at or before a and not yet ended.
class Coverage {
 public:
  Coverage(const std::vector<Interval>& list, TimePoint t0, TimePoint end) {
    for (const auto& i : list) {
      const TimePoint from = std::max(i.start, t0);
      const TimePoint to = std::min(i.end, end);
      if (from >= to) continue;  // covers no piece
      changes_.emplace_back(from, 1);
      changes_.emplace_back(to, -1);
    }
    std::sort(changes_.begin(), changes_.end());
  }
  // Moves to the piece starting at `a` (non-decreasing calls); true if an interval covers it.
  bool CoversPieceAt(TimePoint a) {
    while (next_ < changes_.size() && changes_[next_].first <= a) {
      active_ += changes_[next_++].second;
    }
    return active_ > 0;
  }

 private:
  std::vector<std::pair<TimePoint, int>> changes_;
  std::size_t next_ = 0;
  int active_ = 0;
};

void ComputeSegments(const TurnTimeline& tl, const SendTimes& sends,
                     const std::vector<ToolRecord>& tools, TimePoint end,
                     const std::vector<Detection>& lags, results::Sample& sample) {
  std::vector<Interval> sleeps, dispatch, exec, detect, waits, pending;
  for (const auto& d : lags) detect.push_back({d.visible_at, d.observed_at});
  for (const auto& s : tl.sleeps) sleeps.push_back({s.start, s.end});
  for (const auto& t : tools) {
    dispatch.push_back({t.dispatched_at, t.returned_at});
    // Where exactly inside a dispatch the implementation ran is not observable from outside;
    // the hop is symmetric, so its window is centred in the dispatch interval.
    const Duration hop = (t.returned_at - t.dispatched_at) - t.exec_time;
    const TimePoint start = t.dispatched_at + hop / 2;
    exec.push_back({start, start + t.exec_time});
  }
  for (const auto& r : tl.requests) waits.push_back({r.sent_at, r.completed ? r.done_at : end});
  // From a tool call being ready until the request carrying its output goes out.
  for (const auto& ev : tl.events) {
    if (ev.type != AgentEventType::kToolCallReady) continue;
    pending.push_back({ev.at, sends.FirstAtOrAfter(ev.at, end)});
  }

  std::set<TimePoint> cuts = {tl.t0, end};
  for (const auto* list : {&sleeps, &dispatch, &exec, &detect, &waits, &pending}) {
    for (const auto& i : *list) {
      if (i.start > tl.t0 && i.start < end) cuts.insert(i.start);
      if (i.end > tl.t0 && i.end < end) cuts.insert(i.end);
    }
  }
  Coverage in_sleep(sleeps, tl.t0, end), in_dispatch(dispatch, tl.t0, end),
      in_exec(exec, tl.t0, end), in_detect(detect, tl.t0, end), in_wait(waits, tl.t0, end),
      in_pending(pending, tl.t0, end);
  std::array<Duration, kCount> total{};
  for (auto it = cuts.begin(); std::next(it) != cuts.end(); ++it) {
    const TimePoint a = *it;
    const TimePoint b = *std::next(it);
    // Every sweep advances to every piece, whichever segment wins it.
    const bool sleep = in_sleep.CoversPieceAt(a);
    const bool dispatched = in_dispatch.CoversPieceAt(a);
    const bool executing = in_exec.CoversPieceAt(a);
    const bool detecting = in_detect.CoversPieceAt(a);
    const bool waiting = in_wait.CoversPieceAt(a);
    const bool pending_output = in_pending.CoversPieceAt(a);
    Segment seg = kAgentCpu;
    if (sleep) {
      seg = kSleep;
    } else if (dispatched) {
      seg = executing ? kToolExec : kToolOverhead;
    } else if (detecting) {
      seg = kDetectLag;
    } else if (waiting) {
      seg = kLlmWait;
    } else if (pending_output) {
      seg = kToolPending;
    }
    total[seg] += b - a;
  }
  sample.segments["llm_wait"] = ToMillis(total[kLlmWait]);
  sample.segments["detect_lag"] = ToMillis(total[kDetectLag]);
  sample.segments["sleep"] = ToMillis(total[kSleep]);
  sample.segments["tool_exec"] = ToMillis(total[kToolExec]);
  sample.segments["tool_overhead"] = ToMillis(total[kToolOverhead] + total[kToolPending]);
  sample.segments["agent_cpu"] = ToMillis(total[kAgentCpu]);
}

// Error texts come from outside (an endpoint's error code and message, a broken stream's bytes):
// make them what the results reader accepts, so a hostile or broken endpoint can never make a
// run's own results.json unreadable. Bytes that are not UTF-8 and control characters (but tab
// and line breaks where `breaks_allowed`) become U+FFFD; the text is cut at a character
// boundary at `max_bytes`.
std::string CleanText(std::string_view text, std::size_t max_bytes, bool breaks_allowed) {
  std::string out;
  for (const char c : ReplaceInvalidUtf8(text.substr(0, 4 * max_bytes))) {
    const auto byte = static_cast<unsigned char>(c);
    const bool line_break = c == '\t' || c == '\n' || c == '\r';
    if ((byte < 0x20 || byte == 0x7F) && !(breaks_allowed && line_break)) {
      out += "\xEF\xBF\xBD";
    } else {
      out += c;
    }
  }
  if (out.size() > max_bytes) {
    std::size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
  }
  return out;
}

}  // namespace

int64_t EstimateTokens(size_t bytes) { return static_cast<int64_t>((bytes + 3) / 4); }

bool IsActionableStatus(std::string_view status) {
  return status == "requires_action" || status == "completed" || status == "failed" ||
         status == "cancelled" || status == "expired" || status == "incomplete";
}

void DeriveMetrics(const TurnTimeline& tl, const TurnResult& turn, const TurnContext& context,
                   results::Sample& sample) {
  auto& m = sample.metrics;
  sample.ok = turn.ok;
  if (turn.error) {
    sample.error_kind = ErrorKindName(turn.error->kind);
    sample.error_reason = CleanText(turn.error->reason, kMaxErrorReasonBytes, false);
    sample.error_message = CleanText(turn.error->message, kMaxErrorMessageBytes, true);
  }
  const TimePoint end = turn.finished;
  m["e2e_ms"] = ToMillis(end - tl.t0);

  std::optional<TimePoint> first_signal, first_text, first_reasoning, last_delta;
  for (const auto& ev : tl.events) {
    if (!first_signal && IsRenderable(ev.type)) first_signal = ev.at;
    if (!first_reasoning && ev.type == AgentEventType::kReasoningDelta && !ev.text.empty()) {
      first_reasoning = ev.at;
    }
    if (ev.type == AgentEventType::kTextDelta && !ev.text.empty()) {
      if (!first_text) first_text = ev.at;
      if (last_delta) sample.itl_ms.push_back(ToMillis(ev.at - *last_delta));
      last_delta = ev.at;
    } else if (ev.type == AgentEventType::kTextDone) {
      last_delta.reset();  // gaps are measured within one message, not across tool rounds
    }
  }
  if (first_signal) m["ttfs_ms"] = ToMillis(*first_signal - tl.t0);
  if (first_text) m["ttft_ms"] = ToMillis(*first_text - tl.t0);
  if (first_reasoning) m["ttfr_ms"] = ToMillis(*first_reasoning - tl.t0);

  size_t bytes_up = 0;
  size_t bytes_down = 0;
  int64_t polls = 0;
  for (const auto& r : tl.requests) {
    ++sample.requests_by_endpoint[r.endpoint];
    bytes_up += r.bytes_up;
    bytes_down += r.bytes_down;
    if (r.endpoint == kPollEndpoint) ++polls;
  }
  m["requests"] = static_cast<double>(tl.requests.size());
  m["polls"] = static_cast<double>(polls);
  m["bytes_up"] = static_cast<double>(bytes_up);
  m["bytes_down"] = static_cast<double>(bytes_down);
  m["tool_schema_bytes"] = static_cast<double>(turn.tool_schema_bytes);

  Duration sleep{0};
  for (const auto& s : tl.sleeps) sleep += s.end - s.start;
  m["sleep_ms"] = ToMillis(sleep);

  // Per tool call: from its arguments being complete to its return, less its execution and its
  // wait for a tool slot (tool_queue_ms, reported on its own): dispatch and the proxy hop. Then,
  // once per batch of outputs, from the batch's last return to the request carrying it (a pause
  // before submitting). A call waiting for a slower sibling is not overhead: that wait is the
  // sibling's execution, which tool_path_ms shows.
  const std::vector<ToolRecord> tools = ToolsAsSeenByAgent(tl);
  const SendTimes sends(tl);
  const ByCallId ready_at = EventTimes(
      tl, [](AgentEventType type) { return type == AgentEventType::kToolCallReady; }, false);
  std::vector<TimePoint> ready;
  for (const auto& t : tools) {
    const auto it = ready_at.find(t.call_id);
    ready.push_back(it == ready_at.end() ? t.dispatched_at : it->second);
  }
  const std::vector<Duration> queued = ToolQueueing(sends, tools, ready);
  Duration exec{0};
  Duration overhead{0};
  Duration queue{0};
  std::map<TimePoint, TimePoint> last_return_by_send;
  for (size_t i = 0; i < tools.size(); ++i) {
    const ToolRecord& t = tools[i];
    exec += t.exec_time;
    queue += queued[i];
    const TimePoint sent = sends.FirstAtOrAfter(t.returned_at, end);
    overhead += (t.returned_at - ready[i]) - t.exec_time - queued[i];
    auto [it, fresh] = last_return_by_send.emplace(sent, t.returned_at);
    if (!fresh) it->second = std::max(it->second, t.returned_at);
  }
  for (const auto& [sent, last_return] : last_return_by_send) {
    overhead += std::max(Duration::zero(), sent - last_return);
  }
  m["tool_exec_ms"] = ToMillis(exec);
  m["tool_overhead_ms"] = ToMillis(overhead);
  m["tool_queue_ms"] = ToMillis(queue);
  if (context.connections_opened) {
    m["connections"] = static_cast<double>(*context.connections_opened);
  }
  m["tool_calls"] = static_cast<double>(turn.tool_calls.size());
  m["steps"] = static_cast<double>(turn.steps);
  m["retries"] = static_cast<double>(turn.retries);
  m["tool_fallbacks"] = static_cast<double>(turn.tool_fallbacks);
  m["errors"] = turn.ok ? 0.0 : 1.0;

  if (turn.usage.reported) {
    m["input_tokens"] = static_cast<double>(turn.usage.input_tokens);
    m["output_tokens"] = static_cast<double>(turn.usage.output_tokens);
  } else {
    m["input_tokens"] = static_cast<double>(EstimateTokens(bytes_up));
    m["output_tokens"] = static_cast<double>(EstimateTokens(turn.answer.size()));
  }
  if (context.price) {
    m["cost_usd"] = m["input_tokens"] * context.price->input_per_1m / 1e6 +
                    m["output_tokens"] * context.price->output_per_1m / 1e6;
  }
  m["agent_cpu_us"] = static_cast<double>(context.agent_cpu.count()) / 1e3;

  const std::vector<Detection> lags = Detections(tl, context);
  Duration lag{0};
  for (const auto& d : lags) lag += d.observed_at - d.visible_at;
  m["detect_lag_ms"] = ToMillis(lag);
  ComputeSegments(tl, sends, tools, end, lags, sample);
  m["llm_wait_ms"] = sample.segments["llm_wait"];
  // tool_exec_ms sums every call's work; with px the user waits for each wave's longest call.
  m["tool_path_ms"] = sample.segments["tool_exec"] + sample.segments["tool_overhead"];
}

}  // namespace agentreplay::harness
