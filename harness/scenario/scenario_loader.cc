#include "harness/scenario/scenario_loader.h"

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "core/input_file.h"
#include "harness/scenario/fault_decoder.h"
#include "harness/scenario/field_reader.h"
#include "harness/scenario/format_v1.h"
#include "harness/scenario/json_locator.h"
#include "harness/scenario/step_decoder.h"

namespace agentreplay::harness {
namespace {

using format_v1::Fields;
using format_v1::ReadDist;
using rapidjson::Value;

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// `s` with each NUL written as \u0000, the way the JSON file spells it.
std::string ShowNul(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\0') {
      out += "\\u0000";
    } else {
      out += c;
    }
  }
  return out;
}

// Blob paths name files inside the agent's blob store, so they must stay inside it and name a
// file: relative, no '..', no empty or '.' segments (which would give one file two names).
std::optional<std::string> BlobPathProblem(std::string_view path) {
  if (path.empty()) return "blob path must not be empty";
  if (path.front() == '/') {
    return fmt::format("blob path must be relative (no leading '/'), got '{}'", path);
  }
  bool dot_dot = false;
  bool not_normal = false;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t slash = std::min(path.find('/', start), path.size());
    const std::string_view segment = path.substr(start, slash - start);
    dot_dot = dot_dot || segment == "..";
    not_normal = not_normal || segment.empty() || segment == ".";
    start = slash + 1;
  }
  if (dot_dot) return fmt::format("blob path must not contain '..' segments, got '{}'", path);
  if (not_normal) {
    return fmt::format(
        "blob path must name a file: no empty or '.' segments and no trailing '/', got '{}'", path);
  }
  return std::nullopt;
}

// Turns a DOM into a Scenario: which fields exist, what they mean and the rules between them.
// Checking and reporting go through FieldReader, which keeps going past bad values so that
// every problem in the file is found.
class ScenarioDecoder {
 public:
  ScenarioDecoder(std::string_view file, const JsonLocator& locator) : reader_(file, locator) {
    reader_.LimitStrings(kMaxTextBytes);
  }

  mocks::Scenario DecodeScenario(const Value& root) {
    mocks::Scenario s;
    reader_.ReportDuplicates();
    if (!reader_.ExpectObject(root, "")) return s;
    reader_.CheckMembers(root, "", Fields(format_v1::kScenario));
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
    if (auto d = ReadDist(reader_, root, "", "proxy_hop_ms")) s.proxy_hop_ms = *d;
    // Before the turns, wherever it sits in the file: file_search results are checked against it.
    const KnownDocuments documents = DecodeDocuments(root, s.documents);
    if (const Value* v = FindField(root, "workspace");
        v && reader_.ExpectObject(*v, "/workspace")) {
      DecodeWorkspace(*v, s.workspace);
    }
    if (const Value* turns = reader_.FindArray(root, "", "turns", "turn");
        turns != nullptr && reader_.CheckLength(*turns, "/turns", "turn", kMaxTurns)) {
      for (rapidjson::SizeType i = 0; i < turns->Size(); ++i) {
        s.turns.push_back(DecodeTurn((*turns)[i], AppendPointer("/turns", i), documents));
      }
    }
    s.faults = DecodeFaultRules(reader_, root, "");  // docs/faults.md
    // Names only: the package registry resolves them when a run uses them.
    s.variants = reader_.ReadStringList(root, "", "variants", "variant");
    if (const Value* v = FindField(root, "source"); v && reader_.ExpectObject(*v, "/source")) {
      DecodeSource(*v, s);
    }
    return s;
  }

  std::vector<Diagnostic> TakeErrors() { return reader_.TakeErrors(); }

