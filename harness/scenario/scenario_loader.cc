#include "harness/scenario/scenario_loader.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "harness/scenario/field_reader.h"
#include "harness/scenario/json_locator.h"

namespace agentreplay::harness {
namespace {

using mocks::Dist;
using rapidjson::Value;

// The field tables are the single source of truth for which members each object allows; the
// schema test compares scenarios/scenario.schema.json against them.
enum ObjectKind : std::size_t {
  kScenarioObject,
  kLatencyObject,
  kToolObject,
  kTurnObject,
  kStepObject,
  kToolCallObject,
  kExpectObject,
  kDistFixedObject,
  kDistLognormalObject,
  kDistUniformObject,
};

constexpr std::string_view kScenarioKnown[] = {"schema", "name",         "description",
                                               "model",  "instructions", "latency",
                                               "tools",  "proxy_hop_ms", "turns"};
constexpr std::string_view kScenarioRequired[] = {"schema", "name", "description", "turns"};
constexpr std::string_view kLatencyKnown[] = {"network_rtt_ms", "queue_ms", "processing_ms",
                                              "prefill_ms_per_1k_input_tokens"};
constexpr std::string_view kToolKnown[] = {"latency_ms"};
constexpr std::string_view kTurnKnown[] = {"user", "steps", "expect"};
constexpr std::string_view kTurnRequired[] = {"user", "steps"};
constexpr std::string_view kStepKnown[] = {"ttft_ms", "chunk_gap_ms", "text", "chunks",
                                           "tool_calls"};
constexpr std::string_view kToolCallKnown[] = {"name", "arguments", "argument_chunks"};
constexpr std::string_view kToolCallRequired[] = {"name"};
constexpr std::string_view kExpectKnown[] = {"answer_contains", "tools_called"};
constexpr std::string_view kDistFixed[] = {"dist", "value"};
constexpr std::string_view kDistLognormal[] = {"dist", "median", "sigma"};
constexpr std::string_view kDistUniform[] = {"dist", "min", "max"};
constexpr std::span<const std::string_view> kNone;

constexpr ObjectFields kFields[] = {
    {"scenario", kScenarioKnown, kScenarioRequired},
    {"latency", kLatencyKnown, kNone},
    {"tool", kToolKnown, kNone},
    {"turn", kTurnKnown, kTurnRequired},
    {"step", kStepKnown, kNone},
    {"tool_call", kToolCallKnown, kToolCallRequired},
    {"expect", kExpectKnown, kNone},
    {"dist_fixed", kDistFixed, kDistFixed},
    {"dist_lognormal", kDistLognormal, kDistLognormal},
    {"dist_uniform", kDistUniform, kDistUniform},
};

constexpr std::string_view kDistKinds = "fixed, lognormal, uniform";

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::size_t CodePoints(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; }));
}

