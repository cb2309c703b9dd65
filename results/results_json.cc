#include "results/results_json.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <set>
#include <system_error>
#include <utility>

#include "core/output_file.h"

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

// Finite values only, on one line (like itl_ms).
void WriteNumberArray(Emitter& e, const std::vector<double>& values) {
  e.BeginArray(/*one_line=*/true);
  for (double v : values) {
    if (std::isfinite(v)) e.Number(v);
  }
  e.EndArray();
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
  // Members added after v1 shipped are written only when they say something, so documents
  // without them stay valid and byte-identical.
  if (c.warmup > 0) e.IntField("warmup", c.warmup);
  e.StringField("started_at", c.started_at);
  e.StringField("hostname", c.hostname);
  e.IntField("cpus", c.cpus);
  e.StringField("os", c.os);
  e.StringField("command_line", c.command_line);
  if (!c.plan.empty()) {
    e.StringField("plan", c.plan);
    e.IntField("planned_cells", c.planned_cells);
  }
  if (c.shard_count > 0) {
    e.Key("shard");
    e.BeginObject();
    e.IntField("index", c.shard_index);
    e.IntField("count", c.shard_count);
    e.EndObject();
  }
  e.EndObject();
}

void WriteSample(Emitter& e, const Sample& s) {
  e.BeginObject();
  e.IntField("repetition", s.repetition);
  e.IntField("turn", s.turn);
  e.BoolField("ok", s.ok);
  if (s.warmup) e.BoolField("warmup", true);
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
  if (!s.fidelity_ms.empty()) {
    e.Key("fidelity_ms");
    WriteNumberArray(e, s.fidelity_ms);
  }
  e.EndObject();
}

void WriteInterval(Emitter& e, std::string_view key, const std::optional<Interval>& interval) {
  if (!interval) return;
  e.Key(key);
  e.BeginObject();
  e.NumberField("low", interval->low);
  e.NumberField("high", interval->high);
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
  WriteInterval(e, "median_ci", s.median_ci);
  WriteInterval(e, "mean_ci", s.mean_ci);
  if (!s.outliers.empty()) {
    e.Key("outliers");
    WriteNumberArray(e, s.outliers);
  }
  e.EndObject();
}

void WriteCell(Emitter& e, const Cell& c) {
  e.BeginObject();
  e.StringField("scenario", c.scenario);
  e.StringField("runtime", c.runtime);
  e.StringField("variant", c.variant);
  e.StringField("world", c.world);
  if (c.source != CellSource{}) {
    e.Key("source");
    e.BeginObject();
    e.StringField("kind", c.source.kind);
    e.StringField("path", c.source.path);
    e.StringField("origin", c.source.origin);
    e.EndObject();
  }
  e.IntField("error_samples", c.error_samples);
  if (c.warmup_samples > 0) e.IntField("warmup_samples", c.warmup_samples);
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
  e.StringField("baseline", c.baseline);
  e.Key("change_vs_baseline");
  WriteNumberMap(e, c.change_vs_baseline);
  e.EndObject();
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

std::string CellToJsonLine(const Cell& cell) {
  Emitter e(/*pretty=*/false);
  WriteCell(e, cell);
  return e.Take();
}

std::string ContextToJsonLine(const Context& context) {
  Emitter e(/*pretty=*/false);
  WriteContext(e, context);
  return e.Take();
}

Status WriteResultsFileAtomically(const Results& results, const std::filesystem::path& path) {
  return WriteFileAtomically(path, ResultsToJson(results, /*pretty=*/true));
}

}  // namespace agentreplay::results
