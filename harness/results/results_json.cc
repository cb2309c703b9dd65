#include "results/results_json.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <set>
#include <system_error>
#include <utility>

namespace agentreplay::results {
namespace {

// ---------------------------------------------------------------------------------------------
// Writing. A small emitter rather than rapidjson::PrettyWriter because we want arrays of numbers
// (ITL gaps, hundreds per sample) on one line and full control over number formatting.

// Length of the valid UTF-8 sequence at the start of `s`, or 0 when it is not valid UTF-8.
size_t Utf8SequenceLength(std::string_view s) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // UTF-16 surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // beyond U+10FFFF
  } else {
    return 0;
  }
  if (s.size() < length || byte(1) < low || byte(1) > high) return 0;
  for (size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  }
  return length;
}

// At most 6 decimals, trailing zeros trimmed; huge magnitudes in shortest exponent form so a
// bogus 1e300 does not become 300 digits.
std::string FormatDouble(double value) {
  if (std::fabs(value) >= 1e15) return fmt::format("{}", value);
  std::string text = fmt::format("{:.6f}", value);
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  if (text == "-0") text = "0";
  return text;
}

class Emitter {
 public:
  explicit Emitter(bool pretty) : pretty_(pretty) {}

  void BeginObject() { Open('{', false); }
  void EndObject() { Close('}'); }
  // A one-line array keeps its elements (and anything nested) on one line even when pretty.
  void BeginArray(bool one_line) { Open('[', one_line); }
  void EndArray() { Close(']'); }
  void Key(std::string_view key) {
    String(key);
    out_ += pretty_ ? ": " : ":";
    after_key_ = true;
  }
  void String(std::string_view value) {
    Prefix();
    AppendString(value);
  }
  // A number or literal, already formatted.
  void Raw(std::string_view text) {
    Prefix();
    out_ += text;
  }
  void Number(double value) { Raw(std::isfinite(value) ? FormatDouble(value) : "null"); }

  // key: value in one call. Distinct names, because a string literal would pick a bool overload.
  void StringField(std::string_view key, std::string_view value) {
    Key(key);
    String(value);
  }
  void BoolField(std::string_view key, bool value) {
    Key(key);
    Raw(value ? "true" : "false");
  }
  void IntField(std::string_view key, int64_t value) {
    Key(key);
    Raw(fmt::format("{}", value));
  }
  void NumberField(std::string_view key, double value) {
    Key(key);
    Number(value);
  }

  std::string Take() {
    if (pretty_) out_ += '\n';
    return std::move(out_);
  }

 private:
  struct Frame {
    bool one_line = false;
    int count = 0;
  };

  void Open(char bracket, bool one_line) {
    Prefix();
    out_ += bracket;
    const bool inherited = !stack_.empty() && stack_.back().one_line;
    stack_.push_back({one_line || inherited, 0});
  }
  void Close(char bracket) {
    const Frame frame = stack_.back();
    stack_.pop_back();
    if (frame.count > 0 && !frame.one_line) NewLine();
    out_ += bracket;
  }
  // Separator and indentation before a key, or before a value that has no key.
  void Prefix() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (stack_.empty()) return;
    Frame& frame = stack_.back();
    if (frame.count++ > 0) out_ += ',';
    if (!frame.one_line) {
      NewLine();
    } else if (pretty_ && frame.count > 1) {
      out_ += ' ';
    }
  }
  void NewLine() {
    if (!pretty_) return;
    out_ += '\n';
    out_.append(2 * stack_.size(), ' ');
  }
  // JSON must be UTF-8: invalid bytes (say, from a garbled error body) become U+FFFD.
  void AppendString(std::string_view s) {
    static constexpr std::string_view kSpecial = "\"\\\n\r\t\b\f";
    static constexpr std::string_view kEscaped = "\"\\nrtbf";
    out_ += '"';
    while (!s.empty()) {
      const size_t length = Utf8SequenceLength(s);
      const auto c = static_cast<unsigned char>(s[0]);
      if (length == 0) {
        out_ += "\\ufffd";
        s.remove_prefix(1);
        continue;
      }
      if (const size_t special = kSpecial.find(s[0]); special != std::string_view::npos) {
        out_ += '\\';
        out_ += kEscaped[special];
      } else if (c < 0x20) {
        out_ += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
      } else {
        out_.append(s.substr(0, length));
      }
      s.remove_prefix(length);
    }
    out_ += '"';
  }

  bool pretty_;
  bool after_key_ = false;
  std::vector<Frame> stack_;
  std::string out_;
};

