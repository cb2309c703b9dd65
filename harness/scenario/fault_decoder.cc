#include "harness/scenario/fault_decoder.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <system_error>

#include "core/input_file.h"
#include "harness/scenario/json_locator.h"

namespace agentreplay::harness {
namespace {

using mocks::FaultKind;
using mocks::FaultRule;
using rapidjson::Value;

constexpr int kIntMax = std::numeric_limits<int>::max();

// One table per kind: the selection members every rule has, then the kind's parameters. The
// order is FaultKind's; the schema test compares scenarios/schemas/faults.schema.json to it.
constexpr std::string_view kPlain[] = {"kind", "endpoint", "requests", "probability"};
constexpr std::string_view kLatency[] = {"kind",        "endpoint",   "requests",
                                         "probability", "latency_ms", "jitter_ms"};
constexpr std::string_view kLatencyRequired[] = {"kind", "latency_ms"};
constexpr std::string_view kBandwidth[] = {"kind", "endpoint", "requests", "probability",
                                           "rate_kbps"};
constexpr std::string_view kBandwidthRequired[] = {"kind", "rate_kbps"};
constexpr std::string_view kSlowClose[] = {"kind", "endpoint", "requests", "probability",
                                           "delay_ms"};
constexpr std::string_view kSlowCloseRequired[] = {"kind", "delay_ms"};
constexpr std::string_view kTimeout[] = {"kind",        "endpoint",   "requests",
                                         "probability", "timeout_ms", "after_ms"};
constexpr std::string_view kResetPeer[] = {"kind", "endpoint", "requests", "probability",
                                           "timeout_ms"};
constexpr std::string_view kTimeoutRequired[] = {"kind", "timeout_ms"};
constexpr std::string_view kSlicer[] = {"kind",         "endpoint",       "requests", "probability",
                                        "average_size", "size_variation", "delay_us"};
constexpr std::string_view kSlicerRequired[] = {"kind", "average_size"};
constexpr std::string_view kLimitData[] = {"kind", "endpoint", "requests", "probability", "bytes"};
constexpr std::string_view kLimitDataRequired[] = {"kind", "bytes"};
constexpr std::string_view kHttpError[] = {"kind",        "endpoint", "requests",
                                           "probability", "status",   "retry_after_s",
                                           "type",        "code",     "message"};
constexpr std::string_view kHttpErrorRequired[] = {"kind", "status"};
constexpr std::string_view kStreamError[] = {"kind",         "endpoint", "requests", "probability",
                                             "after_events", "type",     "code",     "message"};
constexpr std::string_view kResponseFailed[] = {
    "kind", "endpoint", "requests", "probability", "after_events", "code", "message"};
constexpr std::string_view kRunFailed[] = {"kind",        "endpoint", "requests",
                                           "probability", "code",     "message"};
constexpr std::string_view kKindOnly[] = {"kind"};

constexpr ObjectFields kRuleFields[] = {
    {"empty_response", kPlain, kKindOnly},
    {"malformed_chunk", kPlain, kKindOnly},
    {"random_data_then_close", kPlain, kKindOnly},
    {"connection_reset", kPlain, kKindOnly},
    {"latency", kLatency, kLatencyRequired},
    {"bandwidth", kBandwidth, kBandwidthRequired},
    {"slow_close", kSlowClose, kSlowCloseRequired},
    {"timeout", kTimeout, kTimeoutRequired},
    {"reset_peer", kResetPeer, kTimeoutRequired},
    {"slicer", kSlicer, kSlicerRequired},
    {"limit_data", kLimitData, kLimitDataRequired},
    {"http_error", kHttpError, kHttpErrorRequired},
    {"stream_error_event", kStreamError, kKindOnly},
    {"response_failed", kResponseFailed, kKindOnly},
    {"run_failed", kRunFailed, kKindOnly},
    {"run_expired", kPlain, kKindOnly},
};
static_assert(std::size(kRuleFields) == static_cast<size_t>(FaultKind::kRunExpired) + 1);

constexpr std::string_view kFileKnown[] = {"schema", "faults"};
constexpr ObjectFields kFileFields = {"faults_file", kFileKnown, kFileKnown};

std::string Closest(std::string_view name, std::span<const std::string_view> candidates) {
  std::string_view best_name;
  std::size_t best = 3;  // suggest only within edit distance 2
  for (std::string_view c : candidates) {
    if (const std::size_t d = EditDistance(name, c); d < best) {
      best = d;
      best_name = c;
    }
  }
  return std::string(best_name);
}

class RuleDecoder {
 public:
  explicit RuleDecoder(FieldReader& reader) : reader_(reader) {}

