// Reading the results document back: the inverse of ResultsToJson, as strict as the schema.
#include <fcntl.h>
#include <fmt/format.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <set>
#include <system_error>
#include <utility>

#include "core/input_file.h"
#include "results/json_input.h"
#include "results/results_journal.h"
#include "results/results_json.h"
#include "results/results_validate.h"

namespace agentreplay::results {
namespace {
// ---------------------------------------------------------------------------------------------
// Reading. Every accessor records the first error (with the JSON pointer of the offending value)
// and returns false; callers stop at the first false.

using Value = rapidjson::Value;

std::string_view View(const Value& v) { return {v.GetString(), v.GetStringLength()}; }

// Each stores `v` into `*out` and returns null, or returns what was expected instead.
const char* Convert(const Value& v, std::string* out) {
  if (!v.IsString()) return "expected a string";
  *out = std::string(View(v));
  return nullptr;
}
const char* Convert(const Value& v, bool* out) {
  if (!v.IsBool()) return "expected true or false";
  *out = v.GetBool();
  return nullptr;
}
const char* Convert(const Value& v, int* out) {
  if (!v.IsInt()) return "expected an integer";
  *out = v.GetInt();
  return nullptr;
}
const char* Convert(const Value& v, int64_t* out) {
  if (!v.IsInt64()) return "expected an integer";
  *out = v.GetInt64();
  return nullptr;
}
const char* Convert(const Value& v, uint64_t* out) {
  if (!v.IsUint64()) return "expected a non-negative integer";
  *out = v.GetUint64();
  return nullptr;
}
// Summary statistics: null stands for a value that was not finite when written.
const char* Convert(const Value& v, double* out) {
  if (!v.IsNumber() && !v.IsNull()) return "expected a number or null";
  *out = v.IsNull() ? std::nan("") : v.GetDouble();
  return nullptr;
}

class DocReader {
 public:
  explicit DocReader(std::string_view file) : file_(file) {}
  // The first problem found: the file, the JSON pointer of the bad value, what is wrong.
  const Diagnostic& error() const { return error_; }

  bool Fail(const std::string& pointer, std::string_view what) {
    error_ = Diagnostic{std::string(file_),
                        pointer.empty() ? std::nullopt : std::optional<std::string>(pointer), 0, 0,
                        std::string(what)};
    return false;
  }

  // `v` must be an object with no duplicate members and none outside `known`.
  bool ClosedObject(const Value& v, const std::string& ptr,
                    std::initializer_list<std::string_view> known) {
    if (!OpenObject(v, ptr)) return false;
    for (const auto& m : v.GetObject()) {
      if (std::find(known.begin(), known.end(), View(m.name)) == known.end()) {
        return Fail(AppendPointer(ptr, View(m.name)), "unknown member");
      }
    }
    return true;
  }
  // `v` must be an object with no duplicate members; any names.
  bool OpenObject(const Value& v, const std::string& ptr) {
    if (!v.IsObject()) return Fail(ptr, "expected an object");
    std::set<std::string_view> seen;
    for (const auto& m : v.GetObject()) {
      if (!seen.insert(View(m.name)).second) {
        return Fail(AppendPointer(ptr, View(m.name)), "duplicate member");
      }
    }
    return true;
  }

  const Value* Member(const Value& obj, const std::string& ptr, std::string_view key) {
    for (const auto& m : obj.GetObject()) {
      if (View(m.name) == key) return &m.value;
    }
    Fail(ptr, fmt::format("missing member \"{}\"", key));
    return nullptr;
  }

  // The member `key` of `obj` converted to the type of `*out` (see Convert).
  template <typename T>
  bool Get(const Value& obj, const std::string& ptr, std::string_view key, T* out) {
    const Value* v = Member(obj, ptr, key);
    if (v == nullptr) return false;
    if (const char* expected = Convert(*v, out)) return Fail(AppendPointer(ptr, key), expected);
    return true;
  }
  // Like Get, for a member added after v1 shipped: absent leaves `*out` as it is.
  template <typename T>
  bool GetOptional(const Value& obj, const std::string& ptr, std::string_view key, T* out) {
    return !obj.HasMember(std::string(key).c_str()) || Get(obj, ptr, key, out);
  }
  // An optional array of numbers.
  bool GetNumberArray(const Value& obj, const std::string& ptr, std::string_view key,
                      std::vector<double>* out) {
    if (!obj.HasMember(std::string(key).c_str())) return true;
    const Value* v = Member(obj, ptr, key);
    const std::string here = AppendPointer(ptr, key);
    if (!v->IsArray()) return Fail(here, "expected an array");
    for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
      if (!(*v)[i].IsNumber()) return Fail(fmt::format("{}/{}", here, i), "expected a number");
      out->push_back((*v)[i].GetDouble());
    }
    return true;
  }
  // An optional {"low": x, "high": y}.
  bool GetInterval(const Value& obj, const std::string& ptr, std::string_view key,
                   std::optional<Interval>* out) {
    if (!obj.HasMember(std::string(key).c_str())) return true;
    const Value* v = Member(obj, ptr, key);
    const std::string here = AppendPointer(ptr, key);
    Interval interval;
    if (!ClosedObject(*v, here, {"low", "high"}) || !Get(*v, here, "low", &interval.low) ||
        !Get(*v, here, "high", &interval.high)) {
      return false;
    }
    *out = interval;
    return true;
  }
  bool GetNumberMap(const Value& obj, const std::string& ptr, std::string_view key,
                    std::map<std::string, double>* out) {
    const Value* v = Member(obj, ptr, key);
    const std::string here = AppendPointer(ptr, key);
    if (v == nullptr || !OpenObject(*v, here)) return false;
    for (const auto& m : v->GetObject()) {
      if (!m.value.IsNumber()) return Fail(AppendPointer(here, View(m.name)), "expected a number");
      (*out)[std::string(View(m.name))] = m.value.GetDouble();
    }
    return true;
  }