 private:
  // Where a scenario's behaviour comes from: written by hand ("scenario", the default) or lifted
  // from a recording ("lifted", with the recording's origin). It travels into the results, so
  // that a number measured on a lifted scenario says so. "cassette" is not allowed: a verbatim
  // replay is a cassette file, never a scenario file.
  void DecodeSource(const Value& v, mocks::Scenario& s) {
    reader_.CheckMembers(v, "/source", Fields(format_v1::kSource));
    if (auto kind = reader_.ReadString(v, "/source", "kind")) {
      if (*kind == "scenario" || *kind == "lifted") {
        s.source_kind = std::move(*kind);
      } else {
        reader_.AtValue("/source/kind",
                        fmt::format("unknown source kind '{}'; allowed: scenario, lifted", *kind));
      }
    }
    if (auto origin = reader_.ReadString(v, "/source", "origin")) {
      s.source_origin = std::move(*origin);
    }
  }

  void DecodeLatency(const Value& v, mocks::LatencyModel& latency) {
    reader_.CheckMembers(v, "/latency", Fields(format_v1::kLatency));
    if (auto d = ReadDist(reader_, v, "/latency", "network_rtt_ms")) latency.network_rtt_ms = *d;
    if (auto d = ReadDist(reader_, v, "/latency", "queue_ms")) latency.queue_ms = *d;
    if (auto d = ReadDist(reader_, v, "/latency", "processing_ms")) latency.processing_ms = *d;
    if (auto n = reader_.ReadDuration(v, "/latency", "prefill_ms_per_1k_input_tokens")) {
      latency.prefill_ms_per_1k_input_tokens = *n;
    }
    if (auto d = ReadDist(reader_, v, "/latency", "connect_ms")) latency.connect_ms = *d;
    if (auto d = ReadDist(reader_, v, "/latency", "tls_handshake_ms")) {
      latency.tls_handshake_ms = *d;
    }
  }

  void DecodeTools(const Value& v, std::map<std::string, mocks::ToolBehaviour>& tools) {
    for (const auto& member : v.GetObject()) {
      const std::string_view name = AsView(member.name);
      const std::string pointer = AppendPointer("/tools", name);
      if (IsBlank(name)) reader_.AtKey(pointer, "tool name must not be empty");
      if (!reader_.ExpectObject(member.value, pointer)) continue;
      reader_.CheckMembers(member.value, pointer, Fields(format_v1::kTool));
      mocks::ToolBehaviour behaviour;
      if (auto d = ReadDist(reader_, member.value, pointer, "latency_ms")) {
        behaviour.latency_ms = *d;
      }
      if (auto list = format_v1::ReadDistList(reader_, member.value, pointer, "call_latency_ms")) {
        behaviour.call_latency_ms = std::move(*list);
      }
      behaviour.proxy_hop_ms = ReadDist(reader_, member.value, pointer, "proxy_hop_ms");
      if (auto n = reader_.ReadDuration(member.value, pointer, "timeout_ms")) {
        behaviour.timeout_ms = *n;
      }
      behaviour.progress = reader_.ReadStringList(member.value, pointer, "progress", "note");
      tools.emplace(name, behaviour);  // a duplicate name keeps the first, as FindMember does
    }
  }

  // The knowledge base: document name → text. The names are known even where a text is bad,
  // so that one mistake is not reported again at every file_search that names the document.
  KnownDocuments DecodeDocuments(const Value& root, std::map<std::string, std::string>& out) {
    KnownDocuments known;
    const Value* v = FindField(root, "documents");
    if (!v) return known;
    known.state = KnownDocuments::State::kMalformed;
    if (!reader_.ExpectObject(*v, "/documents")) return known;
    if (v->ObjectEmpty()) {
      reader_.AtValue("/documents", "documents must contain at least 1 document");
      return known;
    }
    for (const auto& member : v->GetObject()) {
      const std::string_view name = AsView(member.name);
      const std::string pointer = AppendPointer("/documents", name);
      known.names.emplace_back(name);
      if (IsBlank(name)) reader_.AtKey(pointer, "document name must not be empty");
      if (!member.value.IsString()) {
        reader_.WrongType(member.value, pointer, "a string (the document's text)");
      } else if (IsBlank(AsView(member.value))) {
        reader_.AtValue(pointer, "document text must not be empty");
      } else {
        out.emplace(name, AsView(member.value));  // a repeated name keeps the first
      }
    }
    std::sort(known.names.begin(), known.names.end());
    known.names.erase(std::unique(known.names.begin(), known.names.end()), known.names.end());
    known.state = KnownDocuments::State::kListed;
    return known;
  }

