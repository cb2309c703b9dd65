#include "reports/console_reporter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "reports/table.h"

namespace agentreplay::reports {
namespace {

using results::Cell;
using results::Sample;

constexpr std::string_view kSeparator = " \u00b7 ";

// The turn's e2e_ms when it is a usable number.
const double* E2e(const Sample& sample) {
  const auto it = sample.metrics.find("e2e_ms");
  return it != sample.metrics.end() && std::isfinite(it->second) ? &it->second : nullptr;
}

std::string HeaderLine(const results::Context& context) {
  return fmt::format("agentreplay {}{}world {}{}seed {}{}{} repetition{}",
                     context.version.empty() ? "(unknown version)" : context.version, kSeparator,
                     context.world.empty() ? "?" : context.world, kSeparator, context.seed,
                     kSeparator, context.repetitions, context.repetitions == 1 ? "" : "s");
}

// Error messages and check details may carry response bodies; a report line stays one line.
std::string OneLine(std::string text) {
  std::replace_if(
      text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return text;
}

std::string PadRight(const std::string& text, size_t width) {
  return text + std::string(width - std::min(width, DisplayWidth(text)), ' ');
}

// "llm_wait 812.0 ms (93%) · tool_exec 40.0 ms (5%)": the critical-path segments in display
// order (then any the catalog does not know, by name), zero segments left out.
std::string Breakdown(const Sample& sample, double e2e) {
  std::vector<std::string> parts;
  auto add = [&](std::string_view name, double ms) {
    if (!std::isfinite(ms) || ms == 0) return;
    std::string part = fmt::format("{} {} ms", name, FormatValue(ms, "ms"));
    if (e2e > 0) {
      const double percent = 100 * ms / e2e;
      part += percent > 0 && percent < 0.5 ? " (<1%)" : fmt::format(" ({:.0f}%)", percent);
    }
    parts.push_back(std::move(part));
  };
  const auto& known = results::SegmentNames();
  for (std::string_view name : known) {
    const auto it = sample.segments.find(std::string(name));
    if (it != sample.segments.end()) add(name, it->second);
  }
  for (const auto& [name, ms] : sample.segments) {
    if (std::find(known.begin(), known.end(), name) == known.end()) add(name, ms);
  }
  if (parts.empty()) return "no critical-path segments recorded";
  std::string text = parts.front();
  for (size_t i = 1; i < parts.size(); ++i) text += std::string(kSeparator) + parts[i];
  return text;
}

void WriteBreakdowns(const results::Results& results, std::ostream& out) {
  size_t label_width = 0;
  for (const Cell& cell : results.cells) {
    label_width = std::max(label_width, DisplayWidth(CellLabel(cell)));
  }
  out << "\nwhere the time goes (median e2e sample of each cell):\n";
  for (const Cell& cell : results.cells) {
    std::string text = "no successful sample";
    if (const Sample* sample = MedianE2eSample(cell)) {
      const double e2e = *E2e(*sample);
      text = fmt::format("e2e {} ms: {}", FormatValue(e2e, "ms"), Breakdown(*sample, e2e));
    }
    out << "  " << PadRight(CellLabel(cell), label_width) << "  " << text << '\n';
  }
}

// Failed checks and failed samples, the lines someone reads first when a run went wrong.
std::vector<std::string> ProblemLines(const results::Results& results) {
  std::vector<std::string> lines;
  for (const Cell& cell : results.cells) {
    const std::string label = CellLabel(cell);
    for (const results::Check& check : cell.checks) {
      if (check.ok) continue;
      lines.push_back(check.detail.empty()
                          ? fmt::format("check failed: {} {}", label, OneLine(check.name))
                          : fmt::format("check failed: {} {}: {}", label, OneLine(check.name),
                                        OneLine(check.detail)));
    }
    const auto failed = std::count_if(cell.samples.begin(), cell.samples.end(),
                                      [](const Sample& s) { return !s.ok; });
    const auto first = std::find_if(cell.samples.begin(), cell.samples.end(),
                                    [](const Sample& s) { return !s.ok; });
    if (first == cell.samples.end()) continue;
    std::string what = first->error_kind;
    if (!first->error_reason.empty()) what += (what.empty() ? "" : " ") + first->error_reason;
    if (!first->error_message.empty()) what += ": " + OneLine(first->error_message);
    lines.push_back(
        fmt::format("errors: {} {} of {} samples failed; first (repetition {}, turn {}): {}", label,
                    failed, cell.samples.size(), first->repetition, first->turn, what));
  }
  return lines;
}

}  // namespace

const Sample* MedianE2eSample(const Cell& cell) {
  std::vector<const Sample*> candidates;
  for (const Sample& sample : cell.samples) {
    if (sample.ok && E2e(sample) != nullptr) candidates.push_back(&sample);
  }
  if (candidates.empty()) return nullptr;
  std::sort(candidates.begin(), candidates.end(), [](const Sample* a, const Sample* b) {
    const double ea = *E2e(*a), eb = *E2e(*b);
    if (ea != eb) return ea < eb;
    if (a->repetition != b->repetition) return a->repetition < b->repetition;
    return a->turn < b->turn;
  });
  return candidates[(candidates.size() - 1) / 2];
}

void ConsoleReporter::Report(const results::Results& results, std::ostream& out) {
  out << HeaderLine(results.context) << "\n\n";
  if (results.cells.empty()) {
    out << "no cells\n";
    return;
  }
  WriteAlignedText(CellSummaryTable(results), out);
  WriteBreakdowns(results, out);
  const std::vector<std::string> problems = ProblemLines(results);
  if (!problems.empty()) out << '\n';
  for (const std::string& line : problems) out << line << '\n';
}

}  // namespace agentreplay::reports