void WriteNumberMap(Emitter& e, const std::map<std::string, double>& values) {
  e.BeginObject();
  for (const auto& [name, value] : values) {
    if (!std::isfinite(value)) continue;  // undefined, like a metric the turn cannot define
    e.Key(name);
    e.Number(value);
  }
  e.EndObject();
}

void WriteContext(Emitter& e, const Context& c) {
  e.BeginObject();
  e.StringField("version", c.version);
  e.StringField("git_revision", c.git_revision);
  e.StringField("build_type", c.build_type);
  e.StringField("world", c.world);
  e.Key("seed");
  e.Raw(fmt::format("{}", c.seed));
  e.IntField("repetitions", c.repetitions);
  e.StringField("started_at", c.started_at);
  e.StringField("hostname", c.hostname);
  e.IntField("cpus", c.cpus);
  e.StringField("os", c.os);
  e.StringField("command_line", c.command_line);
  e.EndObject();
}

void WriteSample(Emitter& e, const Sample& s) {
  e.BeginObject();
  e.IntField("repetition", s.repetition);
  e.IntField("turn", s.turn);
  e.BoolField("ok", s.ok);
  if (!s.ok) {
    e.Key("error");
    e.BeginObject();
    e.StringField("kind", s.error_kind);
    e.StringField("reason", s.error_reason);
    e.StringField("message", s.error_message);
    e.EndObject();
  }
  e.Key("metrics");
  WriteNumberMap(e, s.metrics);
  e.Key("segments");
  WriteNumberMap(e, s.segments);
  e.Key("requests_by_endpoint");
  e.BeginObject();
  for (const auto& [endpoint, count] : s.requests_by_endpoint) e.IntField(endpoint, count);
  e.EndObject();
  e.Key("itl_ms");
  e.BeginArray(/*one_line=*/true);
  for (double gap : s.itl_ms) {
    if (std::isfinite(gap)) e.Number(gap);
  }
  e.EndArray();
  e.EndObject();
}

void WriteSummary(Emitter& e, const Summary& s) {
  e.BeginObject();
  e.IntField("count", s.count);
  e.NumberField("min", s.min);
  e.NumberField("p50", s.p50);
  e.NumberField("p90", s.p90);
  e.NumberField("p95", s.p95);
  e.NumberField("p99", s.p99);
  e.NumberField("max", s.max);
  e.NumberField("mean", s.mean);
  e.NumberField("stddev", s.stddev);
  e.EndObject();
}

void WriteCell(Emitter& e, const Cell& c) {
  e.BeginObject();
  e.StringField("scenario", c.scenario);
  e.StringField("runtime", c.runtime);
  e.StringField("variant", c.variant);
  e.StringField("world", c.world);
  e.IntField("error_samples", c.error_samples);
  e.Key("samples");
  e.BeginArray(false);
  for (const Sample& s : c.samples) WriteSample(e, s);
  e.EndArray();
  e.Key("stats");
  e.BeginObject();
  for (const auto& [metric, summary] : c.stats) {
    e.Key(metric);
    WriteSummary(e, summary);
  }
  e.EndObject();
  e.Key("checks");
  e.BeginArray(false);
  for (const Check& check : c.checks) {
    e.BeginObject();
    e.StringField("name", check.name);
    e.BoolField("ok", check.ok);
    e.IntField("passed", check.passed);
    e.IntField("total", check.total);
    e.StringField("detail", check.detail);
    e.EndObject();
  }
  e.EndArray();
  e.EndObject();
}

// ---------------------------------------------------------------------------------------------
// Reading. Every accessor records the first error (with the JSON pointer of the offending value)
// and returns false; callers stop at the first false.

using Value = rapidjson::Value;

