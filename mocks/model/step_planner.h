// The step planner: what one scripted model step looks like on the client's timeline,
// independent of any runtime's wire format. The Responses renderer (and later the
// Assistants and Chat Completions renderers) turn a StepPlan into bytes.
//
// Timing rule. All offsets are from the instant the client sent the request; every sample
// is in milliseconds, clamped at 0, and rounded to whole nanoseconds on its own before it is
// added, so fixed scenarios give exact timelines.
//
//   rtt            = latency.network_rtt_ms sample
//   up             = rtt / 2 (integer nanoseconds), down = rtt - up
//   processing     = a sample of the step's processing_ms when it has one, else of
//                    latency.processing_ms
//   response_start = up + queue + processing + down
//                    (status line, headers and the first events — response.created,
//                    response.in_progress — reach the client)
//   first_token    = response_start + prefill + ttft, with
//                    prefill = latency.prefill_ms_per_1k_input_tokens * input_tokens / 1000
//   delta[0]       = first_token; delta[k] = delta[k-1] + gap[k], where gap[k] is
//                    gaps_ms[k-1] when the step gives gaps_ms (explicit: a recording's pace),
//                    else a fresh chunk_gap_ms sample
//                    (deltas counted across outputs in order: text chunks first, then each
//                    tool call's argument pieces: argument_pieces when given, else the
//                    arguments split into argument_chunks)
//   a file search is issued at first_token and delta[0] comes when it ends, file_search
//                    latency_ms later, instead of at first_token; each hosted tool call is
//                    issued when the one before it ends, and delta[0] waits for the last
//   reasoning        = its own timeline, before all of the above: its first delta at
//                    response_start + prefill + ttfr_ms, each later one its own gap after the
//                    previous; the answer cannot overtake it, so first_token becomes
//                    max(first_token, the last reasoning delta)
//   an output's completion events reach the client with its last delta; the end of the
//   step (response.completed, or the whole non-streamed body) with the last delta overall
//   (first_token when the step has no output at all).
//
// So with network_rtt 0, queue 0 and prefill 0, a step with processing_ms P, ttft_ms T and
// gaps_ms G plays its headers at P, its first delta at P + T and each later delta at the
// running sum of G: any recorded timeline can be written down exactly.
//
// Draw order, from Rng(DeriveSeed(seed, "turn:<t>/step:<s>")): rtt, queue, processing, ttft,
// the reasoning's ttfr and gaps, then the gaps in delta order (a file search's and each hosted
// tool's latency in its place among them). A fixed
// value, and an explicit gaps_ms, consume no randomness. Keying the stream by turn and step
// (not by request order) gives every variant the same model behaviour.
//
// Token estimates (for usage; no tokenizer is involved):
//   input_tokens  = ceil(request body bytes / 4)
//   output_tokens = sum over all deltas of max(1, ceil(delta bytes / 4))
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/random.h"
#include "core/time.h"
#include "mocks/model/scenario.h"

namespace agentreplay::mocks {

int64_t EstimateInputTokens(size_t request_body_bytes);
int64_t EstimateOutputTokens(std::string_view delta);

// Splits `text` into `pieces` near-equal byte ranges whose boundaries never fall inside a
// UTF-8 sequence. The piece count is capped at the number of code points (at least 1), so
// no piece is empty unless `text` is.
std::vector<std::string> SplitUtf8(std::string_view text, int pieces);

struct PlannedDelta {
  Duration at{0};
  std::string text;
};

struct PlannedOutput {
  enum class Kind { kText, kToolCall, kFileSearch, kReasoning, kHostedTool };
  Kind kind = Kind::kText;
  std::string tool_name;  // kToolCall: the function; kHostedTool: the type (web_search, ...)
  // The full text, the full arguments, the search query, the reasoning, or the hosted tool's
  // input (query, code, prompt, MCP arguments).
  std::string content;
  std::vector<PlannedDelta> deltas;  // never empty; they concatenate to `content` (a file
                                     // search has one empty delta: the moment it is issued)
  std::vector<std::string> results;  // kFileSearch: the documents found, best first
  std::vector<double> scores;        // kFileSearch: one per result, in [0, 1]
  Duration completed_at{0};          // kFileSearch, kHostedTool: when the call finished
  HostedToolScript hosted;           // kHostedTool: its script (output, name, ...)
  bool summary = true;               // kReasoning: a summary, not raw reasoning text

  Duration first_at() const { return deltas.front().at; }
  Duration last_at() const { return deltas.back().at; }
};

struct StepPlan {
  size_t turn = 0;
  size_t step = 0;
  Duration network_up{0};
  Duration queue{0};
  Duration processing{0};  // reported as openai-processing-ms
  Duration network_down{0};
  Duration response_start{0};
  Duration first_token{0};
  Duration end{0};
  // Reasoning first (if any), then a file search, the hosted tool calls, text (if any), and
  // the tool calls in script order.
  std::vector<PlannedOutput> outputs;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;     // reasoning tokens included, as the APIs count them
  int64_t reasoning_tokens = 0;  // of output_tokens
  bool refusal = false;          // the text is a refusal
  Incompletion incomplete = Incompletion::kNone;
};

class KnowledgeBase;

// The seed of a step's draws.
uint64_t StepSeed(uint64_t seed, size_t turn, size_t step);

// Whether the scenario scripts `step` of `turn`.
bool HasStep(const Scenario& scenario, size_t turn, size_t step);

// Plans a step the scenario scripts (HasStep must hold). `rng` is normally
// Rng(StepSeed(seed, turn, step)).
StepPlan PlanStep(const Scenario& scenario, size_t turn, size_t step, int64_t input_tokens,
                  Rng& rng, const KnowledgeBase* knowledge = nullptr);
// Plans `script` (the scripted step or the alternative a StepResolver chose) as step
// (turn, step). A file search's latency is drawn when its turn comes in delta order, and the
// next delta follows the end of the search with no gap.
//
// A file search's results are the scripted ones, scored 1 - 0.05 * position (at least 0), or,
// when the script names none, the top kFileSearchMaxResults hits of `knowledge` for its query
// with their index scores (knowledge_base.h); none without `knowledge`. Searching draws nothing.
StepPlan PlanStep(const Scenario& scenario, const StepScript& script, size_t turn, size_t step,
                  int64_t input_tokens, Rng& rng, const KnowledgeBase* knowledge = nullptr);

// Timing of a reply that involves no model work (an error, a retrieve): draws rtt then
// processing; the whole response reaches the client at rtt + processing.
struct QuickReplyTiming {
  Duration at{0};
  Duration processing{0};
};
QuickReplyTiming PlanQuickReply(const LatencyModel& latency, Rng& rng);

}  // namespace agentreplay::mocks
