// A gate: which metrics of which cells a comparison judges, how strictly, and what else fails it.
// Loaded from a JSON file (scenarios/schemas/gate.schema.json; docs/compare-and-gates.md) or the
// built-in default: the user-visible latencies (ttfs, ttft, e2e, itl), 5% and at least 1 ms,
// alpha 0.05.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/expected.h"
#include "reports/compare/selector.h"
#include "results/result_model.h"

namespace agentreplay::reports {

inline constexpr const char* kGateSchemaV1 = "agentreplay.gate/v1";

// A change smaller than this is noise, however significant: relative ("5%" → 0.05) or absolute in
// the metric's unit.
struct Threshold {
  double value = 0.05;
  bool absolute = false;
  std::string ToString() const;  // "5%", "2 ms", "0"
};

struct GatedMetric {
  std::string metric;                  // a catalog metric or "segment.<name>"
  std::optional<Threshold> threshold;  // absent: the gate's noise threshold
  std::optional<double> min_change;    // absent: min_change_ms for ms metrics, else 0
};

struct Gate {
  std::string source = "the default gate";  // the file it came from, for messages
  double alpha = 0.05;
  Threshold noise;           // for gated metrics without their own threshold
  double min_change_ms = 1;  // a change of a millisecond metric below this never counts
  // Fewer non-warm-up successful samples than this on either side: "insufficient".
  int min_samples = 3;
  std::vector<GatedMetric> metrics;
  std::vector<Selector> cells;  // the cells judged (matched on the head cell); empty: all
  bool missing_is_failure = true;
  bool new_is_failure = false;

  const GatedMetric* Find(std::string_view metric) const;
  bool JudgesCell(const results::Cell& cell) const;
  // The threshold and absolute floor applied to `metric` (gated or not: ungated metrics get the
  // noise threshold, so their verdicts still mean something in reports).
  Threshold ThresholdFor(std::string_view metric) const;
  double MinChangeFor(std::string_view metric) const;
};

// Every latency metric of the agent (unit ms, fidelity_ms excepted) at the noise threshold 5% with
// a 1 ms floor; alpha 0.05; missing cells fail, new cells do not.
Gate DefaultGate();

// Parses a gate document. On error, every problem found, one per line, each as
// "FILE: /json/pointer: what is wrong" ("FILE:LINE:COLUMN: invalid JSON: ..." for syntax).
Expected<Gate> ParseGate(std::string_view text, std::string_view file_name);
Expected<Gate> LoadGateFile(const std::filesystem::path& path);

}  // namespace agentreplay::reports
