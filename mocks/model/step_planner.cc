#include "mocks/model/step_planner.h"

#include <fmt/format.h>

#include <algorithm>

#include "mocks/model/knowledge_base.h"

namespace agentreplay::mocks {
namespace {

// A sample as a duration. Negative draws (possible with a uniform range below zero) would
// let time run backwards, so they count as zero.
Duration SampleDuration(const Dist& dist, Rng& rng) {
  return FromMillis(std::max(0.0, dist.Sample(rng)));
}

int64_t CeilDiv4(size_t bytes) { return static_cast<int64_t>((bytes + 3) / 4); }

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U; }

// The reasoning deltas on their own timeline: the first at `start` + ttfr, each later one a
// gap after the previous (explicit gaps draw nothing).
PlannedOutput PlanReasoning(const ReasoningScript& script, Duration start, Rng& rng) {
  PlannedOutput out;
  out.kind = PlannedOutput::Kind::kReasoning;
  out.summary = script.summary;
  Duration t = start + SampleDuration(script.ttfr_ms, rng);
  for (size_t i = 0; i < script.chunks.size(); ++i) {
    if (i > 0) {
      if (script.gaps_ms.empty()) {
        t += SampleDuration(script.chunk_gap_ms, rng);
      } else if (i - 1 < script.gaps_ms.size()) {
        t += FromMillis(std::max(0.0, script.gaps_ms[i - 1]));
      }
    }
    out.content += script.chunks[i];
    out.deltas.push_back(PlannedDelta{t, script.chunks[i]});
  }
  return out;
}

}  // namespace

int64_t EstimateInputTokens(size_t request_body_bytes) { return CeilDiv4(request_body_bytes); }

int64_t EstimateOutputTokens(std::string_view delta) {
  return std::max<int64_t>(1, CeilDiv4(delta.size()));
}

std::vector<std::string> SplitUtf8(std::string_view text, int pieces) {
  // Offsets at which a code point starts; splitting only there keeps every piece valid UTF-8.
  std::vector<size_t> starts;
  for (size_t i = 0; i < text.size(); ++i) {
    if (!IsContinuationByte(text[i])) starts.push_back(i);
  }
  const size_t m = starts.size();
  const size_t n =
      std::clamp<size_t>(pieces < 1 ? 1 : static_cast<size_t>(pieces), 1, std::max<size_t>(1, m));
  std::vector<std::string> out;
  out.reserve(n);
  size_t begin = 0;
  size_t prev_index = 0;  // index into `starts` of the previous boundary
  for (size_t i = 1; i < n; ++i) {
    const size_t target = i * text.size() / n;
    // First code point starting at or after the ideal byte offset...
    auto it = std::lower_bound(starts.begin(), starts.end(), target);
    size_t index = static_cast<size_t>(it - starts.begin());
    // ...but after the previous boundary and leaving one code point for each later piece.
    index = std::clamp(index, prev_index + 1, m - (n - i));
    out.emplace_back(text.substr(begin, starts[index] - begin));
    begin = starts[index];
    prev_index = index;
  }
  out.emplace_back(text.substr(begin));
  return out;
}

uint64_t StepSeed(uint64_t seed, size_t turn, size_t step) {
  return DeriveSeed(seed, fmt::format("turn:{}/step:{}", turn, step));
}

bool HasStep(const Scenario& scenario, size_t turn, size_t step) {
  return turn < scenario.turns.size() && step < scenario.turns[turn].steps.size();
}

StepPlan PlanStep(const Scenario& scenario, size_t turn, size_t step, int64_t input_tokens,
                  Rng& rng, const KnowledgeBase* knowledge) {
  return PlanStep(scenario, scenario.turns.at(turn).steps.at(step), turn, step, input_tokens, rng,
                  knowledge);
}

