#include "reports/compare/gate.h"

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>

#include "core/input_file.h"
#include "reports/compare/comparison.h"
#include "results/json_input.h"

namespace agentreplay::reports {
namespace {

using Value = rapidjson::Value;

std::string_view View(const Value& v) { return {v.GetString(), v.GetStringLength()}; }

std::string Pointer(const std::string& parent, std::string_view token) {
  std::string out = parent + "/";
  for (char c : token) {
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

bool IsMillisecondMetric(std::string_view metric) {
  if (metric.starts_with("segment.")) return true;
  const results::MetricInfo* info = results::FindMetric(metric);
  return info != nullptr && info->unit == "ms";
}

bool KnownMetric(std::string_view metric) {
  if (metric == kErrorRateMetric) return true;
  if (metric.starts_with("segment.")) {
    const auto& names = results::SegmentNames();
    return std::find(names.begin(), names.end(), metric.substr(8)) != names.end();
  }
  return results::FindMetric(metric) != nullptr;
}

// Collects every problem of one document; each names the file and the JSON pointer.
class GateReader {
 public:
  explicit GateReader(std::string_view file) : file_(file) {}

  void Problem(const std::string& pointer, std::string_view what) {
    problems_.push_back(Diagnostic{std::string(file_), pointer, 0, 0, std::string(what)});
  }
  std::vector<Diagnostic>& problems() { return problems_; }

  // Unknown and duplicate members are problems: a typo must not silently loosen a gate.
  bool Object(const Value& v, const std::string& ptr,
              std::initializer_list<std::string_view> known) {
    if (!v.IsObject()) {
      Problem(ptr, "expected an object");
      return false;
    }
    std::set<std::string_view> seen;
    for (const auto& m : v.GetObject()) {
      const std::string here = Pointer(ptr, View(m.name));
      if (!seen.insert(View(m.name)).second) Problem(here, "duplicate member");
      if (known.size() > 0 && std::find(known.begin(), known.end(), View(m.name)) == known.end()) {
        std::string list;
        for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
        Problem(here, fmt::format("unknown member (known: {})", list));
      }
    }
    return true;
  }

  // "5%" (relative) or a non-negative number (absolute, in the metric's unit).
  std::optional<Threshold> ReadThreshold(const Value& v, const std::string& ptr) {
    if (v.IsNumber()) {
      if (!(v.GetDouble() >= 0) || !std::isfinite(v.GetDouble())) {
        Problem(ptr, "expected a non-negative threshold");
        return std::nullopt;
      }
      return Threshold{v.GetDouble(), true};
    }
    if (v.IsString()) {
      const std::string_view text = View(v);
      double percent = 0;
      if (text.size() >= 2 && text.back() == '%') {
        const char* end = text.data() + text.size() - 1;
        const auto [at, ec] = std::from_chars(text.data(), end, percent);
        if (ec == std::errc() && at == end && percent >= 0 && std::isfinite(percent)) {
          return Threshold{percent / 100.0, false};
        }
      }
    }
    Problem(ptr,
            "expected a relative threshold such as \"5%\" or a non-negative number in the "
            "metric's unit");
    return std::nullopt;
  }

  std::optional<double> ReadNumber(const Value& v, const std::string& ptr, double min, double max,
                                   std::string_view what) {
    if (!v.IsNumber() || !(v.GetDouble() >= min && v.GetDouble() <= max)) {
      Problem(ptr, fmt::format("expected {}", what));
      return std::nullopt;
    }
    return v.GetDouble();
  }

  std::optional<bool> ReadFailOrIgnore(const Value& v, const std::string& ptr) {
    if (v.IsString() && View(v) == "fail") return true;
    if (v.IsString() && View(v) == "ignore") return false;
    Problem(ptr, "expected \"fail\" or \"ignore\"");
    return std::nullopt;
  }

  void ReadMetrics(const Value& v, const std::string& ptr, Gate& gate) {
    if (!Object(v, ptr, {})) return;
    gate.metrics.clear();
    for (const auto& m : v.GetObject()) {
      const std::string name(View(m.name));
      const std::string here = Pointer(ptr, name);
      if (!KnownMetric(name)) {
        Problem(here,
                "unknown metric (see `agentreplay list metrics`; segments as "
                "\"segment.<name>\")");
        continue;
      }
      GatedMetric metric{name, std::nullopt, std::nullopt};
      if (Object(m.value, here, {"threshold", "min_change"})) {
        if (m.value.HasMember("threshold")) {
          metric.threshold = ReadThreshold(m.value["threshold"], Pointer(here, "threshold"));
        }
        if (m.value.HasMember("min_change")) {
          metric.min_change = ReadNumber(m.value["min_change"], Pointer(here, "min_change"), 0,
                                         HUGE_VAL, "a non-negative number in the metric's unit");
        }
      }
      gate.metrics.push_back(std::move(metric));
    }
  }

  void ReadCells(const Value& v, const std::string& ptr, Gate& gate) {
    if (!v.IsArray()) {
      Problem(ptr, "expected an array of selectors such as \"scenario=weather,runtime=responses\"");
      return;
    }
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      const std::string here = fmt::format("{}/{}", ptr, i);
      if (!v[i].IsString()) {
        Problem(here, "expected a selector string");
        continue;
      }
      auto parsed = ParseSelector(View(v[i]));
      if (!parsed) {
        Problem(here, parsed.error());
      } else {
        gate.cells.push_back(std::move(*parsed));
      }
    }
  }

  void ReadGate(const Value& doc, Gate& gate) {
    if (!doc.IsObject()) {
      Problem("", "expected a JSON object (an agentreplay gate)");
      return;
    }
    if (!doc.HasMember("schema")) {
      Problem("", fmt::format("missing member \"schema\" (\"{}\")", kGateSchemaV1));
    } else if (!doc["schema"].IsString() || View(doc["schema"]) != kGateSchemaV1) {
      Problem("/schema", fmt::format("expected \"{}\"", kGateSchemaV1));
      return;  // another version: its other members mean other things
    }
    Object(doc, "",
           {"schema", "description", "alpha", "noise", "min_change_ms", "min_samples", "metrics",
            "cells", "missing_cells", "new_cells"});
    if (doc.HasMember("description") && !doc["description"].IsString()) {
      Problem("/description", "expected a string");
    }
    if (doc.HasMember("alpha")) {
      if (auto alpha = ReadNumber(doc["alpha"], "/alpha", 0, 1, "a number in (0, 1)")) {
        if (*alpha <= 0 || *alpha >= 1) {
          Problem("/alpha", "expected a number in (0, 1)");
        } else {
          gate.alpha = *alpha;
        }
      }
    }
    if (doc.HasMember("noise")) {
      if (auto noise = ReadThreshold(doc["noise"], "/noise")) gate.noise = *noise;
    }
    if (doc.HasMember("min_change_ms")) {
      if (auto ms = ReadNumber(doc["min_change_ms"], "/min_change_ms", 0, HUGE_VAL,
                               "a non-negative number of milliseconds")) {
        gate.min_change_ms = *ms;
      }
    }
    if (doc.HasMember("min_samples")) {
      const Value& v = doc["min_samples"];
      if (!v.IsInt() || v.GetInt() < 1) {
        Problem("/min_samples", "expected a positive integer");
      } else {
        gate.min_samples = v.GetInt();
      }
    }
    if (doc.HasMember("metrics")) ReadMetrics(doc["metrics"], "/metrics", gate);
    if (doc.HasMember("cells")) ReadCells(doc["cells"], "/cells", gate);
    if (doc.HasMember("missing_cells")) {
      if (auto fail = ReadFailOrIgnore(doc["missing_cells"], "/missing_cells")) {
        gate.missing_is_failure = *fail;
      }
    }
    if (doc.HasMember("new_cells")) {
      if (auto fail = ReadFailOrIgnore(doc["new_cells"], "/new_cells")) {
        gate.new_is_failure = *fail;
      }
    }
  }

 private:
  std::string file_;
  std::vector<Diagnostic> problems_;
};

}  // namespace

std::string Threshold::ToString() const {
  if (!absolute) return fmt::format("{:g}%", value * 100);
  return fmt::format("{:g}", value);
}

const GatedMetric* Gate::Find(std::string_view metric) const {
  for (const auto& m : metrics) {
    if (m.metric == metric) return &m;
  }
  return nullptr;
}

bool Gate::JudgesCell(const results::Cell& cell) const {
  return cells.empty() || std::any_of(cells.begin(), cells.end(),
                                      [&](const Selector& s) { return s.Matches(cell); });
}

Threshold Gate::ThresholdFor(std::string_view metric) const {
  const GatedMetric* m = Find(metric);
  return m != nullptr && m->threshold ? *m->threshold : noise;
}

double Gate::MinChangeFor(std::string_view metric) const {
  const GatedMetric* m = Find(metric);
  if (m != nullptr && m->min_change) return *m->min_change;
  return IsMillisecondMetric(metric) ? min_change_ms : 0.0;
}

Gate DefaultGate() {
  // What a user of the agent sees. The components of the critical path (llm_wait, sleep,
  // detect_lag, tool_exec, ...) trade against each other when a package moves time from one
  // to another (p0 turns sleeps into llm_wait), so they explain a verdict instead of making
  // one; a gate file can still gate them. fidelity_ms measures the machine, not the agent.
  Gate gate;
  // And whether turns fail at all: a package that breaks turns is a regression however fast.
  for (const char* name : {"ttfs_ms", "ttft_ms", "e2e_ms", "itl_ms", kErrorRateMetric}) {
    gate.metrics.push_back({name, {}, {}});
  }
  return gate;
}

Expected<Gate> ParseGate(std::string_view text, std::string_view file_name) {
  rapidjson::Document doc;
  // Iterative and depth-bounded: a gate file nested absurdly deep is an error, not a crash.
  if (auto failed = results::ParseJsonInput(text, file_name, 1, doc)) return std::move(*failed);
  Gate gate = DefaultGate();
  gate.source = std::string(file_name);
  GateReader reader(file_name);
  reader.ReadGate(doc, gate);
  if (!reader.problems().empty()) return Failure(std::move(reader.problems()));
  return gate;
}

Expected<Gate> LoadGateFile(const std::filesystem::path& path) {
  Expected<std::string> text = ReadInputFile(path);
  if (!text) return text.failure();
  return ParseGate(*text, path.string());
}

}  // namespace agentreplay::reports
