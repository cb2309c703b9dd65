#include "reports/html_charts.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "reports/svg.h"
#include "reports/table.h"

namespace agentreplay::reports {
namespace {

using results::Cell;

constexpr double kWidth = 1100;
constexpr double kLabelWidth = 240;
constexpr double kRightMargin = 170;  // room for the value printed after a bar
constexpr double kPlotWidth = kWidth - kLabelWidth - kRightMargin;

struct Row {
  std::string label;
  const Cell* cell;
};

// Labels left of a chart get a fixed column; longer ones are cut (the tooltip has the full text).
std::string Fit(const std::string& label) {
  constexpr size_t kMaxChars = 34;
  if (DisplayWidth(label) <= kMaxChars) return label;
  std::string cut;
  size_t chars = 0;
  for (char c : label) {
    const bool starts_char = (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (starts_char && ++chars > kMaxChars - 1) break;
    cut += c;
  }
  return cut + "\u2026";
}

double Scale(double value, double max) {
  return max > 0 && std::isfinite(value) ? kPlotWidth * std::min(value, max) / max : 0;
}

// A "nice" upper end for an axis: 1, 2, 2.5 or 5 times a power of ten, at least `value`.
double NiceMax(double value) {
  if (!(value > 0) || !std::isfinite(value)) return 1;
  const double power = std::pow(10, std::floor(std::log10(value)));
  for (double step : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (step * power >= value) return step * power;
  }
  return 10 * power;
}

void Axis(SvgCanvas& svg, double y_top, double y_bottom, double max, std::string_view unit) {
  for (int i = 0; i <= 4; ++i) {
    const double x = kLabelWidth + kPlotWidth * i / 4;
    svg.Line(x, y_top, x, y_bottom, "axis");
    svg.Text(x, y_bottom + 13, fmt::format("{} {}", FormatValue(max * i / 4, unit), unit),
             "axis-label", "middle");
  }
}

// A metric's median bar with its CI whisker, `height` tall at `y`.
void MedianBar(SvgCanvas& svg, const Cell& cell, std::string_view metric, double y, double height,
               double max, std::string_view css_class) {
  const results::Summary* s = results::FindStat(cell, metric);
  if (s == nullptr || s->count == 0) return;
  std::string tooltip = fmt::format("{} {} p50 {} ms (n={})", CellLabel(cell), metric,
                                    FormatValue(s->p50, "ms"), s->count);
  if (s->median_ci) {
    tooltip += fmt::format(", 95% CI {} to {} ms", FormatValue(s->median_ci->low, "ms"),
                           FormatValue(s->median_ci->high, "ms"));
  }
  svg.Rect(kLabelWidth, y, Scale(s->p50, max), height, css_class, tooltip);
  if (s->median_ci) {
    const double x1 = kLabelWidth + Scale(s->median_ci->low, max);
    const double x2 = kLabelWidth + Scale(s->median_ci->high, max);
    const double mid = y + height / 2;
    svg.Line(x1, mid, x2, mid, "whisker");
    svg.Line(x1, y, x1, y + height, "whisker");
    svg.Line(x2, y, x2, y + height, "whisker");
  }
}

double UpperEnd(const Cell& cell, std::string_view metric) {
  const results::Summary* s = results::FindStat(cell, metric);
  if (s == nullptr || s->count == 0) return 0;
  return s->median_ci ? std::max(s->p50, s->median_ci->high) : s->p50;
}

std::string BarChart(const std::vector<Row>& rows, std::string_view title) {
  constexpr double kRowHeight = 40, kTop = 8;
  double max = 0;
  for (const Row& row : rows) {
    for (std::string_view m : {"ttfs_ms", "ttft_ms", "e2e_ms"}) {
      max = std::max(max, UpperEnd(*row.cell, m));
    }
  }
  max = NiceMax(max);
  const double bottom = kTop + kRowHeight * static_cast<double>(rows.size());
  SvgCanvas svg(kWidth, bottom + 22, title);
  Axis(svg, kTop, bottom, max, "ms");
  for (size_t i = 0; i < rows.size(); ++i) {
    const double y = kTop + kRowHeight * static_cast<double>(i);
    const Cell& cell = *rows[i].cell;
    svg.Text(kLabelWidth - 8, y + 18, Fit(rows[i].label), "label", "end");
    MedianBar(svg, cell, "e2e_ms", y + 3, 14, max, "bar-e2e");
    MedianBar(svg, cell, "ttft_ms", y + 19, 8, max, "bar-ttft");
    MedianBar(svg, cell, "ttfs_ms", y + 29, 6, max, "bar-ttfs");
    const results::Summary* e2e = results::FindStat(cell, "e2e_ms");
    svg.Text(kWidth - kRightMargin + 8, y + 15,
             e2e != nullptr && e2e->count > 0
                 ? fmt::format("e2e {} ms", FormatValue(e2e->p50, "ms"))
                 : "no successful turn",
             "label");
  }
  return svg.Finish();
}

const std::string kBarLegend =
    "<p class=\"legend\"><svg width=\"10\" height=\"10\"><rect width=\"10\" height=\"10\" "
    "class=\"bar-e2e\"/></svg> e2e &#160; <svg width=\"10\" height=\"10\"><rect width=\"10\" "
    "height=\"10\" class=\"bar-ttft\"/></svg> ttft &#160; <svg width=\"10\" height=\"10\"><rect "
    "width=\"10\" height=\"10\" class=\"bar-ttfs\"/></svg> ttfs &#160; whiskers: 95% CI of the "
    "median</p>\n";

std::vector<std::string> ScenariosInOrder(const results::Results& results) {
  std::vector<std::string> names;
  for (const Cell& cell : results.cells) {
    if (std::find(names.begin(), names.end(), cell.scenario) == names.end()) {
      names.push_back(cell.scenario);
    }
  }
  return names;
}

std::string SegmentClass(const std::string& name) {
  const auto& known = results::SegmentNames();
  return std::find(known.begin(), known.end(), name) != known.end() ? "seg-" + name
                                                                    : std::string("seg-other");
}

}  // namespace

void WriteLatencyBars(const results::Results& results, std::ostream& out) {
  out << kBarLegend;
  for (const std::string& scenario : ScenariosInOrder(results)) {
    std::vector<Row> rows;
    for (const Cell& cell : results.cells) {
      if (cell.scenario == scenario) rows.push_back({cell.runtime + "/" + cell.variant, &cell});
    }
    out << "<h3>" << HtmlEscape(scenario) << "</h3>\n";
    out << BarChart(rows, fmt::format("latency medians of {}", scenario));
  }
}

void WriteWaterfalls(const results::Results& results, std::ostream& out) {
  struct Path {
    const Cell* cell;
    std::vector<SegmentShare> shares;
    double total = 0;
    bool from_sample = false;
  };
  std::vector<Path> paths;
  double max = 0;
  for (const Cell& cell : results.cells) {
    Path path{&cell, {}, 0, false};
    std::map<std::string, double> segments = SegmentMedians(cell);
    if (segments.empty()) {
      if (const results::Sample* sample = MedianE2eSample(cell)) {
        segments = sample->segments;
        path.from_sample = true;
      }
    }
    for (const auto& [name, ms] : segments) path.total += std::isfinite(ms) ? ms : 0;
    path.shares = CriticalPath(segments, path.total);
    max = std::max(max, path.total);
    paths.push_back(std::move(path));
  }
  max = NiceMax(max);
  constexpr double kRowHeight = 26, kTop = 30;
  const double bottom = kTop + kRowHeight * static_cast<double>(paths.size());
  SvgCanvas svg(kWidth, bottom + 22, "critical path waterfall per cell");
  double legend_x = kLabelWidth;
  for (std::string_view name : results::SegmentNames()) {
    svg.Rect(legend_x, 6, 10, 10, SegmentClass(std::string(name)));
    svg.Text(legend_x + 14, 15, name, "label");
    legend_x += 24 + 7.5 * static_cast<double>(name.size());
  }
  Axis(svg, kTop, bottom, max, "ms");
  bool any_from_sample = false;
  for (size_t i = 0; i < paths.size(); ++i) {
    const Path& path = paths[i];
    const double y = kTop + kRowHeight * static_cast<double>(i);
    svg.Text(kLabelWidth - 8, y + 16, Fit(CellLabel(*path.cell)), "label", "end");
    double start = 0;
    for (const SegmentShare& share : path.shares) {
      svg.Rect(kLabelWidth + Scale(start, max), y + 4, Scale(share.ms, max), 16,
               SegmentClass(share.name),
               fmt::format("{}: {} {} ms ({:.0f}%), from {} to {} ms", CellLabel(*path.cell),
                           share.name, FormatValue(share.ms, "ms"), share.percent,
                           FormatValue(start, "ms"), FormatValue(start + share.ms, "ms")));
      start += share.ms;
    }
    svg.Text(kWidth - kRightMargin + 8, y + 16,
             path.shares.empty() ? "no segments recorded"
                                 : fmt::format("{} ms{}", FormatValue(path.total, "ms"),
                                               path.from_sample ? " *" : ""),
             "label");
    any_from_sample = any_from_sample || path.from_sample;
  }
  out << svg.Finish();
  out << "<p class=\"note\">Each row lays the medians of the critical-path segments end to end; "
         "their sum is close to, not exactly, the median e2e."
      << (any_from_sample ? " * no segment statistics: the median e2e turn's own segments." : "")
      << "</p>\n";
}

void WriteItlDistributions(const results::Results& results, std::ostream& out) {
  constexpr int kBins = 24;
  struct Gaps {
    const Cell* cell;
    std::vector<double> values;
  };
  std::vector<Gaps> cells;
  double high = 0;
  for (const Cell& cell : results.cells) {
    Gaps gaps{&cell, {}};
    for (const results::Sample& s : cell.samples) {
      if (!s.ok || s.warmup) continue;
      for (double gap : s.itl_ms) {
        if (std::isfinite(gap) && gap >= 0) gaps.values.push_back(gap);
      }
    }
    if (gaps.values.empty()) continue;
    const results::Summary* stat = results::FindStat(cell, "itl_ms");
    high = std::max(high, stat != nullptr && stat->count > 0
                              ? stat->p99
                              : *std::max_element(gaps.values.begin(), gaps.values.end()));
    cells.push_back(std::move(gaps));
  }
  if (cells.empty()) {
    out << "<p class=\"note\">No inter-token gaps recorded (no streamed text).</p>\n";
    return;
  }
  high = NiceMax(high);
  const double bin_ms = high / kBins;
  constexpr double kRowHeight = 44, kTop = 6, kBarArea = 34;
  const double bottom = kTop + kRowHeight * static_cast<double>(cells.size());
  SvgCanvas svg(kWidth, bottom + 22, "inter-token latency histograms");
  for (size_t i = 0; i < cells.size(); ++i) {
    const double y = kTop + kRowHeight * static_cast<double>(i);
    std::vector<int> counts(kBins, 0);
    for (double v : cells[i].values) {
      ++counts[static_cast<size_t>(std::min(kBins - 1, static_cast<int>(v / bin_ms)))];
    }
    const int peak = *std::max_element(counts.begin(), counts.end());
    svg.Text(kLabelWidth - 8, y + 22, Fit(CellLabel(*cells[i].cell)), "label", "end");
    for (int b = 0; b < kBins; ++b) {
      const double h = kBarArea * counts[static_cast<size_t>(b)] / std::max(peak, 1);
      const double x = kLabelWidth + kPlotWidth * b / kBins;
      svg.Rect(x + 1, y + kBarArea - h, kPlotWidth / kBins - 2, h, "itl",
               fmt::format("{} to {} ms{}: {} gaps", FormatValue(bin_ms * b, "ms"),
                           FormatValue(bin_ms * (b + 1), "ms"), b == kBins - 1 ? " and above" : "",
                           counts[static_cast<size_t>(b)]));
    }
    svg.Line(kLabelWidth, y + kBarArea, kLabelWidth + kPlotWidth, y + kBarArea, "axis");
    const results::Summary* s = results::FindStat(*cells[i].cell, "itl_ms");
    if (s != nullptr && s->count > 0) {
      svg.Text(kWidth - kRightMargin + 8, y + 22,
               fmt::format("p50 {} \u00b7 p99 {} ms", FormatValue(s->p50, "ms"),
                           FormatValue(s->p99, "ms")),
               "label");
    }
  }
  svg.Text(kLabelWidth, bottom + 13, "0 ms", "axis-label", "start");
  svg.Text(kLabelWidth + kPlotWidth, bottom + 13,
           fmt::format("{} ms (last bin: and above)", FormatValue(high, "ms")), "axis-label",
           "end");
  out << svg.Finish();
}

void WriteRuntimeComparison(const results::Results& results, std::ostream& out) {
  std::map<std::pair<std::string, std::string>, std::vector<const Cell*>> groups;
  std::vector<std::pair<std::string, std::string>> order;
  for (const Cell& cell : results.cells) {
    const auto key = std::make_pair(cell.scenario, cell.variant);
    if (!groups.contains(key)) order.push_back(key);
    groups[key].push_back(&cell);
  }
  bool any = false;
  for (const auto& key : order) {
    const std::vector<const Cell*>& cells = groups[key];
    std::set<std::string> runtimes;
    for (const Cell* cell : cells) runtimes.insert(cell->runtime);
    if (runtimes.size() < 2) continue;
    if (!any) out << kBarLegend;
    any = true;
    std::vector<Row> rows;
    for (const Cell* cell : cells) rows.push_back({cell->runtime, cell});
    out << "<h3>" << HtmlEscape(fmt::format("{} \u00b7 {}", key.first, key.second)) << "</h3>\n";
    out << BarChart(rows, fmt::format("runtimes compared for {} {}", key.first, key.second));
  }
  if (!any) {
    out << "<p class=\"note\">Every variant ran on one runtime. Run with --runtimes "
           "assistants,responses,chat to compare runtimes here.</p>\n";
  }
}

}  // namespace agentreplay::reports