  void DecodeWorkspace(const Value& v, mocks::WorkspaceSeed& workspace) {
    reader_.CheckMembers(v, "/workspace", Fields(format_v1::kWorkspace));
    if (const Value* entries = reader_.FindArray(v, "/workspace", "entries", "entry")) {
      for (rapidjson::SizeType i = 0; i < entries->Size(); ++i) {
        const std::string pointer = AppendPointer("/workspace/entries", i);
        const Value& e = (*entries)[i];
        if (!reader_.ExpectObject(e, pointer)) continue;
        reader_.CheckMembers(e, pointer, Fields(format_v1::kDataEntry));
        mocks::DataEntrySeed entry;
        if (auto c = reader_.ReadNonBlank(e, pointer, "category")) entry.category = std::move(*c);
        if (auto t = reader_.ReadNonBlank(e, pointer, "title")) entry.title = std::move(*t);
        if (auto c = reader_.ReadString(e, pointer, "content")) entry.content = std::move(*c);
        entry.tags = reader_.ReadStringList(e, pointer, "tags", "tag");
        workspace.entries.push_back(std::move(entry));
      }
    }
    const Value* blobs = FindField(v, "blobs");
    if (!blobs || !reader_.ExpectObject(*blobs, "/workspace/blobs")) return;
    for (const auto& member : blobs->GetObject()) {
      const std::string_view path = AsView(member.name);
      const std::string pointer = AppendPointer("/workspace/blobs", path);
      if (path.find('\0') != std::string_view::npos) {
        // A pointer with a NUL in it would print badly; the object that holds it is shown.
        reader_.AtKeyShownAs(
            pointer, "/workspace/blobs",
            fmt::format("blob path must not contain a NUL character, got '{}'", ShowNul(path)));
        continue;
      }
      if (auto problem = BlobPathProblem(path)) {
        reader_.AtKey(pointer, std::move(*problem));
        continue;
      }
      if (!member.value.IsString()) {
        reader_.WrongType(member.value, pointer, "a string (the file's content)");
        continue;
      }
      workspace.blobs.emplace(path, AsView(member.value));
    }
  }

  mocks::TurnScript DecodeTurn(const Value& v, const std::string& pointer,
                               const KnownDocuments& documents) {
    mocks::TurnScript turn;
    if (!reader_.ExpectObject(v, pointer)) return turn;
    reader_.CheckMembers(v, pointer, Fields(format_v1::kTurn));
    if (auto u = reader_.ReadNonBlank(v, pointer, "user")) turn.user = std::move(*u);
    turn.steps = DecodeSteps(reader_, v, pointer, documents);
    if (const Value* e = FindField(v, "expect");
        e && reader_.ExpectObject(*e, pointer + "/expect")) {
      const std::string expect_pointer = pointer + "/expect";
      reader_.CheckMembers(*e, expect_pointer, Fields(format_v1::kExpect));
      turn.expect.answer_contains =
          reader_.ReadStringList(*e, expect_pointer, "answer_contains", "entry");
      turn.expect.tools_called =
          reader_.ReadStringList(*e, expect_pointer, "tools_called", "entry");
      turn.expect.file_search_used = reader_.ReadBool(*e, expect_pointer, "file_search_used");
      turn.expect.data = DecodeDataExpectations(*e, expect_pointer);
      DecodeToolOutputExpectations(*e, expect_pointer, turn.expect.tool_output_contains);
      if (auto allowed = reader_.ReadBool(*e, expect_pointer, "tool_errors_allowed")) {
        turn.expect.tool_errors_allowed = *allowed;
      }
      if (const Value* steps = FindField(v, "steps"); steps && turn.expect.file_search_used) {
        CheckFileSearchCanBeUsed(*turn.expect.file_search_used, FileSearchUse(*steps),
                                 expect_pointer + "/file_search_used");
      }
    }
    return turn;
  }

