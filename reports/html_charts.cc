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

// Every chart is kMinPlotWidth wide or more; the label column fits the chart's longest label, so a
// label is never cut or clipped (a long variant name widens its chart instead).
constexpr double kMinWidth = 1100;
constexpr double kMinPlotWidth = 640;
constexpr double kRightMargin = 200;  // room for the value printed after a bar
// Generous for the 12px sans-serif of the page (DejaVu Sans, the widest common fallback, averages
// about 7 px a character); the browser test checks real text widths against their charts.
constexpr double kCharWidth = 7.6;

struct Row {
  std::string label;
  const Cell* cell;
};

struct Layout {
  double label_width = 240;
  double plot_width = kMinWidth - 240 - kRightMargin;
  double width() const { return label_width + plot_width + kRightMargin; }
  double Scale(double value, double max) const {
    return max > 0 && std::isfinite(value) ? plot_width * std::min(value, max) / max : 0;
  }
};

Layout LayoutFor(const std::vector<std::string>& labels) {
  size_t longest = 0;
  for (const std::string& label : labels) longest = std::max(longest, DisplayWidth(label));
  Layout layout;
  layout.label_width = std::max(120.0, 16 + kCharWidth * static_cast<double>(longest));
  layout.plot_width = std::max(kMinPlotWidth, kMinWidth - layout.label_width - kRightMargin);
  return layout;
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

void Axis(SvgCanvas& svg, const Layout& layout, double y_top, double y_bottom, double max,
          std::string_view unit) {
  for (int i = 0; i <= 4; ++i) {
    const double x = layout.label_width + layout.plot_width * i / 4;
    svg.Line(x, y_top, x, y_bottom, "axis");
    svg.Text(x, y_bottom + 13, fmt::format("{} {}", FormatValue(max * i / 4, unit), unit),
             "axis-label", "middle");
  }
}

// A metric's median bar with its CI whisker, `height` tall at `y`.
void MedianBar(SvgCanvas& svg, const Layout& layout, const Cell& cell, std::string_view metric,
               double y, double height, double max, std::string_view css_class) {
  const results::Summary* s = results::FindStat(cell, metric);
  if (s == nullptr || s->count == 0) return;
  std::string tooltip = fmt::format("{} {} p50 {} ms (n={})", CellLabel(cell), metric,
                                    FormatValue(s->p50, "ms"), s->count);
  if (s->median_ci) {
    tooltip += fmt::format(", 95% CI {} to {} ms", FormatValue(s->median_ci->low, "ms"),
                           FormatValue(s->median_ci->high, "ms"));
  }
  svg.Rect(layout.label_width, y, layout.Scale(s->p50, max), height, css_class, tooltip);
  if (s->median_ci) {
    const double x1 = layout.label_width + layout.Scale(s->median_ci->low, max);
    const double x2 = layout.label_width + layout.Scale(s->median_ci->high, max);
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
  std::vector<std::string> labels;
  labels.reserve(rows.size());
  for (const Row& row : rows) labels.push_back(row.label);
  const Layout layout = LayoutFor(labels);
  const double bottom = kTop + kRowHeight * static_cast<double>(rows.size());
  SvgCanvas svg(layout.width(), bottom + 22, title);
  Axis(svg, layout, kTop, bottom, max, "ms");
  for (size_t i = 0; i < rows.size(); ++i) {
    const double y = kTop + kRowHeight * static_cast<double>(i);
    const Cell& cell = *rows[i].cell;
    svg.Text(layout.label_width - 8, y + 18, rows[i].label, "label", "end");
    MedianBar(svg, layout, cell, "e2e_ms", y + 3, 14, max, "bar-e2e");
    MedianBar(svg, layout, cell, "ttft_ms", y + 19, 8, max, "bar-ttft");
    MedianBar(svg, layout, cell, "ttfs_ms", y + 29, 6, max, "bar-ttfs");
    const results::Summary* e2e = results::FindStat(cell, "e2e_ms");
    svg.Text(layout.width() - kRightMargin + 8, y + 15,
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

std::string SegmentClass(const std::string& name) {
  const auto& known = results::SegmentNames();
  return std::find(known.begin(), known.end(), name) != known.end() ? "seg-" + name
                                                                    : std::string("seg-other");
}

}  // namespace

void WriteBarLegend(std::ostream& out) { out << kBarLegend; }

void WriteSegmentLegend(std::ostream& out) {
  out << "<p class=\"legend\">";
  for (std::string_view name : results::SegmentNames()) {
    out << fmt::format(
        "<span><svg width=\"10\" height=\"10\"><rect width=\"10\" height=\"10\" "
        "class=\"{}\"/></svg> {}</span>",
        SegmentClass(std::string(name)), HtmlEscape(name));
  }
  out << "</p>\n";
}

void WriteLatencyBars(const std::vector<const Cell*>& cells, std::ostream& out) {
  if (cells.empty()) return;
  std::vector<Row> rows;
  rows.reserve(cells.size());
  for (const Cell* cell : cells) rows.push_back({cell->runtime + "/" + cell->variant, cell});
  out << "<div class=\"scroll\">"
      << BarChart(rows, fmt::format("latency medians of {}", cells.front()->scenario))
      << "</div>\n";
}

void WriteWaterfall(const std::vector<const Cell*>& cells, std::ostream& out) {
  if (cells.empty()) return;
  struct Path {
    const Cell* cell;
    std::string label;
    std::vector<SegmentShare> shares;
    double total = 0;
    bool from_sample = false;
  };
  std::vector<Path> paths;
  std::vector<std::string> labels;
  double max = 0;
  for (const Cell* cell : cells) {
    Path path{cell, cell->runtime + "/" + cell->variant, {}, 0, false};
    std::map<std::string, double> segments = SegmentMedians(*cell);
    if (segments.empty()) {
      if (const results::Sample* sample = MedianE2eSample(*cell)) {
        segments = sample->segments;
        path.from_sample = true;
      }
    }
    for (const auto& [name, ms] : segments) path.total += std::isfinite(ms) ? ms : 0;
    path.shares = CriticalPath(segments, path.total);
    max = std::max(max, path.total);
    labels.push_back(path.label);
    paths.push_back(std::move(path));
  }
  // The scenario's own scale: a 20-second scenario next to a 1-second one would otherwise flatten
  // every bar of the short one.
  max = NiceMax(max);
  const Layout layout = LayoutFor(labels);
  constexpr double kRowHeight = 26, kTop = 8;
  const double bottom = kTop + kRowHeight * static_cast<double>(paths.size());
  SvgCanvas svg(layout.width(), bottom + 22,
                fmt::format("critical path waterfall of {}", cells.front()->scenario));
  Axis(svg, layout, kTop, bottom, max, "ms");
  bool any_from_sample = false;
  for (size_t i = 0; i < paths.size(); ++i) {
    const Path& path = paths[i];
    const double y = kTop + kRowHeight * static_cast<double>(i);
    svg.Text(layout.label_width - 8, y + 16, path.label, "label", "end");
    double start = 0;
    for (const SegmentShare& share : path.shares) {
      svg.Rect(layout.label_width + layout.Scale(start, max), y + 4, layout.Scale(share.ms, max),
               16, SegmentClass(share.name),
               fmt::format("{}: {} {} ms ({:.0f}%), from {} to {} ms", CellLabel(*path.cell),
                           share.name, FormatValue(share.ms, "ms"), share.percent,
                           FormatValue(start, "ms"), FormatValue(start + share.ms, "ms")));
      start += share.ms;
    }
    svg.Text(layout.width() - kRightMargin + 8, y + 16,
             path.shares.empty() ? "no segments recorded"
                                 : fmt::format("{} ms{}", FormatValue(path.total, "ms"),
                                               path.from_sample ? " *" : ""),
             "label");
    any_from_sample = any_from_sample || path.from_sample;
  }
  out << "<div class=\"scroll\">" << svg.Finish() << "</div>\n";
  if (any_from_sample) {
    out << "<p class=\"note\">* no segment statistics: the median e2e turn's own segments.</p>\n";
  }
}

void WriteItlDistributions(const std::vector<const Cell*>& cells_in, std::ostream& out) {
  constexpr int kBins = 24;
  struct Gaps {
    const Cell* cell;
    std::vector<double> values;
  };
  std::vector<Gaps> cells;
  std::vector<std::string> labels;
  double high = 0;
  for (const Cell* cell : cells_in) {
    Gaps gaps{cell, {}};
    for (const results::Sample& s : cell->samples) {
      if (!s.ok || s.warmup) continue;
      for (double gap : s.itl_ms) {
        if (std::isfinite(gap) && gap >= 0) gaps.values.push_back(gap);
      }
    }
    if (gaps.values.empty()) continue;
    const results::Summary* stat = results::FindStat(*cell, "itl_ms");
    high = std::max(high, stat != nullptr && stat->count > 0
                              ? stat->p99
                              : *std::max_element(gaps.values.begin(), gaps.values.end()));
    labels.push_back(cell->runtime + "/" + cell->variant);
    cells.push_back(std::move(gaps));
  }
  if (cells.empty()) {
    out << "<p class=\"note\">No inter-token gaps recorded (no streamed text).</p>\n";
    return;
  }
  high = NiceMax(high);
  const double bin_ms = high / kBins;
  const Layout layout = LayoutFor(labels);
  constexpr double kRowHeight = 44, kTop = 6, kBarArea = 34;
  const double bottom = kTop + kRowHeight * static_cast<double>(cells.size());
  SvgCanvas svg(layout.width(), bottom + 22,
                fmt::format("inter-token latency histograms of {}", cells.front().cell->scenario));
  for (size_t i = 0; i < cells.size(); ++i) {
    const double y = kTop + kRowHeight * static_cast<double>(i);
    std::vector<int> counts(kBins, 0);
    for (double v : cells[i].values) {
      ++counts[static_cast<size_t>(std::min(kBins - 1, static_cast<int>(v / bin_ms)))];
    }
    const int peak = *std::max_element(counts.begin(), counts.end());
    svg.Text(layout.label_width - 8, y + 22, labels[i], "label", "end");
    for (int b = 0; b < kBins; ++b) {
      const double h = kBarArea * counts[static_cast<size_t>(b)] / std::max(peak, 1);
      const double x = layout.label_width + layout.plot_width * b / kBins;
      svg.Rect(x + 1, y + kBarArea - h, layout.plot_width / kBins - 2, h, "itl",
               fmt::format("{} to {} ms{}: {} gaps", FormatValue(bin_ms * b, "ms"),
                           FormatValue(bin_ms * (b + 1), "ms"), b == kBins - 1 ? " and above" : "",
                           counts[static_cast<size_t>(b)]));
    }
    svg.Line(layout.label_width, y + kBarArea, layout.label_width + layout.plot_width, y + kBarArea,
             "axis");
    const results::Summary* s = results::FindStat(*cells[i].cell, "itl_ms");
    if (s != nullptr && s->count > 0) {
      svg.Text(layout.width() - kRightMargin + 8, y + 22,
               fmt::format("p50 {} \u00b7 p99 {} ms", FormatValue(s->p50, "ms"),
                           FormatValue(s->p99, "ms")),
               "label");
    }
  }
  svg.Text(layout.label_width, bottom + 13, "0 ms", "axis-label", "start");
  svg.Text(layout.label_width + layout.plot_width, bottom + 13,
           fmt::format("{} ms (last bin: and above)", FormatValue(high, "ms")), "axis-label",
           "end");
  out << "<div class=\"scroll\">" << svg.Finish() << "</div>\n";
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
    if (!any) WriteBarLegend(out);
    any = true;
    std::vector<Row> rows;
    rows.reserve(cells.size());
    for (const Cell* cell : cells) rows.push_back({cell->runtime, cell});
    out << "<h3>" << HtmlEscape(fmt::format("{} \u00b7 {}", key.first, key.second)) << "</h3>\n";
    out << "<div class=\"scroll\">"
        << BarChart(rows, fmt::format("runtimes compared for {} {}", key.first, key.second))
        << "</div>\n";
  }
  if (!any) {
    out << "<p class=\"note\">Every variant ran on one runtime. Run with --runtimes "
           "assistants,responses,chat to compare runtimes here.</p>\n";
  }
}

}  // namespace agentreplay::reports
