#include "harness/scenario/format_v1.h"

#include <fmt/format.h>

#include <iterator>
#include <span>
#include <string>

#include "core/time.h"
#include "harness/scenario/json_locator.h"

namespace agentreplay::harness::format_v1 {
namespace {

using mocks::Dist;
using rapidjson::Value;

// The field tables are the single source of truth for which members each object allows; the
// schema test compares scenarios/schemas/scenario.schema.json against them. The order within a
// table is the order "allowed: ..." lists them in.
constexpr std::string_view kScenarioKnown[] = {
    "schema",       "name",      "description", "model", "instructions", "latency", "tools",
    "proxy_hop_ms", "documents", "workspace",   "turns", "faults",       "source",  "variants"};
constexpr std::string_view kScenarioRequired[] = {"schema", "name", "description", "turns"};
constexpr std::string_view kSourceKnown[] = {"kind", "origin"};
constexpr std::string_view kSourceRequired[] = {"kind"};
constexpr std::string_view kLatencyKnown[] = {"network_rtt_ms", "queue_ms",
                                              "processing_ms",  "prefill_ms_per_1k_input_tokens",
                                              "connect_ms",     "tls_handshake_ms"};
constexpr std::string_view kToolKnown[] = {"latency_ms", "call_latency_ms", "proxy_hop_ms",
                                           "progress", "timeout_ms"};
constexpr std::string_view kTurnKnown[] = {"user", "steps", "expect"};
constexpr std::string_view kTurnRequired[] = {"user", "steps"};
constexpr std::string_view kStepKnown[] = {
    "ttft_ms",    "chunk_gap_ms", "file_search",  "text",          "chunks",
    "tool_calls", "faults",       "alternatives", "processing_ms", "gaps_ms",
    "reasoning",  "hosted_tools", "refusal",      "incomplete"};
// A step that replaces another may not have faults (those of the step it replaces are answered
// before any alternative is chosen) nor alternatives (they do not nest).
constexpr std::string_view kAlternativeStepKnown[] = {
    "ttft_ms",       "chunk_gap_ms", "file_search", "text",         "chunks",  "tool_calls",
    "processing_ms", "gaps_ms",      "reasoning",   "hosted_tools", "refusal", "incomplete"};
constexpr std::string_view kReasoningKnown[] = {"text",         "chunks",  "ttfr_ms",
                                                "chunk_gap_ms", "gaps_ms", "kind"};
constexpr std::string_view kHostedToolKnown[] = {"type",         "input",      "output", "name",
                                                 "server_label", "latency_ms", "fails"};
constexpr std::string_view kHostedToolRequired[] = {"type"};
constexpr std::string_view kToolCallKnown[] = {"name", "arguments", "argument_chunks",
                                               "argument_pieces"};
constexpr std::string_view kToolCallRequired[] = {"name"};
constexpr std::string_view kFileSearchKnown[] = {"query", "latency_ms", "results"};
constexpr std::string_view kFileSearchRequired[] = {"query"};
constexpr std::string_view kFaultKnown[] = {"status", "retry_after_s", "type", "code", "message"};
constexpr std::string_view kFaultRequired[] = {"status"};
constexpr std::string_view kAlternativeKnown[] = {"when", "step"};
constexpr std::string_view kConditionKnown[] = {"tool_not_offered", "tools_offered_at_least"};
constexpr std::string_view kExpectKnown[] = {"answer_contains",      "tools_called",
                                             "file_search_used",     "data",
                                             "tool_output_contains", "tool_errors_allowed"};
constexpr std::string_view kWorkspaceKnown[] = {"entries", "blobs"};
constexpr std::string_view kDataEntryKnown[] = {"category", "title", "content", "tags"};
constexpr std::string_view kDataEntryRequired[] = {"category", "title", "content"};
constexpr std::string_view kDataExpectationKnown[] = {"category", "title_contains",
                                                      "content_contains", "tags", "exists"};
constexpr std::string_view kDataExpectationRequired[] = {"category"};
constexpr std::string_view kDistFixedKnown[] = {"dist", "value"};
constexpr std::string_view kDistLognormalKnown[] = {"dist", "median", "sigma"};
constexpr std::string_view kDistUniformKnown[] = {"dist", "min", "max"};
constexpr std::span<const std::string_view> kNone;

constexpr ObjectFields kFields[] = {
    {"scenario", kScenarioKnown, kScenarioRequired},
    {"latency", kLatencyKnown, kNone},
    {"tool", kToolKnown, kNone},
    {"turn", kTurnKnown, kTurnRequired},
    {"step", kStepKnown, kNone},
    {"alternative_step", kAlternativeStepKnown, kNone},
    {"tool_call", kToolCallKnown, kToolCallRequired},
    {"file_search", kFileSearchKnown, kFileSearchRequired},
    {"fault", kFaultKnown, kFaultRequired},
    {"alternative", kAlternativeKnown, kAlternativeKnown},
    {"condition", kConditionKnown, kNone},
    {"expect", kExpectKnown, kNone},
    {"workspace", kWorkspaceKnown, kNone},
    {"data_entry", kDataEntryKnown, kDataEntryRequired},
    {"data_expectation", kDataExpectationKnown, kDataExpectationRequired},
    {"dist_fixed", kDistFixedKnown, kDistFixedKnown},
    {"dist_lognormal", kDistLognormalKnown, kDistLognormalKnown},
    {"dist_uniform", kDistUniformKnown, kDistUniformKnown},
    {"reasoning", kReasoningKnown, kNone},
    {"hosted_tool", kHostedToolKnown, kHostedToolRequired},
    {"source", kSourceKnown, kSourceRequired},
};
static_assert(std::size(kFields) == kSource + 1, "one table entry per Object, in order");

constexpr std::string_view kDistKinds = "fixed, lognormal, uniform";

// A lognormal's spread: at sigma 5 the 99.9th percentile is already 5 million times the median;
// more only makes draws that hit the one-hour bound (Dist::Sample clamps to it).
constexpr double kMaxSigma = 5.0;

}  // namespace

const ObjectFields& Fields(Object object) { return kFields[object]; }

std::optional<Dist> ReadDist(FieldReader& reader, const Value& obj, std::string_view at,
                             std::string_view name) {
  const Value* v = FindField(obj, name);
  if (!v) return std::nullopt;
  return ReadDistValue(reader, *v, AppendPointer(at, name), name);
}

std::optional<std::vector<Dist>> ReadDistList(FieldReader& reader, const Value& obj,
                                              std::string_view at, std::string_view name) {
  const Value* list = reader.FindArray(obj, at, name, "distribution");
  if (!list) return std::nullopt;
  const std::string pointer = AppendPointer(at, name);
  std::vector<Dist> out;
  bool ok = true;
  for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
    auto d = ReadDistValue(reader, (*list)[i], AppendPointer(pointer, i), name);
    ok = ok && d.has_value();
    if (d) out.push_back(*d);
  }
  return ok ? std::optional(std::move(out)) : std::nullopt;
}