  bool ReadResults(const Value& doc, Results* out);
  // Read, then checked against the rules of results_validate.h.
  bool ReadContext(const Value& v, const std::string& ptr, Context* c) {
    return ReadContextMembers(v, ptr, c) && Valid(ValidateContext(*c), ptr);
  }
  bool ReadCell(const Value& v, const std::string& ptr, Cell* c) {
    return ReadCellMembers(v, ptr, c) && Valid(ValidateCell(*c), ptr);
  }

 private:
  // Fails with `violation`, whose pointer is relative to `ptr`, if there is one.
  bool Valid(const std::optional<Violation>& violation, const std::string& ptr) {
    return !violation || Fail(ptr + violation->pointer, violation->rule);
  }
  bool ReadContextMembers(const Value& v, const std::string& ptr, Context* c);
  bool ReadCellMembers(const Value& v, const std::string& ptr, Cell* c);
  bool ReadShard(const Value& context, const std::string& ptr, Context* c);
  bool ReadSample(const Value& v, const std::string& ptr, Sample* s);
  bool ReadSummary(const Value& v, const std::string& ptr, Summary* s);
  bool ReadCheck(const Value& v, const std::string& ptr, Check* c);

  std::string file_;
  Diagnostic error_;
};

bool DocReader::ReadResults(const Value& doc, Results* out) {
  if (!doc.IsObject()) return Fail("", "expected a JSON object (an agentreplay results document)");
  // The version first: a future document is rejected for its version, not for its new members.
  if (!Get(doc, "", "schema", &out->schema)) return false;
  if (out->schema != kResultsSchemaV1) {
    return Fail("/schema",
                fmt::format("unsupported schema version \"{}\" (this build reads \"{}\")",
                            out->schema, kResultsSchemaV1));
  }
  if (!ClosedObject(doc, "", {"schema", "context", "cells"})) return false;
  const Value* context = Member(doc, "", "context");
  if (context == nullptr || !ReadContext(*context, "/context", &out->context)) return false;
  const Value* cells = Member(doc, "", "cells");
  if (cells == nullptr) return false;
  if (!cells->IsArray()) return Fail("/cells", "expected an array");
  out->cells.resize(cells->Size());
  for (rapidjson::SizeType i = 0; i < cells->Size(); ++i) {
    if (!ReadCell((*cells)[i], fmt::format("/cells/{}", i), &out->cells[i]) ||
        !Valid(ValidateCellInContext(out->cells[i], i, out->context), "")) {
      return false;
    }
  }
  return Valid(ValidateCellCount(out->context, out->cells.size()), "");
}

bool DocReader::ReadContextMembers(const Value& v, const std::string& ptr, Context* c) {
  return ClosedObject(v, ptr,
                      {"version", "git_revision", "build_type", "world", "seed", "repetitions",
                       "warmup", "started_at", "hostname", "cpus", "os", "command_line", "plan",
                       "planned_cells", "shard"}) &&
         GetOptional(v, ptr, "warmup", &c->warmup) && GetOptional(v, ptr, "plan", &c->plan) &&
         GetOptional(v, ptr, "planned_cells", &c->planned_cells) && ReadShard(v, ptr, c) &&
         Get(v, ptr, "version", &c->version) && Get(v, ptr, "git_revision", &c->git_revision) &&
         Get(v, ptr, "build_type", &c->build_type) && Get(v, ptr, "world", &c->world) &&
         Get(v, ptr, "seed", &c->seed) && Get(v, ptr, "repetitions", &c->repetitions) &&
         Get(v, ptr, "started_at", &c->started_at) && Get(v, ptr, "hostname", &c->hostname) &&
         Get(v, ptr, "cpus", &c->cpus) && Get(v, ptr, "os", &c->os) &&
         Get(v, ptr, "command_line", &c->command_line);
}

bool DocReader::ReadShard(const Value& context, const std::string& ptr, Context* c) {
  if (!context.HasMember("shard")) return true;
  const std::string here = AppendPointer(ptr, "shard");
  const Value* v = Member(context, ptr, "shard");
  if (!ClosedObject(*v, here, {"index", "count"}) || !Get(*v, here, "index", &c->shard_index) ||
      !Get(*v, here, "count", &c->shard_count)) {
    return false;
  }
  if (c->shard_count < 1 || c->shard_index < 1 || c->shard_index > c->shard_count) {
    return Fail(here, fmt::format("shard {}/{} is not a shard (1 <= index <= count)",
                                  c->shard_index, c->shard_count));
  }
  return true;
}

bool DocReader::ReadCellMembers(const Value& v, const std::string& ptr, Cell* c) {
  if (!ClosedObject(
          v, ptr,
          {"scenario", "runtime", "variant", "world", "source", "error_samples", "warmup_samples",
           "samples", "stats", "checks", "baseline", "change_vs_baseline"}) ||
      !Get(v, ptr, "scenario", &c->scenario) || !Get(v, ptr, "runtime", &c->runtime) ||
      !Get(v, ptr, "variant", &c->variant) || !Get(v, ptr, "world", &c->world) ||
      !Get(v, ptr, "error_samples", &c->error_samples) ||
      !GetOptional(v, ptr, "warmup_samples", &c->warmup_samples) ||
      !Get(v, ptr, "baseline", &c->baseline) ||
      !GetNumberMap(v, ptr, "change_vs_baseline", &c->change_vs_baseline)) {
    return false;
  }
  if (const auto it = v.FindMember("source"); it != v.MemberEnd()) {
    const std::string at = ptr + "/source";
    if (!ClosedObject(it->value, at, {"kind", "path", "origin"}) ||
        !Get(it->value, at, "kind", &c->source.kind) ||
        !Get(it->value, at, "path", &c->source.path) ||
        !Get(it->value, at, "origin", &c->source.origin)) {
      return false;
    }
    if (c->source.kind != "scenario" && c->source.kind != "lifted" &&
        c->source.kind != "cassette") {
      return Fail(at + "/kind", "expected \"scenario\", \"lifted\" or \"cassette\"");
    }
  }
  const Value* samples = Member(v, ptr, "samples");
  if (samples == nullptr) return false;
  if (!samples->IsArray()) return Fail(ptr + "/samples", "expected an array");
  c->samples.resize(samples->Size());
  for (rapidjson::SizeType i = 0; i < samples->Size(); ++i) {
    if (!ReadSample((*samples)[i], fmt::format("{}/samples/{}", ptr, i), &c->samples[i])) {
      return false;
    }
  }
  const Value* stats = Member(v, ptr, "stats");
  if (stats == nullptr || !OpenObject(*stats, ptr + "/stats")) return false;
  for (const auto& m : stats->GetObject()) {
    std::string metric(View(m.name));
    if (!ReadSummary(m.value, AppendPointer(ptr + "/stats", metric), &c->stats[metric])) {
      return false;
    }
  }
  const Value* checks = Member(v, ptr, "checks");
  if (checks == nullptr) return false;
  if (!checks->IsArray()) return Fail(ptr + "/checks", "expected an array");
  c->checks.resize(checks->Size());
  for (rapidjson::SizeType i = 0; i < checks->Size(); ++i) {
    if (!ReadCheck((*checks)[i], fmt::format("{}/checks/{}", ptr, i), &c->checks[i])) return false;
  }
  return true;
}

bool DocReader::ReadSample(const Value& v, const std::string& ptr, Sample* s) {
  if (!ClosedObject(v, ptr,
                    {"repetition", "warmup", "turn", "ok", "error", "metrics", "segments",
                     "requests_by_endpoint", "itl_ms", "fidelity_ms"}) ||
      !Get(v, ptr, "repetition", &s->repetition) || !Get(v, ptr, "turn", &s->turn) ||
      !Get(v, ptr, "ok", &s->ok) || !GetOptional(v, ptr, "warmup", &s->warmup) ||
      !GetNumberArray(v, ptr, "fidelity_ms", &s->fidelity_ms)) {
    return false;
  }
  // The error object is there exactly when the sample failed, as the writer puts it.
  const bool has_error = v.HasMember("error");
  if (s->ok && has_error) return Fail(ptr + "/error", "unexpected in a successful sample");
  if (!s->ok) {
    const Value* error = Member(v, ptr, "error");
    const std::string here = ptr + "/error";
    if (error == nullptr || !ClosedObject(*error, here, {"kind", "reason", "message"}) ||
        !Get(*error, here, "kind", &s->error_kind) ||
        !Get(*error, here, "reason", &s->error_reason) ||
        !Get(*error, here, "message", &s->error_message)) {
      return false;
    }
  }
  if (!GetNumberMap(v, ptr, "metrics", &s->metrics) ||
      !GetNumberMap(v, ptr, "segments", &s->segments)) {
    return false;
  }
  const Value* requests = Member(v, ptr, "requests_by_endpoint");
  const std::string requests_ptr = ptr + "/requests_by_endpoint";
  if (requests == nullptr || !OpenObject(*requests, requests_ptr)) return false;
  for (const auto& m : requests->GetObject()) {
    if (!m.value.IsInt64()) {
      return Fail(AppendPointer(requests_ptr, View(m.name)), "expected an integer");
    }
    s->requests_by_endpoint[std::string(View(m.name))] = m.value.GetInt64();
  }
  const Value* itl = Member(v, ptr, "itl_ms");
  if (itl == nullptr) return false;
  if (!itl->IsArray()) return Fail(ptr + "/itl_ms", "expected an array");
  for (rapidjson::SizeType i = 0; i < itl->Size(); ++i) {
    if (!(*itl)[i].IsNumber()) {
      return Fail(fmt::format("{}/itl_ms/{}", ptr, i), "expected a number");
    }
    s->itl_ms.push_back((*itl)[i].GetDouble());
  }
  return true;
}

bool DocReader::ReadSummary(const Value& v, const std::string& ptr, Summary* s) {
  return ClosedObject(v, ptr,
                      {"count", "min", "p50", "p90", "p95", "p99", "max", "mean", "stddev",
                       "median_ci", "mean_ci", "outliers"}) &&
         Get(v, ptr, "count", &s->count) && Get(v, ptr, "min", &s->min) &&
         Get(v, ptr, "p50", &s->p50) && Get(v, ptr, "p90", &s->p90) &&
         Get(v, ptr, "p95", &s->p95) && Get(v, ptr, "p99", &s->p99) &&
         Get(v, ptr, "max", &s->max) && Get(v, ptr, "mean", &s->mean) &&
         Get(v, ptr, "stddev", &s->stddev) && GetInterval(v, ptr, "median_ci", &s->median_ci) &&
         GetInterval(v, ptr, "mean_ci", &s->mean_ci) &&
         GetNumberArray(v, ptr, "outliers", &s->outliers);
}

bool DocReader::ReadCheck(const Value& v, const std::string& ptr, Check* c) {
  return ClosedObject(v, ptr, {"name", "ok", "passed", "total", "detail"}) &&
         Get(v, ptr, "name", &c->name) && Get(v, ptr, "ok", &c->ok) &&
         Get(v, ptr, "passed", &c->passed) && Get(v, ptr, "total", &c->total) &&
         Get(v, ptr, "detail", &c->detail);
}

// The reader's error, placed on `line` (the JSON pointer says where in it).
Failure OnLine(Diagnostic diagnostic, int line) {
  diagnostic.line = line;
  return Failure(std::move(diagnostic));
}

}  // namespace