StepPlan PlanStep(const Scenario& scenario, const StepScript& script, size_t turn, size_t step,
                  int64_t input_tokens, Rng& rng, const KnowledgeBase* knowledge) {
  const LatencyModel& latency = scenario.latency;

  StepPlan plan;
  plan.turn = turn;
  plan.step = step;
  plan.input_tokens = input_tokens;

  // The draw order below is part of the contract (see the header): do not reorder.
  const Duration rtt = SampleDuration(latency.network_rtt_ms, rng);
  plan.queue = SampleDuration(latency.queue_ms, rng);
  plan.processing = SampleDuration(script.processing_ms.value_or(latency.processing_ms), rng);
  const Duration ttft = SampleDuration(script.ttft_ms, rng);

  plan.network_up = rtt / 2;
  plan.network_down = rtt - plan.network_up;
  plan.response_start = plan.network_up + plan.queue + plan.processing + plan.network_down;
  // Per token the rate is bounded by the loader; the product over a huge input is bounded here,
  // like every other duration, at an hour.
  const double prefill_ms = std::min(std::max(0.0, latency.prefill_ms_per_1k_input_tokens) *
                                         static_cast<double>(input_tokens) / 1000.0,
                                     kMaxInputDurationMs);
  plan.first_token = plan.response_start + FromMillis(prefill_ms) + ttft;
  plan.refusal = script.refusal;
  plan.incomplete = script.incomplete;

  if (script.reasoning && !script.reasoning->chunks.empty()) {
    plan.outputs.push_back(
        PlanReasoning(*script.reasoning, plan.response_start + FromMillis(prefill_ms), rng));
    const PlannedOutput& reasoning = plan.outputs.back();
    plan.first_token = std::max(plan.first_token, reasoning.last_at());
    for (const auto& delta : reasoning.deltas) {
      plan.reasoning_tokens += EstimateOutputTokens(delta.text);
    }
    plan.output_tokens += plan.reasoning_tokens;
  }
  if (script.file_search) {
    PlannedOutput search;
    search.kind = PlannedOutput::Kind::kFileSearch;
    search.content = script.file_search->query;
    if (!script.file_search->results.empty()) {
      // The scenario's author ranked them: best first, a little less sure of each next one.
      search.results = script.file_search->results;
      for (size_t i = 0; i < search.results.size(); ++i) {
        search.scores.push_back(std::max(0.0, 1.0 - 0.05 * static_cast<double>(i)));
      }
    } else if (knowledge != nullptr) {
      for (auto& hit : knowledge->Search(search.content, kFileSearchMaxResults)) {
        search.results.push_back(std::move(hit.name));
        search.scores.push_back(hit.score);
      }
    }
    search.deltas.push_back(PlannedDelta{Duration{0}, {}});
    plan.outputs.push_back(std::move(search));
  }
  for (const auto& tool : script.hosted_tools) {
    PlannedOutput call;
    call.kind = PlannedOutput::Kind::kHostedTool;
    call.tool_name = tool.type;
    call.content = tool.input;
    call.hosted = tool;
    call.deltas.push_back(PlannedDelta{Duration{0}, {}});
    plan.outputs.push_back(std::move(call));
  }
  if (!script.text_chunks.empty()) {
    PlannedOutput text;
    text.kind = PlannedOutput::Kind::kText;
    for (const auto& chunk : script.text_chunks) {
      text.content += chunk;
      text.deltas.push_back(PlannedDelta{Duration{0}, chunk});
    }
    plan.outputs.push_back(std::move(text));
  }
  for (const auto& call : script.tool_calls) {
    PlannedOutput out;
    out.kind = PlannedOutput::Kind::kToolCall;
    out.tool_name = call.name;
    out.content = call.arguments;
    std::vector<std::string> pieces = call.argument_pieces.empty()
                                          ? SplitUtf8(call.arguments, call.argument_chunks)
                                          : call.argument_pieces;
    for (auto& piece : pieces) out.deltas.push_back(PlannedDelta{Duration{0}, std::move(piece)});
    plan.outputs.push_back(std::move(out));
  }

  // Delta times: the first at first_token, each later one a gap after the previous: a fresh
  // chunk_gap_ms draw, or the script's explicit gap (gaps_ms, which draws nothing). A file
  // search is issued at its delta and the next delta follows when the search is done.
  const bool explicit_gaps = !script.gaps_ms.empty();
  size_t gap = 0;  // the next explicit gap
  Duration t = plan.first_token;
  bool first = true;
  for (auto& out : plan.outputs) {
    if (out.kind == PlannedOutput::Kind::kReasoning) continue;  // on its own timeline
    for (auto& delta : out.deltas) {
      if (!first) {
        if (!explicit_gaps) {
          t += SampleDuration(script.chunk_gap_ms, rng);
        } else if (gap < script.gaps_ms.size()) {
          // The loader checks there is one per delta but the first; a short list built in
          // code runs out into no gap rather than past its end.
          t += FromMillis(std::max(0.0, script.gaps_ms[gap++]));
        }
      }
      first = false;
      delta.at = t;
      if (out.kind == PlannedOutput::Kind::kFileSearch ||
          out.kind == PlannedOutput::Kind::kHostedTool) {
        t += SampleDuration(out.kind == PlannedOutput::Kind::kHostedTool
                                ? out.hosted.latency_ms
                                : script.file_search->latency_ms,
                            rng);
        out.completed_at = t;
        first = true;  // the next delta comes right when the call is done
      } else {
        plan.output_tokens += EstimateOutputTokens(delta.text);
      }
    }
  }
  plan.end = t;
  return plan;
}

QuickReplyTiming PlanQuickReply(const LatencyModel& latency, Rng& rng) {
  const Duration rtt = SampleDuration(latency.network_rtt_ms, rng);
  const Duration processing = SampleDuration(latency.processing_ms, rng);
  return QuickReplyTiming{rtt + processing, processing};
}

}  // namespace agentreplay::mocks