std::optional<Dist> ReadDistValue(FieldReader& reader, const Value& given,
                                  const std::string& pointer, std::string_view name) {
  const Value* v = &given;
  if (v->IsNumber()) {
    const double ms = v->GetDouble();
    if (ms < 0) {
      reader.AtValue(pointer, fmt::format("{} must be >= 0, got {:g}", name, ms));
      return std::nullopt;
    }
    if (ms > kMaxInputDurationMs) {
      reader.AtValue(pointer, fmt::format("{} must be at most {:.0f} (one hour), got {:g}", name,
                                          kMaxInputDurationMs, ms));
      return std::nullopt;
    }
    return Dist::Fixed(ms);
  }
  if (!v->IsObject()) {
    reader.WrongType(*v, pointer, "a number or a distribution object");
    return std::nullopt;
  }
  const Value* kind = FindField(*v, "dist");
  if (!kind) {
    reader.AtValue(pointer, fmt::format("missing required field 'dist' (one of: {})", kDistKinds));
    return std::nullopt;
  }
  const std::string kind_pointer = pointer + "/dist";
  if (!kind->IsString()) {
    reader.WrongType(*kind, kind_pointer, "a string");
    return std::nullopt;
  }
  const std::string_view k = AsView(*kind);
  if (k == "fixed") {
    reader.CheckMembers(*v, pointer, Fields(kDistFixed));
    auto value = reader.ReadDuration(*v, pointer, "value");
    return value ? std::optional(Dist::Fixed(*value)) : std::nullopt;
  }
  if (k == "lognormal") {
    reader.CheckMembers(*v, pointer, Fields(kDistLognormal));
    auto median = reader.ReadBounded(*v, pointer, "median", 0, true);
    if (median) median = reader.ReadDuration(*v, pointer, "median");
    auto sigma = reader.ReadBounded(*v, pointer, "sigma", 0, false);
    if (sigma && *sigma > kMaxSigma) {
      reader.AtValue(pointer + "/sigma",
                     fmt::format("sigma must be at most {:g}, got {:g}", kMaxSigma, *sigma));
      sigma.reset();
    }
    return median && sigma ? std::optional(Dist::Lognormal(*median, *sigma)) : std::nullopt;
  }
  if (k == "uniform") {
    reader.CheckMembers(*v, pointer, Fields(kDistUniform));
    auto lo = reader.ReadDuration(*v, pointer, "min");
    auto hi = reader.ReadDuration(*v, pointer, "max");
    if (!lo || !hi) return std::nullopt;
    if (*lo > *hi) {
      reader.AtValue(pointer, fmt::format("min must be <= max (min {:g}, max {:g})", *lo, *hi));
      return std::nullopt;
    }
    return Dist::Uniform(*lo, *hi);
  }
  reader.AtValue(kind_pointer,
                 fmt::format("unknown distribution '{}'; expected one of: {}", k, kDistKinds));
  return std::nullopt;
}

}  // namespace agentreplay::harness::format_v1

namespace agentreplay::harness {

std::span<const ObjectFields> FormatV1Fields() { return format_v1::kFields; }

}  // namespace agentreplay::harness