  std::optional<FaultRule> Decode(const Value& v, const std::string& p) {
    if (!reader_.ExpectObject(v, p)) return std::nullopt;
    const Value* kind_value = FindField(v, "kind");
    if (kind_value == nullptr) {
      reader_.AtValue(p, fmt::format("missing required field 'kind' (one of: {})",
                                     fmt::join(mocks::FaultKindNames(), ", ")));
      return std::nullopt;
    }
    if (!kind_value->IsString()) {
      reader_.WrongType(*kind_value, p + "/kind", "a string");
      return std::nullopt;
    }
    const std::string_view name = AsView(*kind_value);
    const auto kind = mocks::ParseFaultKind(name);
    if (!kind) {
      const std::string closest = Closest(name, mocks::FaultKindNames());
      reader_.AtValue(p + "/kind", closest.empty()
                                       ? fmt::format("unknown fault kind '{}'; expected one of: {}",
                                                     name, fmt::join(mocks::FaultKindNames(), ", "))
                                       : fmt::format("unknown fault kind '{}'; did you mean '{}'?",
                                                     name, closest));
      return std::nullopt;
    }
    FaultRule rule;
    rule.kind = *kind;
    reader_.CheckMembers(v, p, kRuleFields[static_cast<size_t>(*kind)]);
    ReadSelection(v, p, rule);
    ReadParameters(v, p, rule);
    return rule;
  }

 private:
  void ReadSelection(const Value& v, const std::string& p, FaultRule& rule) {
    if (auto endpoint = reader_.ReadString(v, p, "endpoint")) {
      const auto known = mocks::FaultEndpoints();
      const std::string ep_pointer = p + "/endpoint";
      if (*endpoint != "*" && std::find(known.begin(), known.end(), *endpoint) == known.end()) {
        const std::string closest = Closest(*endpoint, known);
        reader_.AtValue(
            ep_pointer,
            closest.empty()
                ? fmt::format("unknown endpoint '{}'; expected \"*\" or one of: {}", *endpoint,
                              fmt::join(known, ", "))
                : fmt::format("unknown endpoint '{}'; did you mean '{}'?", *endpoint, closest));
      } else if (*endpoint != "*" && !mocks::FaultApplies(rule.kind, *endpoint)) {
        std::vector<std::string_view> where;
        for (std::string_view e : known) {
          if (mocks::FaultApplies(rule.kind, e)) where.push_back(e);
        }
        reader_.AtValue(ep_pointer, fmt::format("{} cannot happen on {}; it applies to: {}",
                                                mocks::FaultKindName(rule.kind), *endpoint,
                                                fmt::join(where, ", ")));
      } else {
        rule.endpoint = std::move(*endpoint);
      }
    }
    if (const Value* list = reader_.FindArray(v, p, "requests", "request index")) {
      const std::string list_pointer = p + "/requests";
      for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
        const Value& item = (*list)[i];
        const std::string item_pointer = AppendPointer(list_pointer, i);
        if (!item.IsNumber()) {
          reader_.WrongType(item, item_pointer, "an integer");
        } else if (const double n = item.GetDouble(); n < 0 || n != std::floor(n) || n > 1e9) {
          reader_.AtValue(item_pointer,
                          fmt::format("a request index must be an integer >= 0, got {:g}", n));
        } else {
          rule.requests.push_back(static_cast<size_t>(n));
        }
      }
    }
    if (auto probability = reader_.ReadBounded(v, p, "probability", 0, false)) {
      if (*probability > 1) {
        reader_.AtValue(p + "/probability",
                        fmt::format("probability must be <= 1, got {:g}", *probability));
      } else {
        rule.probability = *probability;
      }
    }
  }

