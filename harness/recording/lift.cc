#include "harness/recording/lift.h"

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>

#include "harness/scenario/scenario_loader.h"
#include "json/json_text.h"
#include "mocks/model/step_planner.h"
#include "tools/tool_catalog.h"

namespace agentreplay::harness {
namespace {

using mocks::Dist;

bool IsJsonObject(const std::string& text) {
  rapidjson::Document doc;
  return !json::ParseDocument(text, doc) && doc.IsObject();
}

std::string CompactJsonText(const std::string& text) {
  rapidjson::Document doc;
  json::ParseDocument(text, doc);  // null when the text is not JSON
  return json::Compact(doc);
}

// `n` instants from `from` to `to`, evenly spaced (one: `to`).
std::vector<Duration> Spread(Duration from, Duration to, std::size_t n) {
  std::vector<Duration> out;
  if (n == 1) return {to};
  for (std::size_t k = 0; k < n; ++k) {
    out.push_back(from + (to - from) * static_cast<int64_t>(k) / static_cast<int64_t>(n - 1));
  }
  return out;
}

std::string SafeName(std::string_view name) {
  std::string out;
  for (char c : name) {
    const auto lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const bool ok = (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9') ||
                    lower == '_' || lower == '-';
    out += ok ? lower : '_';
  }
  return out.empty() ? "lifted" : out;
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// An error answer as a scripted fault (status, Retry-After and the error object as recorded).
mocks::FaultScript Fault(const FailedAttempt& failed) {
  mocks::FaultScript fault;
  fault.status = std::clamp(failed.status, 400, 599);
  fault.retry_after_s = failed.retry_after_s;
  if (!failed.type.empty()) fault.type = failed.type;
  fault.code = failed.code;  // none recorded: null
  if (!failed.message.empty()) fault.message = failed.message;
  return fault;
}

// One call as the lifted model makes it: the arguments as a JSON object and the pieces they
// arrive in, with the offset of each.
struct LiftedCall {
  mocks::ToolCallScript script;
  std::vector<Duration> times;
};

class StepLifter {
 public:
  // `user`: the turn's message, the query of a search whose query the recording does not show.
  StepLifter(const TranscriptStep& step, std::string user, std::vector<std::string>& notes,
             std::string where)
      : step_(step), user_(std::move(user)), notes_(notes), where_(std::move(where)) {}

  mocks::StepScript Lift() {
    mocks::StepScript script;
    std::vector<Duration> times;  // of every delta, in the planner's order
    Text(script, times);
    for (const auto& call : step_.tool_calls) {
      if (call.name.empty()) {
        notes_.push_back(fmt::format("{}: a tool call without a name is dropped", where_));
        continue;
      }
      LiftedCall lifted = Call(call);
      script.tool_calls.push_back(std::move(lifted.script));
      times.insert(times.end(), lifted.times.begin(), lifted.times.end());
    }
    if (step_.timing == StepTiming::kPolled && !times.empty()) {
      times = Spread(step_.first_output_at.value_or(step_.end_at), step_.end_at, times.size());
    }
    std::vector<const HostedToolUse*> issued = Hosted(script);
    Timing(script, times, issued);
    Reasoning(script);
    Ending(script);
    for (const auto& fault : step_.faults) script.faults.push_back(Fault(fault));
    return script;
  }

 private:
  void Text(mocks::StepScript& script, std::vector<Duration>& times) {
    if (step_.text.empty()) return;
    switch (step_.timing) {
      case StepTiming::kStreamed:
        for (const auto& piece : step_.text) {
          script.text_chunks.push_back(piece.text);
          times.push_back(piece.at);
        }
        return;
      case StepTiming::kWhole:
        script.text_chunks.push_back(step_.Text());
        times.push_back(step_.end_at);
        return;
      case StepTiming::kPolled:
        script.text_chunks = SplitTextIntoChunks(step_.Text());
        times.resize(times.size() + script.text_chunks.size());  // spread later
        return;
    }
  }

  LiftedCall Call(const TranscriptToolCall& call) {
    LiftedCall lifted;
    lifted.script.name = call.name;
    std::string joined;
    for (const auto& piece : call.pieces) joined += piece.text;
    std::vector<std::string> pieces;
    if (IsJsonObject(joined)) {
      lifted.script.arguments = joined;
      for (const auto& piece : call.pieces) {
        pieces.push_back(piece.text);
        lifted.times.push_back(piece.at);
      }
    } else {
      const bool whole = IsJsonObject(call.arguments);
      notes_.push_back(fmt::format(
          "{}: the arguments of {} ('{}') are not a JSON object; {}", where_, call.name,
          joined.substr(0, 60),
          whole ? "the final arguments are streamed in one piece" : "it is called with {}"));
      lifted.script.arguments = whole ? call.arguments : "{}";
      pieces = {lifted.script.arguments};
      lifted.times = {call.pieces.empty() ? step_.end_at : call.pieces.back().at};
    }
    if (step_.timing == StepTiming::kWhole) {
      pieces = {lifted.script.arguments};
      lifted.times = {step_.end_at};
    } else if (step_.timing == StepTiming::kPolled) {
      const auto bytes = static_cast<int>(lifted.script.arguments.size());
      pieces = mocks::SplitUtf8(lifted.script.arguments, std::max(2, (bytes + 3) / 4));
      lifted.times.assign(pieces.size(), Duration{0});  // spread later
    }
    const bool compact = CompactJsonText(lifted.script.arguments) == lifted.script.arguments;
    if (pieces.size() > 1 || !compact) lifted.script.argument_pieces = std::move(pieces);
    return lifted;
  }

  // The reasoning deltas at their offsets: the first ttfr_ms after the response start, then
  // their own gaps (the answer's first delta stays where it was: the planner only makes it
  // wait for reasoning that ends later).
  void Reasoning(mocks::StepScript& script) {
    if (step_.reasoning.empty()) return;
    mocks::ReasoningScript reasoning;
    const Duration start = std::min(step_.response_start, step_.reasoning.front().at);
    if (step_.timing == StepTiming::kStreamed) {
      for (const auto& piece : step_.reasoning) reasoning.chunks.push_back(piece.text);
      reasoning.ttfr_ms = Dist::Fixed(ToMillis(step_.reasoning.front().at - start));
      bool paced = false;
      for (std::size_t k = 1; k < step_.reasoning.size(); ++k) {
        const Duration gap = step_.reasoning[k].at - step_.reasoning[k - 1].at;
        paced = paced || gap > Duration{0};
        reasoning.gaps_ms.push_back(ToMillis(std::max(gap, Duration{0})));
      }
      if (!paced) reasoning.gaps_ms.clear();
    } else {
      // A whole or polled body shows the reasoning at once, with the rest of the output.
      std::string all;
      for (const auto& piece : step_.reasoning) all += piece.text;
      reasoning.chunks.push_back(std::move(all));
      const Duration first = step_.first_output_at.value_or(step_.end_at);
      reasoning.ttfr_ms = Dist::Fixed(ToMillis(std::max(first, start) - start));
    }
    reasoning.chunks.erase(std::remove_if(reasoning.chunks.begin(), reasoning.chunks.end(),
                                          [](const std::string& c) { return c.empty(); }),
                           reasoning.chunks.end());
    if (reasoning.chunks.size() != step_.reasoning.size()) reasoning.gaps_ms.clear();
    if (reasoning.chunks.empty()) return;
    script.reasoning = std::move(reasoning);
  }

  // A refusal, and an answer cut off (the response ended incomplete).
  void Ending(mocks::StepScript& script) {
    const bool has_text = !script.text_chunks.empty();
    script.refusal = step_.refusal && has_text && script.tool_calls.empty();
    if (step_.status != "incomplete") return;
    if (!has_text || !script.tool_calls.empty()) {
      notes_.push_back(fmt::format("{}: the step ended incomplete{}; the lifted step completes",
                                   where_, has_text ? " after tool calls" : " without text"));
      return;
    }
    script.incomplete = mocks::Incompletion::kMaxOutputTokens;
  }

  // The step's hosted tool calls in the order they were issued: the file search, when the
  // recording shows what it found (the format needs results when the scenario has no
  // documents), then web search, code interpreter, image generation and MCP calls. What the
  // scenario cannot say is noted and dropped (its time stays in the timing).
  std::vector<const HostedToolUse*> Hosted(mocks::StepScript& script) {
    const HostedToolUse* search = nullptr;
    std::vector<const HostedToolUse*> others;
    for (const auto& use : step_.hosted) {
      if (const auto type = HostedType(use.kind); !type.empty()) {
        mocks::HostedToolScript tool;
        tool.type = std::string(type);
        tool.input = use.queries.empty() ? use.input : use.queries.front();
        tool.output = use.output;
        tool.name = use.name.empty() && type == "mcp_call" ? "tool" : use.name;
        tool.server_label =
            use.server_label.empty() && type == "mcp_call" ? "server" : use.server_label;
        tool.fails = use.failed;
        script.hosted_tools.push_back(std::move(tool));
        others.push_back(&use);
        continue;
      }
      if (use.kind == "file_search" && search == nullptr) {
        std::vector<std::string> results = use.results.empty() ? step_.citations : use.results;
        if (results.empty()) {
          notes_.push_back(
              fmt::format("{}: a file_search whose results the recording does not "
                          "show is dropped (its time stays in the timing)",
                          where_));
          continue;
        }
        std::string query = use.queries.empty() ? std::string() : use.queries.front();
        if (query.empty()) {
          // Assistants never shows the query; the mock only renders it (the results are given).
          notes_.push_back(
              fmt::format("{}: the recording does not show the file_search query; "
                          "the user's message stands in",
                          where_));
          query = user_;
        }
        search = &use;
        script.file_search = mocks::FileSearchScript{std::move(query), Dist::Fixed(0), results};
        continue;
      }
      notes_.push_back(
          fmt::format("{}: hosted tool '{}' dropped (the scenario cannot say it; its "
                      "time stays in the timing)",
                      where_, use.kind));
    }
    std::vector<const HostedToolUse*> issued;
    if (search != nullptr) issued.push_back(search);
    issued.insert(issued.end(), others.begin(), others.end());
    return issued;
  }

  // The scenario's name for a recorded hosted tool kind; empty for file_search and the kinds a
  // scenario cannot say.
  static std::string_view HostedType(std::string_view kind) {
    if (kind == "web_search" || kind == "code_interpreter" || kind == "image_generation") {
      return kind;
    }
    if (kind == "mcp") return "mcp_call";
    return {};
  }

  // processing_ms, ttft_ms, gaps_ms and the search's latency from the offsets (lift.h).
  // `issued`: the file search (when the script has one) first, then the other hosted tools in
  // script order; each lasts until the next is issued, the last until the first delta.
  void Timing(mocks::StepScript& script, const std::vector<Duration>& times,
              const std::vector<const HostedToolUse*>& issued) {
    Duration first = times.empty() ? step_.end_at : times.front();
    if (!issued.empty()) {
      std::vector<Duration> at;
      for (const HostedToolUse* use : issued) {
        Duration t = step_.timing == StepTiming::kStreamed ? use->started_at : first;
        if (!at.empty()) t = std::max(t, at.back());
        at.push_back(t);
      }
      if (at.back() > first) {
        notes_.push_back(
            fmt::format("{}: a hosted tool started after the first delta; it is "
                        "issued at the first delta instead",
                        where_));
        for (auto& t : at) t = std::min(t, first);
      }
      const bool has_search = script.file_search.has_value();
      for (std::size_t k = 0; k < at.size(); ++k) {
        const Dist latency = Dist::Fixed(ToMillis((k + 1 < at.size() ? at[k + 1] : first) - at[k]));
        if (k == 0 && has_search) {
          script.file_search->latency_ms = latency;
        } else {
          script.hosted_tools.at(k - (has_search ? 1 : 0)).latency_ms = latency;
        }
      }
      first = at.front();
    }
    const Duration start = std::clamp(step_.response_start, Duration{0}, first);
    script.processing_ms = Dist::Fixed(ToMillis(start));
    script.ttft_ms = Dist::Fixed(ToMillis(first - start));
    bool paced = false;
    bool reordered = false;
    for (std::size_t k = 1; k < times.size(); ++k) {
      const Duration gap = times[k] - times[k - 1];
      reordered = reordered || gap < Duration{0};
      paced = paced || gap > Duration{0};
      script.gaps_ms.push_back(ToMillis(std::max(gap, Duration{0})));
    }
    if (!paced) script.gaps_ms.clear();  // all at once: chunk_gap_ms 0 says the same
    if (reordered) {
      notes_.push_back(
          fmt::format("{}: text arrived after tool-call arguments; the lifted step "
                      "streams its text first",
                      where_));
    }
  }

  const TranscriptStep& step_;
  std::string user_;
  std::vector<std::string>& notes_;
  std::string where_;
};

// Each tool's latency: the median of its calls' shares of the client's time between the step
// that called it and the next attempt.
void DeriveToolLatencies(const Transcript& transcript, mocks::Scenario& scenario) {
  std::map<std::string, std::vector<double>> samples;
  for (const auto& turn : transcript.turns) {
    for (std::size_t k = 0; k + 1 < turn.steps.size(); ++k) {
      const TranscriptStep& step = turn.steps[k];
      const TranscriptStep& next = turn.steps[k + 1];
      if (step.tool_calls.empty()) continue;
      const Duration next_sent = next.faults.empty() ? next.sent_at : next.faults.front().sent_at;
      const Duration gap = next_sent - step.observed_at;
      if (gap < Duration{0}) continue;
      const double share = ToMillis(gap) / static_cast<double>(step.tool_calls.size());
      for (const auto& call : step.tool_calls) samples[call.name].push_back(share);
    }
  }
  for (auto& [name, values] : samples) {
    scenario.tools[name].latency_ms = Dist::Fixed(Median(std::move(values)));
  }
}

// The time a reply without model work takes (a poll, a thread's creation, an error): the median
// of the recorded ones. A recording without any (Responses, Chat) gives the quickest response
// start instead: a lifted scenario replayed by a polling runtime must not poll in zero time.
double QuickReplyMs(const Transcript& transcript, std::vector<std::string>& notes) {
  std::vector<double> quick;
  for (Duration d : transcript.quick_replies) quick.push_back(ToMillis(d));
  if (quick.empty()) {
    std::optional<Duration> quickest;
    for (const auto& turn : transcript.turns) {
      for (const auto& step : turn.steps) {
        if (!quickest || step.response_start < *quickest) quickest = step.response_start;
      }
    }
    if (quickest && *quickest > Duration{0}) {
      notes.push_back(
          fmt::format("no reply without model work is recorded: replies such as "
                      "polls take {} ms, the quickest response start",
                      ToMillis(*quickest)));
      return ToMillis(*quickest);
    }
  }
  const double ms = quick.empty() ? 0.0 : Median(std::move(quick));
  if (ms > 0) return ms;
  notes.push_back("no reply without model work takes any time in the recording: polls take 1 ms");
  return 1.0;
}

std::string Describe(const Transcript& t) {
  std::string source = t.source.kind.empty() ? "unknown source" : t.source.kind;
  if (!t.source.origin.empty()) source += ", " + t.source.origin;
  std::string out =
      fmt::format("Lifted from {} ({}), recorded on the {} runtime.", t.name, source, t.runtime);
  if (t.source.timing_derived) {
    out += " Its timing was derived, not measured" +
           (t.source.pace.empty() ? std::string(".") : ": " + t.source.pace + ".");
  }
  return out;
}

}  // namespace

// Whether the agent under test has a tool of this name (the default catalogue's nine).
bool AgentHasTool(std::string_view name) {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& spec : MakeDefaultCatalog().Specs()) out.push_back(spec.name);
    return out;
  }();
  return std::find(names.begin(), names.end(), name) != names.end();
}

mocks::Scenario LiftTranscript(const Transcript& transcript, const LiftOptions& options,
                               std::vector<std::string>& notes) {
  mocks::Scenario s;
  s.name = options.name.empty() ? SafeName(transcript.name) : options.name;
  s.description = Describe(transcript);
  if (!transcript.model.empty()) s.model = transcript.model;
  s.instructions = transcript.instructions;
  s.latency.processing_ms = Dist::Fixed(QuickReplyMs(transcript, notes));
  if (options.tool_latency_from_gaps) DeriveToolLatencies(transcript, s);
  for (const auto& [name, tool] : options.tools) s.tools[name] = tool;
  s.source_kind = "lifted";
  s.source_origin = transcript.source.kind +
                    (transcript.source.origin.empty() ? "" : " " + transcript.source.origin);

  for (std::size_t t = 0; t < transcript.turns.size(); ++t) {
    const TranscriptTurn& recorded = transcript.turns[t];
    mocks::TurnScript turn;
    turn.user = recorded.user.find_first_not_of(" \t\r\n") == std::string::npos
                    ? options.unknown_user
                    : recorded.user;
    for (std::size_t k = 0; k < recorded.steps.size(); ++k) {
      StepLifter lifter(recorded.steps[k], turn.user, notes,
                        fmt::format("turn {} step {}", t + 1, k + 1));
      mocks::StepScript step = lifter.Lift();
      const bool last = k + 1 == recorded.steps.size();
      if (!last && step.tool_calls.empty()) {
        notes.push_back(
            fmt::format("turn {} step {}: a step without tool calls before the last "
                        "cannot lead on; dropped",
                        t + 1, k + 1));
        continue;
      }
      for (const auto& call : step.tool_calls) {
        auto& called = turn.expect.tools_called;
        if (std::find(called.begin(), called.end(), call.name) == called.end()) {
          called.push_back(call.name);
          // The recorded model called a tool this agent does not have: the call fails here
          // (the model gets an unknown-tool error and goes on as recorded). That is expected,
          // not a finding, so the turn allows tool errors, and says why.
          if (!AgentHasTool(call.name) && !turn.expect.tool_errors_allowed) {
            turn.expect.tool_errors_allowed = true;
            notes.push_back(fmt::format(
                "turn {}: the recording calls {}, which this agent does not have; its calls "
                "fail in a replay, so the turn allows tool errors (tool_errors_allowed)",
                t + 1, call.name));
          }
        }
      }
      if (step.file_search) turn.expect.file_search_used = true;
      turn.steps.push_back(std::move(step));
    }
    // A turn must end in an answer: one the recording does not have is said so.
    const bool answered = !turn.steps.empty() && !turn.steps.back().text_chunks.empty();
    if (answered) {
      if (!recorded.unanswered.empty()) {
        notes.push_back(
            fmt::format("turn {}: error answers after the final answer dropped", t + 1));
      }
      std::string answer;
      for (const auto& chunk : turn.steps.back().text_chunks) answer += chunk;
      if (answer.find_first_not_of(" \t\r\n") != std::string::npos) {
        turn.expect.answer_contains = {answer};
      }
    } else {
      notes.push_back(
          fmt::format("turn {}: the recording ends before the model's answer; the "
                      "lifted turn ends with \"{}\"",
                      t + 1, options.unrecorded_answer));
      if (turn.steps.empty() || !turn.steps.back().tool_calls.empty()) turn.steps.emplace_back();
      mocks::StepScript& closing = turn.steps.back();
      closing.text_chunks = {options.unrecorded_answer};
      for (const auto& failed : recorded.unanswered) closing.faults.push_back(Fault(failed));
    }
    s.turns.push_back(std::move(turn));
  }
  return s;
}

Expected<Lifted> LiftConversation(const mocks::Cassette& conversation, const LiftOptions& options) {
  Expected<Transcript> transcript = DecodeTranscript(conversation);
  if (!transcript) return transcript.failure();
  Lifted lifted;
  lifted.notes = transcript->notes;
  lifted.scenario = LiftTranscript(*transcript, options, lifted.notes);
  lifted.transcript = std::move(*transcript);
  return lifted;
}

Expected<mocks::Scenario> LiftScenario(const mocks::Cassette& conversation,
                                       const LiftOptions& options) {
  Expected<Lifted> lifted = LiftConversation(conversation, options);
  if (!lifted) return lifted.failure();
  return std::move(lifted->scenario);
}

}  // namespace agentreplay::harness
