#include "results/results_validate.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "results/statistics.h"

namespace agentreplay::results {
namespace {

using Result = std::optional<Violation>;

Violation At(std::string pointer, std::string rule) {
  return Violation{std::move(pointer), std::move(rule)};
}

// What a string may hold. Names reach reports as identifiers (XML attributes, metric labels,
// table cells, file paths of recordings), where no control character has a meaning; text is read
// by people, where lines and tabs do.
enum class Kind { kName, kText };

Result CheckString(std::string_view value, Kind kind, std::string pointer) {
  const std::size_t limit = kind == Kind::kName ? kMaxNameBytes : kMaxTextBytes;
  if (value.size() > limit) {
    return At(std::move(pointer), fmt::format("longer than {} bytes", limit));
  }
  for (char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte == 0) return At(std::move(pointer), "contains a NUL character");
    if (kind == Kind::kName && (byte < 0x20 || byte == 0x7f)) {
      return At(std::move(pointer), fmt::format("contains the control character U+{:04X}", byte));
    }
  }
  return std::nullopt;
}

Result CheckName(std::string_view value, std::string pointer, bool may_be_empty = true) {
  if (!may_be_empty && value.empty()) return At(std::move(pointer), "must not be empty");
  return CheckString(value, Kind::kName, std::move(pointer));
}

// Catalog metrics whose value can never be negative: counts, sizes, CPU time, and the durations
// measured forward from the turn's start. Durations that are differences of two clocks'
// readings (detect_lag_ms, tool_overhead_ms, load's start_delay_ms) can come out slightly
// negative in the real world, so they are left alone.
bool IsNonNegativeMetric(const MetricInfo& info) {
  static constexpr std::array<std::string_view, 7> kForwardDurations = {
      "ttfs_ms", "ttft_ms", "ttfr_ms", "e2e_ms", "sleep_ms", "tool_exec_ms", "llm_wait_ms"};
  return info.unit == "count" || info.unit == "bytes" || info.unit == "tokens" ||
         info.unit == "us" ||
         std::find(kForwardDurations.begin(), kForwardDurations.end(), info.name) !=
             kForwardDurations.end();
}

Result CheckMetric(std::string_view name, double value, const std::string& pointer) {
  const MetricInfo* info = FindMetric(name);
  if (info == nullptr) return std::nullopt;  // newer metrics are kept, unchecked
  if (IsNonNegativeMetric(*info) && value < 0) {
    return At(pointer, fmt::format("a {} metric cannot be negative", info->unit));
  }
  if ((info->unit == "count" || info->unit == "bytes") && value != std::trunc(value)) {
    return At(pointer, fmt::format("a {} metric must be a whole number", info->unit));
  }
  return std::nullopt;
}

Result CheckSample(const Sample& s, const std::string& ptr) {
  if (s.repetition < 0) return At(ptr + "/repetition", "must be 0 or more");
  if (s.turn < 0) return At(ptr + "/turn", "must be 0 or more");
  if (!s.ok) {
    if (auto bad = CheckName(s.error_kind, ptr + "/error/kind")) return bad;
    if (auto bad = CheckName(s.error_reason, ptr + "/error/reason")) return bad;
    if (auto bad = CheckString(s.error_message, Kind::kText, ptr + "/error/message")) return bad;
  }
  for (const auto& [name, value] : s.metrics) {
    const std::string at = AppendPointer(ptr + "/metrics", name);
    if (auto bad = CheckName(name, at, false)) return bad;
    if (auto bad = CheckMetric(name, value, at)) return bad;
  }
  // The critical path is cut into pieces of positive length.
  for (const auto& [name, value] : s.segments) {
    const std::string at = AppendPointer(ptr + "/segments", name);
    if (auto bad = CheckName(name, at, false)) return bad;
    if (value < 0) return At(at, "a segment of the critical path cannot be negative");
  }
  for (const auto& [endpoint, count] : s.requests_by_endpoint) {
    const std::string at = AppendPointer(ptr + "/requests_by_endpoint", endpoint);
    if (auto bad = CheckName(endpoint, at, false)) return bad;
    if (count < 0) return At(at, "a request count cannot be negative");
  }
  for (std::size_t i = 0; i < s.itl_ms.size(); ++i) {
    if (s.itl_ms[i] < 0) {
      return At(fmt::format("{}/itl_ms/{}", ptr, i), "a gap between tokens cannot be negative");
    }
  }
  return std::nullopt;
}

// Room for rounding: the file keeps 6 decimals, and a type-7 quantile or a mean can land an ulp
// past its neighbour before that.
bool AtMost(double a, double b) {
  if (!std::isfinite(a) || !std::isfinite(b)) return true;  // null: nothing to order
  return a <= b + 1e-6 + 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

Result CheckSummary(const Summary& s, std::size_t values, const std::string& ptr) {
  if (s.count < 0) return At(ptr + "/count", "must be 0 or more");
  if (static_cast<std::size_t>(s.count) != values) {
    return At(ptr + "/count", fmt::format("{} values summarised, but the cell's successful samples "
                                          "hold {}",
                                          s.count, values));
  }
  if (s.count == 0) return std::nullopt;
  const std::pair<const char*, double> ordered[] = {{"min", s.min}, {"p50", s.p50}, {"p90", s.p90},
                                                    {"p95", s.p95}, {"p99", s.p99}, {"max", s.max}};
  for (std::size_t i = 1; i < std::size(ordered); ++i) {
    if (!AtMost(ordered[i - 1].second, ordered[i].second)) {
      return At(fmt::format("{}/{}", ptr, ordered[i].first),
                fmt::format("below {} (expected min <= p50 <= p90 <= p95 <= p99 <= max)",
                            ordered[i - 1].first));
    }
  }
  if (!AtMost(s.min, s.mean) || !AtMost(s.mean, s.max)) {
    return At(ptr + "/mean", "outside [min, max]");
  }
  if (!AtMost(0, s.stddev)) return At(ptr + "/stddev", "cannot be negative");
  for (const auto& [name, interval] :
       {std::pair{"median_ci", s.median_ci}, {"mean_ci", s.mean_ci}}) {
    if (interval && !AtMost(interval->low, interval->high)) {
      return At(fmt::format("{}/{}/low", ptr, name), "above high");
    }
  }
  if (s.outliers.size() > static_cast<std::size_t>(s.count)) {
    return At(ptr + "/outliers", "more outliers than values");
  }
  return std::nullopt;
}

Result CheckCheck(const Check& c, const std::string& ptr) {
  if (auto bad = CheckString(c.name, Kind::kText, ptr + "/name")) return bad;
  if (auto bad = CheckString(c.detail, Kind::kText, ptr + "/detail")) return bad;
  if (c.passed < 0) return At(ptr + "/passed", "must be 0 or more");
  if (c.total < 0) return At(ptr + "/total", "must be 0 or more");
  if (c.passed > c.total) return At(ptr + "/passed", "more than total");
  // A check is ok exactly when it passed in every repetition, and only a failure has a detail.
  if (c.ok != (c.passed == c.total)) {
    return At(ptr + "/ok", c.ok ? "true, but passed < total" : "false, but passed == total");
  }
  if (c.ok && !c.detail.empty()) return At(ptr + "/detail", "must be empty when ok");
  return std::nullopt;
}

Result CheckCellCounts(const Cell& cell) {
  int64_t errors = 0, warmups = 0;
  std::set<std::pair<int, int>> seen;
  for (std::size_t i = 0; i < cell.samples.size(); ++i) {
    const Sample& s = cell.samples[i];
    if (s.warmup) {
      ++warmups;
    } else if (!s.ok) {
      ++errors;
    }
    if (!seen.insert({s.repetition, s.turn}).second) {
      return At(fmt::format("/samples/{}", i),
                fmt::format("a second sample of repetition {}, turn {}", s.repetition, s.turn));
    }
  }
  if (cell.error_samples != errors) {
    return At("/error_samples",
              fmt::format("{}, but {} non-warm-up samples failed", cell.error_samples, errors));
  }
  if (cell.warmup_samples != warmups) {
    return At("/warmup_samples",
              fmt::format("{}, but {} samples are warm-ups", cell.warmup_samples, warmups));
  }
  return std::nullopt;
}

}  // namespace

bool IsKnownWorld(std::string_view world) {
  return world == "sim" || world == "real" || world == "live";
}

bool IsKnownRuntime(std::string_view runtime) {
  return runtime == "assistants" || runtime == "responses" || runtime == "chat";
}

std::string AppendPointer(std::string parent, std::string_view token) {
  parent += '/';
  for (char c : token) {
    if (c == '~') {
      parent += "~0";
    } else if (c == '/') {
      parent += "~1";
    } else {
      parent += c;
    }
  }
  return parent;
}

std::optional<Violation> ValidateContext(const Context& c) {
  const std::pair<const char*, const std::string*> names[] = {{"/version", &c.version},
                                                              {"/git_revision", &c.git_revision},
                                                              {"/build_type", &c.build_type},
                                                              {"/started_at", &c.started_at},
                                                              {"/os", &c.os},
                                                              {"/plan", &c.plan}};
  for (const auto& [pointer, value] : names) {
    if (auto bad = CheckName(*value, pointer)) return bad;
  }
  // A merged document lists every shard's host, so the host list is text, not a name.
  if (auto bad = CheckString(c.hostname, Kind::kText, "/hostname")) return bad;
  if (auto bad = CheckString(c.command_line, Kind::kText, "/command_line")) return bad;
  if (!IsKnownWorld(c.world)) return At("/world", "expected \"sim\", \"real\" or \"live\"");
  if (c.repetitions < 1) return At("/repetitions", "must be 1 or more");
  if (c.warmup < 0) return At("/warmup", "must be 0 or more");
  if (c.cpus < 0) return At("/cpus", "must be 0 or more");
  if (c.planned_cells < 0) return At("/planned_cells", "must be 0 or more");
  return std::nullopt;
}

std::optional<Violation> ValidateCell(const Cell& cell) {
  if (auto bad = CheckName(cell.scenario, "/scenario", false)) return bad;
  if (auto bad = CheckName(cell.variant, "/variant", false)) return bad;
  if (!IsKnownRuntime(cell.runtime)) {
    return At("/runtime", "expected \"assistants\", \"responses\" or \"chat\"");
  }
  if (!IsKnownWorld(cell.world)) return At("/world", "expected \"sim\", \"real\" or \"live\"");
  if (auto bad = CheckString(cell.source.path, Kind::kText, "/source/path")) return bad;
  if (auto bad = CheckString(cell.source.origin, Kind::kText, "/source/origin")) return bad;
  if (cell.error_samples < 0) return At("/error_samples", "must be 0 or more");
  if (cell.warmup_samples < 0) return At("/warmup_samples", "must be 0 or more");
  for (std::size_t i = 0; i < cell.samples.size(); ++i) {
    if (auto bad = CheckSample(cell.samples[i], fmt::format("/samples/{}", i))) return bad;
  }
  if (auto bad = CheckCellCounts(cell)) return bad;
  const std::map<std::string, std::vector<double>> values = CollectMetricValues(cell);
  for (const auto& [metric, summary] : cell.stats) {
    const std::string at = AppendPointer("/stats", metric);
    if (auto bad = CheckName(metric, at, false)) return bad;
    const auto it = values.find(metric);
    if (auto bad = CheckSummary(summary, it == values.end() ? 0 : it->second.size(), at)) {
      return bad;
    }
  }
  for (std::size_t i = 0; i < cell.checks.size(); ++i) {
    if (auto bad = CheckCheck(cell.checks[i], fmt::format("/checks/{}", i))) return bad;
  }
  // The baseline is "runtime/variant" (the variant may hold a '/': "baseline@rate=2/s").
  if (auto bad = CheckName(cell.baseline, "/baseline")) return bad;
  if (cell.baseline.empty()) {
    if (!cell.change_vs_baseline.empty()) {
      return At("/change_vs_baseline", "must be empty when there is no baseline");
    }
  } else if (const std::size_t slash = cell.baseline.find('/');
             slash == std::string::npos || !IsKnownRuntime(cell.baseline.substr(0, slash)) ||
             slash + 1 == cell.baseline.size()) {
    return At("/baseline", "expected \"runtime/variant\" with a known runtime");
  }
  for (const auto& [metric, change] : cell.change_vs_baseline) {
    if (auto bad = CheckName(metric, AppendPointer("/change_vs_baseline", metric), false)) {
      return bad;
    }
  }
  return std::nullopt;
}

std::optional<Violation> ValidateCellInContext(const Cell& cell, std::size_t index,
                                               const Context& context) {
  const std::string ptr = fmt::format("/cells/{}", index);
  if (cell.world != context.world) {
    return At(ptr + "/world",
              fmt::format("\"{}\", but the run's world is \"{}\"", cell.world, context.world));
  }
  // Repetitions are numbered from 0, warm-ups first (Sample::repetition).
  const int64_t repetitions = int64_t{context.repetitions} + std::max(context.warmup, 0);
  for (std::size_t i = 0; i < cell.samples.size(); ++i) {
    const Sample& s = cell.samples[i];
    const std::string at = fmt::format("{}/samples/{}", ptr, i);
    if (s.repetition >= repetitions) {
      return At(at + "/repetition",
                fmt::format("{}, but the run has {} repetitions", s.repetition, repetitions));
    }
    if (s.warmup != (s.repetition < context.warmup)) {
      return At(at + "/warmup", fmt::format("the first {} repetitions, and only they, are warm-ups",
                                            context.warmup));
    }
  }
  return std::nullopt;
}

std::optional<Violation> ValidateResults(const Results& results) {
  if (auto bad = ValidateContext(results.context)) {
    bad->pointer = "/context" + bad->pointer;
    return bad;
  }
  for (std::size_t i = 0; i < results.cells.size(); ++i) {
    if (auto bad = ValidateCell(results.cells[i])) {
      bad->pointer = fmt::format("/cells/{}{}", i, bad->pointer);
      return bad;
    }
    if (auto bad = ValidateCellInContext(results.cells[i], i, results.context)) return bad;
  }
  return ValidateCellCount(results.context, results.cells.size());
}

std::optional<Violation> ValidateCellCount(const Context& context, std::size_t cells) {
  // A whole plan's count covers the cells of any shard or partial merge of it; documents
  // written before plans were recorded have neither.
  if (!context.plan.empty() && static_cast<std::size_t>(context.planned_cells) < cells) {
    return At("/context/planned_cells",
              fmt::format("{}, but the document holds {} cells", context.planned_cells, cells));
  }
  return std::nullopt;
}

}  // namespace agentreplay::results