  void ReadParameters(const Value& v, const std::string& p, FaultRule& rule) {
    auto ms = [&](std::string_view name, double& out) {
      if (auto n = reader_.ReadDuration(v, p, name)) out = *n;
    };
    auto integer = [&](std::string_view name, int min, auto& out) {
      if (auto n = reader_.ReadInteger(v, p, name, min, kIntMax)) out = *n;
    };
    ms("latency_ms", rule.latency_ms);
    ms("jitter_ms", rule.jitter_ms);
    ms("delay_ms", rule.delay_ms);
    ms("timeout_ms", rule.timeout_ms);
    ms("after_ms", rule.after_ms);
    if (auto n = reader_.ReadDuration(v, p, "delay_us", FieldReader::Unit::kMicroseconds)) {
      rule.delay_us = *n;
    }
    integer("rate_kbps", 1, rule.rate_kbps);
    integer("average_size", 1, rule.average_size);
    integer("size_variation", 0, rule.size_variation);
    integer("bytes", 0, rule.bytes);
    if (auto n = reader_.ReadInteger(v, p, "after_events", 0, kIntMax)) {
      rule.after_events = static_cast<size_t>(*n);
    }
    if (rule.kind == FaultKind::kSlicer && FindField(v, "size_variation") != nullptr &&
        rule.size_variation >= rule.average_size && rule.average_size > 0) {
      // Toxiproxy's slicer requires it: a piece is halved until within the variation.
      reader_.AtValue(p + "/size_variation",
                      fmt::format("size_variation must be < average_size ({}), got {}",
                                  rule.average_size, rule.size_variation));
    }
    if (auto status = reader_.ReadInteger(v, p, "status", 400, 599)) rule.status = *status;
    if (auto s = reader_.ReadDuration(v, p, "retry_after_s", FieldReader::Unit::kSeconds)) {
      rule.retry_after_s = *s;
    }
    if (auto type = reader_.ReadNonBlank(v, p, "type")) rule.type = std::move(*type);
    if (const Value* code = FindField(v, "code"); code != nullptr && code->IsNull()) {
      rule.code = std::string();  // null in the error object
    } else if (auto c = reader_.ReadNonBlank(v, p, "code")) {
      rule.code = std::move(*c);
    }
    if (auto message = reader_.ReadNonBlank(v, p, "message")) rule.message = std::move(*message);
  }

  FieldReader& reader_;
};

}  // namespace

std::vector<FaultRule> DecodeFaultRules(FieldReader& reader, const Value& obj,
                                        std::string_view at) {
  std::vector<FaultRule> rules;
  const Value* list = reader.FindArray(obj, at, "faults", "fault rule");
  if (list == nullptr) return rules;
  RuleDecoder decoder(reader);
  const std::string pointer = AppendPointer(at, "faults");
  for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
    if (auto rule = decoder.Decode((*list)[i], AppendPointer(pointer, i))) {
      rules.push_back(std::move(*rule));
    }
  }
  return rules;
}

Expected<std::vector<mocks::FaultRule>> ParseFaultsFile(std::string_view json_text,
                                                        std::string_view file_name) {
  const std::string file(file_name);
  const LocatedJson json = ParseLocated(json_text);
  if (auto problem = SyntaxProblem(json_text, json, file)) return Failure(std::move(*problem));
  std::vector<mocks::FaultRule> rules;
  FieldReader reader(file, json.locator);
  reader.ReportDuplicates();
  const Value& root = json.document;
  if (reader.ExpectObject(root, "")) {
    reader.CheckMembers(root, "", kFileFields);
    if (auto schema = reader.ReadString(root, "", "schema");
        schema && *schema != mocks::kFaultsSchemaV1) {
      reader.AtValue("/schema", fmt::format("unsupported schema '{}'; expected '{}'", *schema,
                                            mocks::kFaultsSchemaV1));
    }
    rules = DecodeFaultRules(reader, root, "");
  }
  std::vector<Diagnostic> errors = reader.TakeErrors();
  if (!errors.empty()) return Failure(std::move(errors));
  return rules;
}

Expected<std::vector<mocks::FaultRule>> LoadFaultsFile(const std::filesystem::path& path) {
  Expected<std::string> text = ReadInputFile(path);
  if (!text) return text.failure();
  return ParseFaultsFile(*text, path.string());
}

std::span<const ObjectFields> FaultRuleFields() { return kRuleFields; }

}  // namespace agentreplay::harness