std::string PointerTo(const std::string& parent, std::string_view key) {
  std::string out = parent + "/";
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

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
  const std::string& Error() const { return error_; }

  bool Fail(const std::string& pointer, std::string_view what) {
    error_ = pointer.empty() ? fmt::format("{}: {}", file_, what)
                             : fmt::format("{}: {}: {}", file_, pointer, what);
    return false;
  }

  // `v` must be an object with no duplicate members and none outside `known`.
  bool ClosedObject(const Value& v, const std::string& ptr,
                    std::initializer_list<std::string_view> known) {
    if (!OpenObject(v, ptr)) return false;
    for (const auto& m : v.GetObject()) {
      if (std::find(known.begin(), known.end(), View(m.name)) == known.end()) {
        return Fail(PointerTo(ptr, View(m.name)), "unknown member");
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
        return Fail(PointerTo(ptr, View(m.name)), "duplicate member");
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
    if (const char* expected = Convert(*v, out)) return Fail(PointerTo(ptr, key), expected);
    return true;
  }
  bool GetNumberMap(const Value& obj, const std::string& ptr, std::string_view key,
                    std::map<std::string, double>* out) {
    const Value* v = Member(obj, ptr, key);
    const std::string here = PointerTo(ptr, key);
    if (v == nullptr || !OpenObject(*v, here)) return false;
    for (const auto& m : v->GetObject()) {
      if (!m.value.IsNumber()) return Fail(PointerTo(here, View(m.name)), "expected a number");
      (*out)[std::string(View(m.name))] = m.value.GetDouble();
    }
    return true;
  }

  bool ReadResults(const Value& doc, Results* out);

 private:
  bool ReadContext(const Value& v, const std::string& ptr, Context* c);
  bool ReadCell(const Value& v, const std::string& ptr, Cell* c);
  bool ReadSample(const Value& v, const std::string& ptr, Sample* s);
  bool ReadSummary(const Value& v, const std::string& ptr, Summary* s);
  bool ReadCheck(const Value& v, const std::string& ptr, Check* c);

  std::string file_;
  std::string error_;
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
    if (!ReadCell((*cells)[i], fmt::format("/cells/{}", i), &out->cells[i])) return false;
  }
  return true;
}

bool DocReader::ReadContext(const Value& v, const std::string& ptr, Context* c) {
  return ClosedObject(v, ptr,
                      {"version", "git_revision", "build_type", "world", "seed", "repetitions",
                       "started_at", "hostname", "cpus", "os", "command_line"}) &&
         Get(v, ptr, "version", &c->version) && Get(v, ptr, "git_revision", &c->git_revision) &&
         Get(v, ptr, "build_type", &c->build_type) && Get(v, ptr, "world", &c->world) &&
         Get(v, ptr, "seed", &c->seed) && Get(v, ptr, "repetitions", &c->repetitions) &&
         Get(v, ptr, "started_at", &c->started_at) && Get(v, ptr, "hostname", &c->hostname) &&
         Get(v, ptr, "cpus", &c->cpus) && Get(v, ptr, "os", &c->os) &&
         Get(v, ptr, "command_line", &c->command_line);
}

bool DocReader::ReadCell(const Value& v, const std::string& ptr, Cell* c) {
  if (!ClosedObject(v, ptr,
                    {"scenario", "runtime", "variant", "world", "error_samples", "samples", "stats",
                     "checks"}) ||
      !Get(v, ptr, "scenario", &c->scenario) || !Get(v, ptr, "runtime", &c->runtime) ||
      !Get(v, ptr, "variant", &c->variant) || !Get(v, ptr, "world", &c->world) ||
      !Get(v, ptr, "error_samples", &c->error_samples)) {
    return false;
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
    if (!ReadSummary(m.value, PointerTo(ptr + "/stats", metric), &c->stats[metric])) return false;
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
                    {"repetition", "turn", "ok", "error", "metrics", "segments",
                     "requests_by_endpoint", "itl_ms"}) ||
      !Get(v, ptr, "repetition", &s->repetition) || !Get(v, ptr, "turn", &s->turn) ||
      !Get(v, ptr, "ok", &s->ok)) {
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
      return Fail(PointerTo(requests_ptr, View(m.name)), "expected an integer");
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
                      {"count", "min", "p50", "p90", "p95", "p99", "max", "mean", "stddev"}) &&
         Get(v, ptr, "count", &s->count) && Get(v, ptr, "min", &s->min) &&
         Get(v, ptr, "p50", &s->p50) && Get(v, ptr, "p90", &s->p90) &&
         Get(v, ptr, "p95", &s->p95) && Get(v, ptr, "p99", &s->p99) &&
         Get(v, ptr, "max", &s->max) && Get(v, ptr, "mean", &s->mean) &&
         Get(v, ptr, "stddev", &s->stddev);
}