Expected<Results> ReadResultsJson(std::string_view text, std::string_view file_name) {
  rapidjson::Document doc;
  if (auto failed = ParseJsonInput(text, file_name, 1, doc)) return std::move(*failed);
  DocReader reader(file_name);
  Results results;
  if (!reader.ReadResults(doc, &results)) return Failure(reader.error());
  return results;
}

Expected<Cell> ReadCellJson(std::string_view text, std::string_view file_name, int line) {
  rapidjson::Document doc;
  if (auto failed = ParseJsonInput(text, file_name, line, doc)) return std::move(*failed);
  DocReader reader(file_name);
  Cell cell;
  if (!reader.ReadCell(doc, "", &cell)) return OnLine(reader.error(), line);
  return cell;
}

Expected<Context> ReadContextJson(std::string_view text, std::string_view file_name, int line) {
  rapidjson::Document doc;
  if (auto failed = ParseJsonInput(text, file_name, line, doc)) return std::move(*failed);
  DocReader reader(file_name);
  Context context;
  if (!reader.ReadContext(doc, "", &context)) return OnLine(reader.error(), line);
  return context;
}

Expected<Results> LoadResultsFile(const std::filesystem::path& path,
                                  std::vector<std::string>* notes) {
  Expected<std::string> text = ReadInputFile(path, kMaxResultsFileBytes);
  if (!text) return text.failure();
  if (path.extension() == ".jsonl") return ReadResultsJournal(*text, path.string(), notes);
  return ReadResultsJson(*text, path.string());
}

}  // namespace agentreplay::results