std::string Compact(const Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

// Turns a DOM into a Scenario: which fields exist, what they mean and the rules between them.
// Checking and reporting go through FieldReader, which keeps going past bad values so that
// every problem in the file is found.
class ScenarioDecoder {
 public:
  ScenarioDecoder(std::string_view file, const JsonLocator& locator) : reader_(file, locator) {}

  mocks::Scenario DecodeScenario(const Value& root) {
    mocks::Scenario s;
    reader_.ReportDuplicates();
    if (!reader_.ExpectObject(root, "")) return s;
    reader_.CheckMembers(root, "", kFields[kScenarioObject]);
    if (auto v = reader_.ReadString(root, "", "schema")) {
      if (*v != mocks::kScenarioSchemaV1) {
        reader_.AtValue("/schema", fmt::format("unsupported schema '{}'; expected '{}'", *v,
                                               mocks::kScenarioSchemaV1));
      }
    }
    if (auto v = reader_.ReadString(root, "", "name")) {
      const bool valid = !v->empty() && std::all_of(v->begin(), v->end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
      });
      if (!valid) {
        reader_.AtValue("/name", fmt::format("name must match [a-z0-9_-]+, got '{}'", *v));
      }
      s.name = std::move(*v);
    }
    if (auto v = reader_.ReadNonBlank(root, "", "description")) s.description = std::move(*v);
    if (auto v = reader_.ReadNonBlank(root, "", "model")) s.model = std::move(*v);
    if (auto v = reader_.ReadString(root, "", "instructions")) s.instructions = std::move(*v);
    if (const Value* v = FindField(root, "latency"); v && reader_.ExpectObject(*v, "/latency")) {
      DecodeLatency(*v, s.latency);
    }
    if (const Value* v = FindField(root, "tools"); v && reader_.ExpectObject(*v, "/tools")) {
      DecodeTools(*v, s.tools);
    }
    if (auto d = ReadDist(root, "", "proxy_hop_ms")) s.proxy_hop_ms = *d;
    if (const Value* turns = reader_.FindArray(root, "", "turns", "turn")) {
      for (rapidjson::SizeType i = 0; i < turns->Size(); ++i) {
        s.turns.push_back(DecodeTurn((*turns)[i], AppendPointer("/turns", i)));
      }
    }
    return s;
  }

  std::vector<Diagnostic> TakeErrors() { return reader_.TakeErrors(); }

 private:
  // A distribution: a non-negative number (fixed) or {"dist": kind, parameters...}.
  std::optional<Dist> ReadDist(const Value& obj, std::string_view at, std::string_view name) {
    const Value* v = FindField(obj, name);
    if (!v) return std::nullopt;
    const std::string pointer = AppendPointer(at, name);
    if (v->IsNumber()) {
      if (v->GetDouble() < 0) {
        reader_.AtValue(pointer, fmt::format("{} must be >= 0, got {:g}", name, v->GetDouble()));
        return std::nullopt;
      }
      return Dist::Fixed(v->GetDouble());
    }
    if (!v->IsObject()) {
      reader_.WrongType(*v, pointer, "a number or a distribution object");
      return std::nullopt;
    }
    const Value* kind = FindField(*v, "dist");
    if (!kind) {
      reader_.AtValue(pointer,
                      fmt::format("missing required field 'dist' (one of: {})", kDistKinds));
      return std::nullopt;
    }
    const std::string kind_pointer = pointer + "/dist";
    if (!kind->IsString()) {
      reader_.WrongType(*kind, kind_pointer, "a string");
      return std::nullopt;
    }
    const std::string_view k = AsView(*kind);
    if (k == "fixed") {
      reader_.CheckMembers(*v, pointer, kFields[kDistFixedObject]);
      auto value = reader_.ReadBounded(*v, pointer, "value", 0, false);
      return value ? std::optional(Dist::Fixed(*value)) : std::nullopt;
    }
    if (k == "lognormal") {
      reader_.CheckMembers(*v, pointer, kFields[kDistLognormalObject]);
      auto median = reader_.ReadBounded(*v, pointer, "median", 0, true);
      auto sigma = reader_.ReadBounded(*v, pointer, "sigma", 0, false);
      return median && sigma ? std::optional(Dist::Lognormal(*median, *sigma)) : std::nullopt;
    }
    if (k == "uniform") {
      reader_.CheckMembers(*v, pointer, kFields[kDistUniformObject]);
      auto lo = reader_.ReadBounded(*v, pointer, "min", 0, false);
      auto hi = reader_.ReadNumber(*v, pointer, "max");
      if (!lo || !hi) return std::nullopt;
      if (*lo > *hi) {
        reader_.AtValue(pointer, fmt::format("min must be <= max (min {:g}, max {:g})", *lo, *hi));
        return std::nullopt;
      }
      return Dist::Uniform(*lo, *hi);
    }
    reader_.AtValue(kind_pointer,
                    fmt::format("unknown distribution '{}'; expected one of: {}", k, kDistKinds));
    return std::nullopt;
  }

  void DecodeLatency(const Value& v, mocks::LatencyModel& latency) {
    reader_.CheckMembers(v, "/latency", kFields[kLatencyObject]);
    if (auto d = ReadDist(v, "/latency", "network_rtt_ms")) latency.network_rtt_ms = *d;
    if (auto d = ReadDist(v, "/latency", "queue_ms")) latency.queue_ms = *d;
    if (auto d = ReadDist(v, "/latency", "processing_ms")) latency.processing_ms = *d;
    if (auto n = reader_.ReadBounded(v, "/latency", "prefill_ms_per_1k_input_tokens", 0, false)) {
      latency.prefill_ms_per_1k_input_tokens = *n;
    }
  }

  void DecodeTools(const Value& v, std::map<std::string, mocks::ToolBehaviour>& tools) {
    for (const auto& member : v.GetObject()) {
      const std::string_view name = AsView(member.name);
      const std::string pointer = AppendPointer("/tools", name);
      if (IsBlank(name)) reader_.AtKey(pointer, "tool name must not be empty");
      if (!reader_.ExpectObject(member.value, pointer)) continue;
      reader_.CheckMembers(member.value, pointer, kFields[kToolObject]);
      mocks::ToolBehaviour behaviour;
      if (auto d = ReadDist(member.value, pointer, "latency_ms")) behaviour.latency_ms = *d;
      tools.emplace(name, behaviour);  // a duplicate name keeps the first, as FindMember does
    }
  }

  mocks::TurnScript DecodeTurn(const Value& v, const std::string& pointer) {
    mocks::TurnScript turn;
    if (!reader_.ExpectObject(v, pointer)) return turn;
    reader_.CheckMembers(v, pointer, kFields[kTurnObject]);
    if (auto u = reader_.ReadNonBlank(v, pointer, "user")) turn.user = std::move(*u);
    if (const Value* steps = reader_.FindArray(v, pointer, "steps", "step")) {
      const std::string steps_pointer = pointer + "/steps";
      for (rapidjson::SizeType i = 0; i < steps->Size(); ++i) {
        turn.steps.push_back(
            DecodeStep((*steps)[i], AppendPointer(steps_pointer, i), i + 1 == steps->Size()));
      }
    }
    if (const Value* e = FindField(v, "expect");
        e && reader_.ExpectObject(*e, pointer + "/expect")) {
      const std::string expect_pointer = pointer + "/expect";
      reader_.CheckMembers(*e, expect_pointer, kFields[kExpectObject]);
      turn.expect.answer_contains =
          reader_.ReadStringList(*e, expect_pointer, "answer_contains", "entry");
      turn.expect.tools_called =
          reader_.ReadStringList(*e, expect_pointer, "tools_called", "entry");
    }
    return turn;
  }

  mocks::StepScript DecodeStep(const Value& v, const std::string& pointer, bool is_last) {
    mocks::StepScript step;
    if (!reader_.ExpectObject(v, pointer)) return step;
    reader_.CheckMembers(v, pointer, kFields[kStepObject]);
    if (auto d = ReadDist(v, pointer, "ttft_ms")) step.ttft_ms = *d;
    if (auto d = ReadDist(v, pointer, "chunk_gap_ms")) step.chunk_gap_ms = *d;
    const bool has_text = FindField(v, "text") != nullptr;
    const bool has_chunks = FindField(v, "chunks") != nullptr;
    const bool has_calls = FindField(v, "tool_calls") != nullptr;
    if (has_text && has_chunks) {
      reader_.AtKey(pointer + "/chunks",
                    "'text' and 'chunks' are mutually exclusive; give one of them");
    }
    if (has_text) {
      auto text = reader_.ReadString(v, pointer, "text");
      if (text && text->empty()) reader_.AtValue(pointer + "/text", "text must not be empty");
      if (text) step.text_chunks = SplitTextIntoChunks(*text);
    } else if (has_chunks) {
      step.text_chunks = reader_.ReadStringList(v, pointer, "chunks", "chunk");
    }
    if (const Value* calls = reader_.FindArray(v, pointer, "tool_calls", "call")) {
      const std::string calls_pointer = pointer + "/tool_calls";
      for (rapidjson::SizeType i = 0; i < calls->Size(); ++i) {
        if (auto call = DecodeToolCall((*calls)[i], AppendPointer(calls_pointer, i))) {
          step.tool_calls.push_back(std::move(*call));
        }
      }
    }
    // Presence, not validity, decides these rules, so a malformed field is reported once.
    if (is_last && !has_text && !has_chunks) {
      reader_.AtValue(pointer,
                      "the last step of a turn must contain 'text' or 'chunks' (the final answer)");
    }
    if (!is_last && !has_calls) {
      reader_.AtValue(
          pointer,
          "a step before the last must contain 'tool_calls' (otherwise the agent has nothing "
          "to continue with)");
    }
    return step;
  }

  std::optional<mocks::ToolCallScript> DecodeToolCall(const Value& v, const std::string& pointer) {
    if (!reader_.ExpectObject(v, pointer)) return std::nullopt;
    reader_.CheckMembers(v, pointer, kFields[kToolCallObject]);
    mocks::ToolCallScript call;
    if (auto name = reader_.ReadNonBlank(v, pointer, "name")) call.name = std::move(*name);
    call.arguments = "{}";
    if (const Value* args = FindField(v, "arguments");
        args && reader_.ExpectObject(*args, pointer + "/arguments")) {
      call.arguments = Compact(*args);
    }
    if (const Value* n = FindField(v, "argument_chunks")) {
      // Like JSON Schema's "integer", 4.0 counts as an integer.
      const std::string n_pointer = pointer + "/argument_chunks";
      const double count = n->IsNumber() ? n->GetDouble() : 0;
      if (!n->IsNumber()) {
        reader_.WrongType(*n, n_pointer, "an integer");
      } else if (count != std::floor(count) || count > std::numeric_limits<int>::max()) {
        reader_.AtValue(n_pointer,
                        fmt::format("argument_chunks must be an integer >= 1, got {:g}", count));
      } else if (count < 1) {
        reader_.AtValue(n_pointer, fmt::format("argument_chunks must be >= 1, got {:g}", count));
      } else if (count > static_cast<double>(CodePoints(call.arguments))) {
        reader_.AtValue(n_pointer,
                        fmt::format("argument_chunks ({:g}) must not exceed the length of the "
                                    "serialised arguments ({} characters)",
                                    count, CodePoints(call.arguments)));
      } else {
        call.argument_chunks = static_cast<int>(count);
      }
    }
    return call;
  }

  FieldReader reader_;
};

}  // namespace