bool DocReader::ReadCheck(const Value& v, const std::string& ptr, Check* c) {
  return ClosedObject(v, ptr, {"name", "ok", "passed", "total", "detail"}) &&
         Get(v, ptr, "name", &c->name) && Get(v, ptr, "ok", &c->ok) &&
         Get(v, ptr, "passed", &c->passed) && Get(v, ptr, "total", &c->total) &&
         Get(v, ptr, "detail", &c->detail);
}

std::string ErrnoMessage() { return std::error_code(errno, std::generic_category()).message(); }

// Writes and fsyncs, so that the rename that follows never publishes a file whose data is not
// on disk yet.
bool WriteAndSync(const std::filesystem::path& path, std::string_view text, std::string* error) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = fmt::format("cannot create {}: {}", path.string(), ErrnoMessage());
    return false;
  }
  while (!text.empty()) {
    const ssize_t written = ::write(fd, text.data(), text.size());
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) {
      *error = fmt::format("cannot write {}: {}", path.string(), ErrnoMessage());
      ::close(fd);
      return false;
    }
    text.remove_prefix(static_cast<size_t>(written));
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    *error = fmt::format("cannot write {}: {}", path.string(), ErrnoMessage());
    return false;
  }
  return true;
}

}  // namespace

std::string ResultsToJson(const Results& results, bool pretty) {
  Emitter e(pretty);
  e.BeginObject();
  e.StringField("schema", results.schema);
  e.Key("context");
  WriteContext(e, results.context);
  e.Key("cells");
  e.BeginArray(false);
  for (const Cell& cell : results.cells) WriteCell(e, cell);
  e.EndArray();
  e.EndObject();
  return e.Take();
}

std::variant<Results, ReadError> ReadResultsJson(std::string_view text,
                                                 std::string_view file_name) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(text.data(), text.size());
  if (doc.HasParseError()) {
    const size_t offset = std::min(doc.GetErrorOffset(), text.size());
    const std::string_view before = text.substr(0, offset);
    const size_t line = 1 + static_cast<size_t>(std::count(before.begin(), before.end(), '\n'));
    const size_t line_start = before.rfind('\n');
    const size_t column = line_start == std::string_view::npos ? offset + 1 : offset - line_start;
    return ReadError{std::string(file_name),
                     fmt::format("{}: invalid JSON at line {}, column {}: {}", file_name, line,
                                 column, rapidjson::GetParseError_En(doc.GetParseError()))};
  }
  DocReader reader(file_name);
  Results results;
  if (!reader.ReadResults(doc, &results)) return ReadError{std::string(file_name), reader.Error()};
  return results;
}

bool WriteResultsFileAtomically(const Results& results, const std::filesystem::path& path,
                                std::string* error) {
  std::string message;
  auto fail = [&](std::string why) {
    if (error != nullptr) *error = std::move(why);
    return false;
  };
  std::error_code ec;
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      return fail(
          fmt::format("cannot create directory {}: {}", path.parent_path().string(), ec.message()));
    }
  }
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  if (!WriteAndSync(tmp, ResultsToJson(results, /*pretty=*/true), &message)) {
    std::filesystem::remove(tmp, ec);
    return fail(message);
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    message = fmt::format("cannot rename {} to {}: {}", tmp.string(), path.string(), ec.message());
    std::filesystem::remove(tmp, ec);
    return fail(message);
  }
  // Make the rename itself durable; failing here loses nothing already published, so ignore it.
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return true;
}

}  // namespace agentreplay::results
