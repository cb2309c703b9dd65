#include "harness/scenario/step_decoder.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>

#include "core/time.h"
#include "harness/scenario/format_v1.h"
#include "harness/scenario/json_locator.h"
#include "harness/scenario/scenario_loader.h"
#include "json/json_text.h"
#include "mocks/model/step_planner.h"

namespace agentreplay::harness {
namespace {

using format_v1::Fields;
using format_v1::ReadDist;
using rapidjson::Value;

// Step fields an alternative step may not have; each gets a message saying why.
constexpr std::string_view kNotInAlternative[] = {"faults", "alternatives"};

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

bool Has(const Value& obj, std::string_view name) {
  return obj.IsObject() && FindField(obj, name) != nullptr;
}

// The same JSON value: objects by member (in any order), numbers by value.
bool SameJson(const Value& a, const Value& b) {
  if (a.IsNumber() && b.IsNumber()) {
    if (a.IsDouble() || b.IsDouble()) return a.GetDouble() == b.GetDouble();
    if (a.IsUint64() && b.IsUint64()) return a.GetUint64() == b.GetUint64();
    return a.IsInt64() && b.IsInt64() && a.GetInt64() == b.GetInt64();
  }
  if (a.GetType() != b.GetType()) return false;
  if (a.IsString()) return AsView(a) == AsView(b);
  if (a.IsArray()) {
    if (a.Size() != b.Size()) return false;
    for (rapidjson::SizeType i = 0; i < a.Size(); ++i) {
      if (!SameJson(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.IsObject()) {
    if (a.MemberCount() != b.MemberCount()) return false;
    return std::all_of(a.MemberBegin(), a.MemberEnd(), [&b](const auto& member) {
      const Value* other = FindField(b, AsView(member.name));
      return other != nullptr && SameJson(member.value, *other);
    });
  }
  return true;  // null, true, false: the type says it all
}

// The replacement step of an alternative, or nullptr when the alternative is malformed.
const Value* ReplacementOf(const Value& alternative) {
  const Value* step = alternative.IsObject() ? FindField(alternative, "step") : nullptr;
  return step && step->IsObject() ? step : nullptr;
}

// Whether the step, or one of its alternatives, calls tools: only then can the turn go on to
// the next step. Malformed alternatives count as not calling (they are reported anyway).
bool SomeFormCallsTools(const Value& step) {
  if (Has(step, "tool_calls")) return true;
  const Value* alternatives = step.IsObject() ? FindField(step, "alternatives") : nullptr;
  if (!alternatives || !alternatives->IsArray()) return false;
  return std::any_of(alternatives->Begin(), alternatives->End(), [](const Value& a) {
    const Value* replacement = ReplacementOf(a);
    return replacement && Has(*replacement, "tool_calls");
  });
}

// Where a step sits in its turn, which decides the rules it must follow.
struct StepRole {
  bool is_last = false;         // it must hold the final answer
  bool is_alternative = false;  // it replaces a scripted step
  // Some form of the step (it or an alternative) calls tools, so the turn can go on past it;
  // a form that calls none then ends the turn and must hold the answer.
  bool turn_goes_on = false;
};

class StepDecoder {
 public:
  StepDecoder(FieldReader& reader, const KnownDocuments& documents)
      : reader_(reader), documents_(documents) {}

  mocks::StepScript DecodeStep(const Value& v, const std::string& pointer, const StepRole& role) {
    mocks::StepScript step;
    if (!reader_.ExpectObject(v, pointer)) return step;
    if (role.is_alternative) {
      reader_.CheckMembers(v, pointer, Fields(format_v1::kAlternativeStep), kNotInAlternative);
      ReportNotInAlternative(v, pointer);
    } else {
      reader_.CheckMembers(v, pointer, Fields(format_v1::kStep));
    }
    if (auto d = ReadDist(reader_, v, pointer, "ttft_ms")) step.ttft_ms = *d;
    if (auto d = ReadDist(reader_, v, pointer, "chunk_gap_ms")) step.chunk_gap_ms = *d;
    step.processing_ms = ReadDist(reader_, v, pointer, "processing_ms");
    if (const Value* search = FindField(v, "file_search")) {
      step.file_search = DecodeFileSearch(*search, pointer + "/file_search");
    }
    if (const Value* reasoning = FindField(v, "reasoning")) {
      step.reasoning = DecodeReasoning(*reasoning, pointer + "/reasoning");
    }
    if (const Value* tools = reader_.FindArray(v, pointer, "hosted_tools", "hosted tool")) {
      const std::string tools_pointer = pointer + "/hosted_tools";
      for (rapidjson::SizeType i = 0; i < tools->Size(); ++i) {
        if (auto tool = DecodeHostedTool((*tools)[i], AppendPointer(tools_pointer, i))) {
          step.hosted_tools.push_back(std::move(*tool));
        }
      }
    }
    DecodeEnding(v, pointer, step);
    // Whether every delta of the step is known, so that gaps_ms can be counted against them.
    bool deltas_known = DecodeText(v, pointer, step);
    if (const Value* calls = reader_.FindArray(v, pointer, "tool_calls", "call");
        calls != nullptr &&
        reader_.CheckLength(*calls, pointer + "/tool_calls", "tool call", kMaxToolCallsPerStep)) {
      const std::string calls_pointer = pointer + "/tool_calls";
      for (rapidjson::SizeType i = 0; i < calls->Size(); ++i) {
        bool pieces_known = false;
        if (auto call =
                DecodeToolCall((*calls)[i], AppendPointer(calls_pointer, i), pieces_known)) {
          step.tool_calls.push_back(std::move(*call));
        }
        deltas_known = deltas_known && pieces_known;
      }
    } else {
      deltas_known = deltas_known && !Has(v, "tool_calls");
    }
    DecodeGaps(v, pointer, deltas_known, step);
    if (!role.is_alternative) {
      if (const Value* faults = reader_.FindArray(v, pointer, "faults", "fault")) {
        const std::string faults_pointer = pointer + "/faults";
        for (rapidjson::SizeType i = 0; i < faults->Size(); ++i) {
          step.faults.push_back(DecodeFault((*faults)[i], AppendPointer(faults_pointer, i)));
        }
      }
      DecodeAlternatives(v, pointer, role, step);
    }
    CheckStepRules(v, pointer, role);
    return step;
  }

 private:
  void ReportNotInAlternative(const Value& v, const std::string& pointer) {
    if (Has(v, "faults")) {
      reader_.AtKey(pointer + "/faults",
                    "an alternative step must not contain 'faults' (the faults of the step it "
                    "replaces are answered before an alternative is chosen)");
    }
    if (Has(v, "alternatives")) {
      reader_.AtKey(pointer + "/alternatives",
                    "an alternative step must not contain 'alternatives' (alternatives do not "
                    "nest)");
    }
  }

  // Returns whether the text's deltas are known (no text, or text that decoded cleanly).
  bool DecodeText(const Value& v, const std::string& pointer, mocks::StepScript& step) {
    const bool has_text = Has(v, "text");
    const bool has_chunks = Has(v, "chunks");
    if (has_text && has_chunks) {
      reader_.AtKey(pointer + "/chunks",
                    "'text' and 'chunks' are mutually exclusive; give one of them");
      return false;
    }
    if (has_text) {
      auto text = reader_.ReadString(v, pointer, "text");
      if (text && text->empty()) reader_.AtValue(pointer + "/text", "text must not be empty");
      if (text) step.text_chunks = SplitTextIntoChunks(*text);
      return text && !text->empty();
    }
    if (has_chunks) {
      step.text_chunks = reader_.ReadStringList(v, pointer, "chunks", "chunk");
      const Value* chunks = FindField(v, "chunks");
      return chunks->IsArray() && chunks->Size() == step.text_chunks.size();
    }
    return true;
  }

  // gaps_ms: one non-negative gap per delta but the first, replacing chunk_gap_ms. The count
  // is checked only when every delta decoded, so one mistake is not reported twice.
  void DecodeGaps(const Value& v, const std::string& pointer, bool deltas_known,
                  mocks::StepScript& step) {
    const Value* gaps = reader_.FindArray(v, pointer, "gaps_ms", "gap");
    if (gaps == nullptr) return;
    const std::string gaps_pointer = pointer + "/gaps_ms";
    if (Has(v, "chunk_gap_ms")) {
      reader_.AtKey(gaps_pointer,
                    "'gaps_ms' and 'chunk_gap_ms' are mutually exclusive; give one of them");
    }
    bool all_valid = true;
    for (rapidjson::SizeType i = 0; i < gaps->Size(); ++i) {
      const Value& gap = (*gaps)[i];
      if (!gap.IsNumber()) {
        reader_.WrongType(gap, AppendPointer(gaps_pointer, i), "a number");
        all_valid = false;
      } else if (gap.GetDouble() < 0 || gap.GetDouble() > kMaxInputDurationMs) {
        reader_.AtValue(AppendPointer(gaps_pointer, i),
                        gap.GetDouble() < 0
                            ? fmt::format("a gap must be >= 0, got {:g}", gap.GetDouble())
                            : fmt::format("a gap must be at most {:.0f} (one hour), got {:g}",
                                          kMaxInputDurationMs, gap.GetDouble()));
        all_valid = false;
      } else {
        step.gaps_ms.push_back(gap.GetDouble());
      }
    }
    if (!all_valid || !deltas_known) return;
    std::size_t deltas = step.text_chunks.size();
    for (const auto& call : step.tool_calls) {
      deltas += call.argument_pieces.empty()
                    ? mocks::SplitUtf8(call.arguments, call.argument_chunks).size()
                    : call.argument_pieces.size();
    }
    if (step.gaps_ms.size() + 1 != deltas) {
      reader_.AtValue(
          gaps_pointer,
          fmt::format("gaps_ms must give one gap per delta but the first: the step "
                      "has {} delta{} ({} text chunk{} and {} argument piece{}), so "
                      "{} gap{}, got {}",
                      deltas, deltas == 1 ? "" : "s", step.text_chunks.size(),
                      step.text_chunks.size() == 1 ? "" : "s", deltas - step.text_chunks.size(),
                      deltas - step.text_chunks.size() == 1 ? "" : "s",
                      deltas == 0 ? 0 : deltas - 1, deltas == 2 ? "" : "s", step.gaps_ms.size()));
      step.gaps_ms.clear();
    }
  }

  // refusal and incomplete: how the step's answer ends. Both need the answer's text and no
  // tool calls (a refusal answers nothing; an answer cut off calls nothing).
  void DecodeEnding(const Value& v, const std::string& pointer, mocks::StepScript& step) {
    const bool has_answer = Has(v, "text") || Has(v, "chunks");
    if (auto refusal = reader_.ReadBool(v, pointer, "refusal")) step.refusal = *refusal;
    if (const Value* incomplete = FindField(v, "incomplete")) {
      const std::string at = pointer + "/incomplete";
      const std::string_view reason = incomplete->IsString() ? AsView(*incomplete) : "";
      if (reason == "max_output_tokens") {
        step.incomplete = mocks::Incompletion::kMaxOutputTokens;
      } else if (reason == "content_filter") {
        step.incomplete = mocks::Incompletion::kContentFilter;
      } else if (!incomplete->IsString()) {
        reader_.WrongType(*incomplete, at, "a string");
      } else {
        reader_.AtValue(at, fmt::format("unknown incomplete reason '{}' (known: "
                                        "max_output_tokens, content_filter)",
                                        reason));
      }
    }
    for (std::string_view key : {"refusal", "incomplete"}) {
      if (!Has(v, key)) continue;
      if (!has_answer) {
        reader_.AtKey(pointer + "/" + std::string(key),
                      fmt::format("'{}' needs the step's 'text' or 'chunks' (what the model said "
                                  "before it stopped)",
                                  key));
      } else if (Has(v, "tool_calls")) {
        reader_.AtKey(pointer + "/" + std::string(key),
                      fmt::format("'{}' and 'tool_calls' are mutually exclusive (a step that {} "
                                  "calls no tool)",
                                  key, key == "refusal" ? "refuses" : "is cut off"));
      }
    }
  }

  std::optional<mocks::ReasoningScript> DecodeReasoning(const Value& v,
                                                        const std::string& pointer) {
    if (!reader_.ExpectObject(v, pointer)) return std::nullopt;
    reader_.CheckMembers(v, pointer, Fields(format_v1::kReasoning));
    mocks::ReasoningScript reasoning;
    mocks::StepScript text_holder;  // the text rules of a step apply to the reasoning's text
    const bool known = DecodeText(v, pointer, text_holder);
    reasoning.chunks = std::move(text_holder.text_chunks);
    if (!Has(v, "text") && !Has(v, "chunks")) {
      reader_.AtValue(pointer,
                      "reasoning must contain 'text' or 'chunks' (what the model reasons)");
    }
    if (auto d = ReadDist(reader_, v, pointer, "ttfr_ms")) reasoning.ttfr_ms = *d;
    if (auto d = ReadDist(reader_, v, pointer, "chunk_gap_ms")) reasoning.chunk_gap_ms = *d;
    if (const Value* gaps = reader_.FindArray(v, pointer, "gaps_ms", "gap")) {
      const std::string gaps_pointer = pointer + "/gaps_ms";
      for (rapidjson::SizeType i = 0; i < gaps->Size(); ++i) {
        if (!(*gaps)[i].IsNumber() || (*gaps)[i].GetDouble() < 0 ||
            (*gaps)[i].GetDouble() > kMaxInputDurationMs) {
          reader_.AtValue(AppendPointer(gaps_pointer, i),
                          "a gap must be a number from 0 to 3600000 (one hour)");
          continue;
        }
        reasoning.gaps_ms.push_back((*gaps)[i].GetDouble());
      }
      if (known && reasoning.gaps_ms.size() + 1 != reasoning.chunks.size()) {
        reader_.AtValue(
            gaps_pointer,
            fmt::format("gaps_ms must give one gap per reasoning delta but the "
                        "first: {} delta{}, so {} gap{}, got {}",
                        reasoning.chunks.size(), reasoning.chunks.size() == 1 ? "" : "s",
                        reasoning.chunks.size() - 1, reasoning.chunks.size() == 2 ? "" : "s",
                        reasoning.gaps_ms.size()));
      }
    }
    if (const Value* kind = FindField(v, "kind")) {
      const std::string_view k = kind->IsString() ? AsView(*kind) : "";
      if (k == "summary" || k == "text") {
        reasoning.summary = k == "summary";
      } else {
        reader_.AtValue(pointer + "/kind", "kind must be \"summary\" or \"text\"");
      }
    }
    return reasoning;
  }

  std::optional<mocks::HostedToolScript> DecodeHostedTool(const Value& v,
                                                          const std::string& pointer) {
    static constexpr std::string_view kTypes[] = {"web_search", "code_interpreter",
                                                  "image_generation", "mcp_call"};
    if (!reader_.ExpectObject(v, pointer)) return std::nullopt;
    reader_.CheckMembers(v, pointer, Fields(format_v1::kHostedTool));
    mocks::HostedToolScript tool;
    if (auto type = reader_.ReadNonBlank(v, pointer, "type")) {
      if (std::find(std::begin(kTypes), std::end(kTypes), *type) == std::end(kTypes)) {
        reader_.AtValue(pointer + "/type",
                        fmt::format("unknown hosted tool type '{}' (known: {}; file_search has "
                                    "its own field, 'file_search')",
                                    *type, fmt::join(kTypes, ", ")));
      }
      tool.type = std::move(*type);
    }
    if (auto input = reader_.ReadString(v, pointer, "input")) tool.input = std::move(*input);
    if (auto output = reader_.ReadString(v, pointer, "output")) tool.output = std::move(*output);
    if (auto name = reader_.ReadNonBlank(v, pointer, "name")) tool.name = std::move(*name);
    if (auto label = reader_.ReadNonBlank(v, pointer, "server_label")) {
      tool.server_label = std::move(*label);
    }
    if (tool.type == "mcp_call" && (tool.name.empty() || tool.server_label.empty())) {
      reader_.AtValue(pointer, "an mcp_call needs 'name' (the server's tool) and 'server_label'");
    }
    if (auto d = ReadDist(reader_, v, pointer, "latency_ms")) tool.latency_ms = *d;
    if (auto fails = reader_.ReadBool(v, pointer, "fails")) tool.fails = *fails;
    return tool;
  }

  // Presence, not validity, decides these rules, so a malformed field is reported once.
  void CheckStepRules(const Value& v, const std::string& pointer, const StepRole& role) {
    const bool has_answer = Has(v, "text") || Has(v, "chunks");
    if (role.is_last) {
      if (!has_answer) {
        reader_.AtValue(
            pointer, "the last step of a turn must contain 'text' or 'chunks' (the final answer)");
      }
    } else if (!role.turn_goes_on) {
      // Said once, at the scripted step, not again at each of its alternatives.
      if (role.is_alternative) return;
      reader_.AtValue(pointer, Has(v, "alternatives")
                                   ? "a step before the last must contain 'tool_calls', or have "
                                     "an alternative that does (otherwise the agent has nothing "
                                     "to continue with)"
                                   : "a step before the last must contain 'tool_calls' "
                                     "(otherwise the agent has nothing to continue with)");
    } else if (!Has(v, "tool_calls") && !has_answer) {
      reader_.AtValue(pointer,
                      "a step without 'tool_calls' ends the turn, so it must contain 'text' or "
                      "'chunks' (the final answer)");
    }
  }

  // `pieces_known`: whether the call's argument deltas decoded cleanly.
  std::optional<mocks::ToolCallScript> DecodeToolCall(const Value& v, const std::string& pointer,
                                                      bool& pieces_known) {
    pieces_known = false;
    if (!reader_.ExpectObject(v, pointer)) return std::nullopt;
    reader_.CheckMembers(v, pointer, Fields(format_v1::kToolCall));
    mocks::ToolCallScript call;
    if (auto name = reader_.ReadNonBlank(v, pointer, "name")) call.name = std::move(*name);
    call.arguments = "{}";
    const Value* args = FindField(v, "arguments");
    const bool args_ok = args == nullptr || reader_.ExpectObject(*args, pointer + "/arguments");
    if (args != nullptr && args_ok) call.arguments = Compact(*args);
    pieces_known = args_ok;
    if (Has(v, "argument_pieces")) {
      pieces_known = DecodeArgumentPieces(v, pointer, args_ok ? args : nullptr, call) && args_ok;
      return call;
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

  // argument_pieces: the exact deltas, which must concatenate to JSON equal to `arguments`
  // (`args`; null: absent or malformed, {} is assumed when absent). On success `call` streams
  // the pieces and its arguments are their concatenation, spelt as the pieces spell it.
  bool DecodeArgumentPieces(const Value& v, const std::string& pointer, const Value* args,
                            mocks::ToolCallScript& call) {
    const std::string pieces_pointer = pointer + "/argument_pieces";
    if (Has(v, "argument_chunks")) {
      reader_.AtKey(pieces_pointer,
                    "'argument_pieces' and 'argument_chunks' are mutually exclusive; give one of "
                    "them");
      return false;
    }
    std::vector<std::string> pieces =
        reader_.ReadStringList(v, pointer, "argument_pieces", "piece");
    const Value* list = FindField(v, "argument_pieces");
    if (!list->IsArray() || pieces.size() != list->Size()) return false;  // reported
    std::string joined;
    for (const auto& piece : pieces) joined += piece;
    rapidjson::Document parsed;
    if (json::ParseDocument<rapidjson::kParseValidateEncodingFlag>(joined, parsed) ||
        !parsed.IsObject()) {
      reader_.AtValue(pieces_pointer,
                      fmt::format("argument_pieces must concatenate to the arguments object, "
                                  "but they give '{}', which is not a JSON object",
                                  joined));
      return false;
    }
    if (Has(v, "arguments") && args == nullptr) return false;  // malformed: reported
    rapidjson::Document empty;
    empty.SetObject();
    const Value& expected = args != nullptr ? *args : empty;
    if (!SameJson(parsed, expected)) {
      reader_.AtValue(pieces_pointer,
                      fmt::format("argument_pieces must concatenate to the arguments, but they "
                                  "give {}, not {}",
                                  Compact(parsed), Compact(expected)));
      return false;
    }
    call.arguments = std::move(joined);
    call.argument_pieces = std::move(pieces);
    return true;
  }

  std::optional<mocks::FileSearchScript> DecodeFileSearch(const Value& v,
                                                          const std::string& pointer) {
    if (!reader_.ExpectObject(v, pointer)) return std::nullopt;
    reader_.CheckMembers(v, pointer, Fields(format_v1::kFileSearch));
    mocks::FileSearchScript search;
    if (auto query = reader_.ReadNonBlank(v, pointer, "query")) search.query = std::move(*query);
    if (auto d = ReadDist(reader_, v, pointer, "latency_ms")) search.latency_ms = *d;
    search.results = reader_.ReadStringList(v, pointer, "results", "result");
    const Value* results = FindField(v, "results");
    if (results == nullptr && documents_.state == KnownDocuments::State::kAbsent) {
      reader_.AtValue(pointer,
                      "a file_search without 'results' searches the scenario's 'documents', but "
                      "there are none; give 'results' or add 'documents'");
    }
    if (results != nullptr && results->IsArray() &&
        documents_.state == KnownDocuments::State::kListed) {
      const std::string results_pointer = pointer + "/results";
      for (rapidjson::SizeType i = 0; i < results->Size(); ++i) {
        const Value& name = (*results)[i];
        if (!name.IsString() || name.GetStringLength() == 0) continue;  // reported already
        if (!std::binary_search(documents_.names.begin(), documents_.names.end(), AsView(name))) {
          reader_.AtValue(AppendPointer(results_pointer, i), UnknownDocument(AsView(name)));
        }
      }
    }
    return search;
  }

  // Scripted results must be documents of the scenario (when it has documents), so a typo
  // cannot cite a file the knowledge base does not hold.
  std::string UnknownDocument(std::string_view name) const {
    std::string_view closest;
    std::size_t best = 3;  // suggest only within edit distance 2, as for field names
    for (const std::string& known : documents_.names) {
      if (const std::size_t d = EditDistance(name, known); d < best) {
        best = d;
        closest = known;
      }
    }
    if (!closest.empty()) {
      return fmt::format("unknown document '{}'; did you mean '{}'?", name, closest);
    }
    return fmt::format("unknown document '{}' (documents: {})", name,
                       fmt::join(documents_.names, ", "));
  }

  mocks::FaultScript DecodeFault(const Value& v, const std::string& pointer) {
    mocks::FaultScript fault;
    if (!reader_.ExpectObject(v, pointer)) return fault;
    reader_.CheckMembers(v, pointer, Fields(format_v1::kFault));
    // Error statuses only: an agent would take anything else for an answer.
    if (auto status = reader_.ReadInteger(v, pointer, "status", 400, 599)) fault.status = *status;
    if (auto after =
            reader_.ReadDuration(v, pointer, "retry_after_s", FieldReader::Unit::kSeconds)) {
      fault.retry_after_s = *after;
    }
    if (auto type = reader_.ReadNonBlank(v, pointer, "type")) fault.type = std::move(*type);
    if (const Value* code = FindField(v, "code")) {
      const std::string code_pointer = pointer + "/code";
      if (code->IsNull()) {
        fault.code.clear();  // the API itself sends "code": null for many errors
      } else if (!code->IsString()) {
        reader_.WrongType(*code, code_pointer, "a string or null");
      } else if (IsBlank(AsView(*code))) {
        reader_.AtValue(code_pointer,
                        "code must not be empty (use null for an error without a code)");
      } else {
        fault.code = AsView(*code);
      }
    }
    if (auto message = reader_.ReadNonBlank(v, pointer, "message")) {
      fault.message = std::move(*message);
    }
    return fault;
  }

  void DecodeAlternatives(const Value& v, const std::string& pointer, const StepRole& role,
                          mocks::StepScript& step) {
    const Value* list = reader_.FindArray(v, pointer, "alternatives", "alternative");
    if (!list) return;
    const std::string list_pointer = pointer + "/alternatives";
    StepRole replacement_role = role;
    replacement_role.is_alternative = true;
    for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
      const Value& alternative = (*list)[i];
      const std::string at = AppendPointer(list_pointer, i);
      if (!reader_.ExpectObject(alternative, at)) continue;
      reader_.CheckMembers(alternative, at, Fields(format_v1::kAlternative));
      mocks::StepCondition when;
      if (const Value* w = FindField(alternative, "when")) when = DecodeCondition(*w, at + "/when");
      mocks::StepScript replacement;
      if (const Value* s = FindField(alternative, "step")) {
        replacement = DecodeStep(*s, at + "/step", replacement_role);
      }
      step.alternatives.push_back({std::move(when), std::move(replacement)});
    }
  }

  mocks::StepCondition DecodeCondition(const Value& v, const std::string& pointer) {
    mocks::StepCondition when;
    if (!reader_.ExpectObject(v, pointer)) return when;
    reader_.CheckMembers(v, pointer, Fields(format_v1::kCondition));
    if (!Has(v, "tool_not_offered") && !Has(v, "tools_offered_at_least")) {
      // An empty condition always holds: the step it belongs to could never play.
      reader_.AtValue(pointer,
                      "a condition must contain 'tool_not_offered', 'tools_offered_at_least' or "
                      "both");
    }
    if (auto tool = reader_.ReadNonBlank(v, pointer, "tool_not_offered")) {
      when.tool_not_offered = std::move(*tool);
    }
    // 0 would mean "no condition" to the mock, so it is not a value a file may give.
    if (auto n = reader_.ReadInteger(v, pointer, "tools_offered_at_least", 1,
                                     std::numeric_limits<int>::max())) {
      when.tools_offered_at_least = *n;
    }
    return when;
  }

  FieldReader& reader_;
  const KnownDocuments& documents_;
};

}  // namespace

std::vector<mocks::StepScript> DecodeSteps(FieldReader& reader, const Value& turn,
                                           const std::string& pointer,
                                           const KnownDocuments& documents) {
  std::vector<mocks::StepScript> steps;
  const Value* list = reader.FindArray(turn, pointer, "steps", "step");
  if (!list) return steps;
  StepDecoder decoder(reader, documents);
  const std::string steps_pointer = pointer + "/steps";
  for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
    const Value& v = (*list)[i];
    StepRole role;
    role.is_last = i + 1 == list->Size();
    role.turn_goes_on = SomeFormCallsTools(v);
    steps.push_back(decoder.DecodeStep(v, AppendPointer(steps_pointer, i), role));
  }
  return steps;
}

SearchUse FileSearchUse(const Value& steps) {
  if (!steps.IsArray()) return SearchUse::kSometimes;
  bool sometimes = false;
  bool always = false;
  bool reached_on_every_path = true;  // every form of every earlier step calls tools
  for (const Value& step : steps.GetArray()) {
    if (!step.IsObject()) return SearchUse::kSometimes;
    bool any = Has(step, "file_search");
    bool all = any;
    bool all_call = Has(step, "tool_calls");
    if (const Value* alternatives = FindField(step, "alternatives")) {
      if (!alternatives->IsArray()) return SearchUse::kSometimes;
      for (const Value& alternative : alternatives->GetArray()) {
        const Value* replacement = ReplacementOf(alternative);
        if (!replacement) return SearchUse::kSometimes;
        const bool searches = Has(*replacement, "file_search");
        any = any || searches;
        all = all && searches;
        all_call = all_call && Has(*replacement, "tool_calls");
      }
    }
    sometimes = sometimes || any;
    always = always || (all && reached_on_every_path);
    reached_on_every_path = reached_on_every_path && all_call;
  }
  if (always) return SearchUse::kAlways;
  return sometimes ? SearchUse::kSometimes : SearchUse::kNever;
}

}  // namespace agentreplay::harness