std::string Diagnostic::ToString() const {
  const std::string_view shown = pointer.empty() ? std::string_view{"/"} : pointer;
  if (line == 0) return fmt::format("{}: {}: {}", file, shown, message);
  return fmt::format("{}:{}:{}: {}: {}", file, line, column, shown, message);
}

LoadResult ParseScenario(std::string_view json_text, std::string_view file_name) {
  LoadResult result;
  const std::string file(file_name);
  const std::string_view bom = "\xEF\xBB\xBF";
  if (IsBlank(json_text.starts_with(bom) ? json_text.substr(bom.size()) : json_text)) {
    result.errors.push_back({file, "", 1, 1, "file is empty"});
    return result;
  }
  const LocatedJson json = ParseLocated(json_text);
  if (json.error) {
    const JsonSyntaxError& e = *json.error;
    const TextPosition at = json.locator.PositionOf(e.offset);
    // Nothing but whitespace after the point of failure: the file was cut short.
    const bool truncated = IsBlank(json_text.substr(std::min(e.offset, json_text.size())));
    result.errors.push_back(
        {file, e.pointer, at.line, at.column,
         fmt::format("{}: {}", truncated ? "unexpected end of file" : "invalid JSON", e.message)});
    return result;
  }
  ScenarioDecoder decoder(file, json.locator);
  mocks::Scenario scenario = decoder.DecodeScenario(json.document);
  scenario.source_path = file;
  result.errors = decoder.TakeErrors();
  if (result.errors.empty()) result.scenario = std::move(scenario);
  return result;
}

LoadResult LoadScenarioFile(const std::filesystem::path& path) {
  const std::string file = path.string();
  auto unreadable = [&](const std::string& why) {
    LoadResult result;
    result.errors.push_back({file, "", 0, 0, "cannot read file: " + why});
    return result;
  };
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return unreadable("it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return unreadable(std::generic_category().message(errno));
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return unreadable(std::generic_category().message(errno));
  return ParseScenario(text, file);
}

std::vector<std::string> SplitTextIntoChunks(std::string_view text) {
  std::vector<std::string> chunks;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t start = i;
    while (i < text.size() && IsSpace(text[i])) ++i;
    if (i == text.size()) {  // trailing whitespace: no word of its own to lead
      if (chunks.empty()) {
        chunks.emplace_back(text.substr(start));
      } else {
        chunks.back().append(text.substr(start));
      }
      break;
    }
    while (i < text.size() && !IsSpace(text[i])) ++i;
    chunks.emplace_back(text.substr(start, i - start));
  }
  return chunks;
}

std::span<const ObjectFields> FormatV1Fields() { return kFields; }

}  // namespace agentreplay::harness