  std::vector<mocks::DataExpectation> DecodeDataExpectations(const Value& expect,
                                                             const std::string& at) {
    std::vector<mocks::DataExpectation> out;
    const Value* list = reader_.FindArray(expect, at, "data", "expectation");
    if (!list) return out;
    for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
      const std::string pointer = AppendPointer(at + "/data", i);
      const Value& v = (*list)[i];
      if (!reader_.ExpectObject(v, pointer)) continue;
      reader_.CheckMembers(v, pointer, Fields(format_v1::kDataExpectation));
      mocks::DataExpectation data;
      if (auto c = reader_.ReadNonBlank(v, pointer, "category")) data.category = std::move(*c);
      if (auto t = reader_.ReadNonBlank(v, pointer, "title_contains")) {
        data.title_contains = std::move(*t);
      }
      if (auto c = reader_.ReadNonBlank(v, pointer, "content_contains")) {
        data.content_contains = std::move(*c);
      }
      data.tags = reader_.ReadStringList(v, pointer, "tags", "tag");
      if (auto exists = reader_.ReadBool(v, pointer, "exists")) data.exists = *exists;
      out.push_back(std::move(data));
    }
    return out;
  }

  // {"tool name": ["text", ...]}: an output of that tool must contain each text.
  void DecodeToolOutputExpectations(const Value& expect, const std::string& at,
                                    std::map<std::string, std::vector<std::string>>& out) {
    const Value* v = FindField(expect, "tool_output_contains");
    const std::string pointer = at + "/tool_output_contains";
    if (v == nullptr || !reader_.ExpectObject(*v, pointer)) return;
    for (const auto& member : v->GetObject()) {
      const std::string name(AsView(member.name));
      out[name] = reader_.ReadStringList(*v, pointer, name, "text");
    }
  }

  // An expectation the script can never meet is a mistake in the file, not a finding of a run.
  void CheckFileSearchCanBeUsed(bool expected, SearchUse use, const std::string& pointer) {
    if (expected && use == SearchUse::kNever) {
      reader_.AtValue(pointer,
                      "file_search_used is true, but no step of this turn (nor any alternative) "
                      "contains 'file_search', so the check cannot pass");
    } else if (!expected && use == SearchUse::kAlways) {
      reader_.AtValue(pointer,
                      "file_search_used is false, but every way through this turn plays a step "
                      "with 'file_search', so the check cannot pass");
    }
  }

  FieldReader reader_;
};

}  // namespace

Expected<mocks::Scenario> ParseScenario(std::string_view json_text, std::string_view file_name) {
  const std::string file(file_name);
  const LocatedJson json = ParseLocated(json_text);
  if (auto problem = SyntaxProblem(json_text, json, file)) return Failure(std::move(*problem));
  ScenarioDecoder decoder(file, json.locator);
  mocks::Scenario scenario = decoder.DecodeScenario(json.document);
  scenario.source_path = file;
  std::vector<Diagnostic> errors = decoder.TakeErrors();
  if (!errors.empty()) return Failure(std::move(errors));
  return scenario;
}

Expected<mocks::Scenario> LoadScenarioFile(const std::filesystem::path& path) {
  Expected<std::string> text = ReadInputFile(path);
  if (!text) return text.failure();
  return ParseScenario(*text, path.string());
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

}  // namespace agentreplay::harness
