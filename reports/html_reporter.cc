#include "reports/html_reporter.h"

#include <fmt/format.h>

#include <map>
#include <string>
#include <vector>

#include "reports/compare/comparison_text.h"
#include "reports/html_charts.h"
#include "reports/svg.h"
#include "reports/table.h"

namespace agentreplay::reports {
namespace {

using results::Cell;

constexpr std::string_view kStyle = R"css(
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #ffffff; --alt: #f6f8fa;
        --bad: #cf222e; --good: #1a7f37; --accent: #0969da; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
       background: var(--bg); margin: 0 auto; padding: 16px 24px 48px; max-width: 1280px; }
h1 { font-size: 22px; margin: 8px 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
h3 { font-size: 14px; margin: 16px 0 4px; color: var(--muted); }
.context, .note, footer { color: var(--muted); }
.banner { padding: 10px 14px; border-radius: 6px; font-weight: 600; margin: 12px 0; }
.banner.pass { background: #dafbe1; color: var(--good); }
.banner.fail { background: #ffebe9; color: var(--bad); }
.banner.warn { background: #fff8c5; color: #7d4e00; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; margin: 6px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; white-space: nowrap; }
th { background: var(--alt); cursor: pointer; user-select: none; text-align: left; }
td.num, th.num { text-align: right; }
tr:hover td { background: var(--alt); }
.regression { color: var(--bad); font-weight: 600; } .improvement { color: var(--good); }
.scroll { overflow-x: auto; }
section.scenario { border-top: 1px solid var(--line); margin-top: 20px; }
svg.chart { display: block; margin: 4px 0 12px; font-size: 12px; }
svg .label { fill: var(--fg); } svg .axis-label { fill: var(--muted); font-size: 11px; }
svg .axis { stroke: var(--line); stroke-width: 1; }
svg .whisker { stroke: var(--fg); stroke-width: 1.5; }
svg .bar-e2e { fill: #4f86c6; } svg .bar-ttft { fill: #9cc3e6; } svg .bar-ttfs { fill: #c8dcef; }
svg .seg-llm_wait { fill: #4f86c6; } svg .seg-detect_lag { fill: #e39b3a; }
svg .seg-sleep { fill: #d4574e; } svg .seg-tool_exec { fill: #5aa469; }
svg .seg-tool_overhead { fill: #a77bca; } svg .seg-agent_cpu { fill: #7f7f7f; }
svg .seg-other { fill: #c0c0c0; } svg .itl { fill: #4f86c6; }
svg rect:hover { opacity: 0.8; }
.legend span { display: inline-block; margin-right: 14px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
ul.problems li { margin: 2px 0; }
)css";

// Sorts the summary table by a clicked header, then marks the page as rendered (a marker
// headless browsers and tests look for). It reads the DOM only: no data is embedded in script.
constexpr std::string_view kScript = R"js(
(function () {
  'use strict';
  function cellValue(row, index) {
    var text = row.cells[index].textContent.trim();
    var number = parseFloat(text.replace(/[^0-9.+-]/g, ''));
    return isNaN(number) ? text : number;
  }
  document.querySelectorAll('table.sortable').forEach(function (table) {
    table.querySelectorAll('th').forEach(function (th, index) {
      th.addEventListener('click', function () {
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var ascending = th.getAttribute('data-sort') !== 'asc';
        rows.sort(function (a, b) {
          var x = cellValue(a, index), y = cellValue(b, index);
          if (x === y) return 0;
          var less = (typeof x === typeof y) ? x < y : String(x) < String(y);
          return (less ? -1 : 1) * (ascending ? 1 : -1);
        });
        rows.forEach(function (row) { body.appendChild(row); });
        th.setAttribute('data-sort', ascending ? 'asc' : 'desc');
      });
    });
  });
  var charts = document.querySelectorAll('svg.chart').length;
  var status = document.getElementById('render-status');
  status.textContent = 'rendered ' + charts + ' charts';
  document.documentElement.setAttribute('data-rendered', 'ok');
})();
)js";

void WriteVerdict(const Comparison& comparison, const ProblemCounts& problems, std::ostream& out) {
  // A passing gate with failed turns or checks is not green: the banner says what failed.
  out << fmt::format("<div class=\"banner {}\" id=\"verdict-banner\">{}</div>\n",
                     !comparison.passed ? "fail"
                     : problems.Any()   ? "warn"
                                        : "pass",
                     HtmlEscape(VerdictHeadline(&comparison, problems)));
  out << fmt::format("<p class=\"context\">base: {} &#8594; head: {} (alpha {})</p>\n",
                     HtmlEscape(comparison.base_source), HtmlEscape(comparison.head_source),
                     comparison.alpha);
  if (!comparison.failures.empty()) {
    out << "<ul class=\"problems\">\n";
    for (const std::string& failure : comparison.failures) {
      out << "<li>" << HtmlEscape(failure) << "</li>\n";
    }
    out << "</ul>\n";
  }
}

// The gated metrics that moved or could not be judged; the unchanged ones are only counted.
void WriteChangedMetrics(const Comparison& comparison, std::ostream& out) {
  out << "<h2 id=\"changes-heading\">Changed metrics</h2>\n";
  out << "<div class=\"scroll\"><table class=\"sortable\" id=\"changes\"><thead><tr><th>cell</th>"
         "<th>vs</th><th>metric</th><th class=\"num\">base p50</th><th class=\"num\">head p50"
         "</th><th class=\"num\">change</th><th class=\"num\">95% CI</th><th class=\"num\">p</th>"
         "<th>verdict</th></tr></thead><tbody>\n";
  size_t unchanged = 0;
  for (const CellComparison& cell : comparison.cells) {
    for (const MetricComparison& mc : cell.metrics) {
      if (!mc.gated) continue;
      // What moved, first and only: with hundreds of cells the unchanged rows would bury it.
      if (mc.verdict == Verdict::kNoChange) {
        ++unchanged;
        continue;
      }
      std::string ci = "-";
      if (mc.change_ci) {
        ci = fmt::format("{} &#8230; {}", FormatChange(mc.change_ci->low),
                         FormatChange(mc.change_ci->high));
      }
      std::string p = mc.exact ? "exact" : "-";
      if (mc.p_value) p = fmt::format("{:.3g}", *mc.p_value);
      const std::string_view css = mc.verdict == Verdict::kRegression    ? "regression"
                                   : mc.verdict == Verdict::kImprovement ? "improvement"
                                                                         : "";
      out << fmt::format(
          "<tr class=\"{}\"><td>{}/{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>"
          "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
          "<td class=\"num\">{}</td><td>{}</td></tr>\n",
          css, HtmlEscape(cell.scenario), HtmlEscape(cell.head_label), HtmlEscape(cell.base_label),
          HtmlEscape(mc.metric), HtmlEscape(ComparedValueText(mc, mc.base_p50)),
          HtmlEscape(ComparedValueText(mc, mc.head_p50)), HtmlEscape(ComparedChangeText(mc)), ci, p,
          HtmlEscape(VerdictWords(mc.verdict)));
    }
  }
  out << "</tbody></table></div>\n";
  if (unchanged > 0) {
    out << fmt::format(
        "<p class=\"note\">{} gated metric{} of the {} compared cell{} did not "
        "change.</p>\n",
        unchanged, unchanged == 1 ? "" : "s", comparison.cells.size(),
        comparison.cells.size() == 1 ? "" : "s");
  }
}

void WriteSummaryTable(const ReportInput& input, std::ostream& out) {
  const Table table = CellSummaryTable(input.results, input.comparison);
  out << "<div class=\"scroll\"><table class=\"sortable\" id=\"cells\"><thead><tr>";
  for (const Column& column : table.columns) {
    out << fmt::format("<th{}>{}</th>", column.align == Align::kRight ? " class=\"num\"" : "",
                       HtmlEscape(column.header));
  }
  out << "</tr></thead><tbody>\n";
  for (const auto& row : table.rows) {
    out << "<tr>";
    for (size_t i = 0; i < row.size() && i < table.columns.size(); ++i) {
      out << fmt::format("<td{}>{}</td>",
                         table.columns[i].align == Align::kRight ? " class=\"num\"" : "",
                         HtmlEscape(row[i]));
    }
    out << "</tr>\n";
  }
  out << "</tbody></table></div>\n";
  if (input.comparison != nullptr) {
    out << "<p class=\"note\">" << HtmlEscape(ChangeMarkerLegend()) << "</p>\n";
  }
}

void WriteProblems(const results::Results& results, std::ostream& out) {
  std::vector<std::string> items;
  for (const Cell& cell : results.cells) {
    for (const results::Check& check : cell.checks) {
      if (check.ok) continue;
      items.push_back(fmt::format("check failed: <b>{}</b> {} ({}/{} passed){}",
                                  HtmlEscape(CellLabel(cell)), HtmlEscape(check.name), check.passed,
                                  check.total,
                                  check.detail.empty() ? "" : ": " + HtmlEscape(check.detail)));
    }
    for (const results::Sample& s : cell.samples) {
      if (s.ok) continue;
      items.push_back(fmt::format("error: <b>{}</b> repetition {}, turn {}: {} {} {}",
                                  HtmlEscape(CellLabel(cell)), s.repetition, s.turn,
                                  HtmlEscape(s.error_kind), HtmlEscape(s.error_reason),
                                  HtmlEscape(OneLine(s.error_message))));
      break;  // the first failure of a cell says enough; the count is in the table
    }
  }
  out << "<h2 id=\"problems\">Problems</h2>\n";
  if (items.empty()) {
    out << "<p class=\"note\">No failed turns, no failed checks.</p>\n";
    return;
  }
  out << "<ul class=\"problems\">\n";
  for (const std::string& item : items) out << "<li>" << item << "</li>\n";
  out << "</ul>\n";
}

// One section per scenario, in the order of the results, each with its own heading and scales.
void WriteScenarios(const results::Results& results, std::ostream& out) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<const Cell*>> by_scenario;
  for (const Cell& cell : results.cells) {
    if (!by_scenario.contains(cell.scenario)) order.push_back(cell.scenario);
    by_scenario[cell.scenario].push_back(&cell);
  }
  out << "<h2 id=\"scenarios\">Scenarios</h2>\n";
  WriteBarLegend(out);
  WriteSegmentLegend(out);
  out << "<p class=\"note\">Each scenario has its own time scale. A waterfall row lays the "
         "medians of the critical-path segments end to end; their sum is close to, not exactly, "
         "the median e2e.</p>\n";
  for (size_t i = 0; i < order.size(); ++i) {
    const std::vector<const Cell*>& cells = by_scenario[order[i]];
    out << fmt::format("<section class=\"scenario\" id=\"scenario-{}\">\n<h2>{}</h2>\n", i + 1,
                       HtmlEscape(order[i]));
    out << "<h3>Latency (medians, 95% CI whiskers)</h3>\n";
    WriteLatencyBars(cells, out);
    out << "<h3>Where the time goes (critical path of a turn)</h3>\n";
    WriteWaterfall(cells, out);
    out << "<h3>Inter-token latency</h3>\n";
    WriteItlDistributions(cells, out);
    out << "</section>\n";
  }
}

}  // namespace

void HtmlReporter::Report(const ReportInput& input, std::ostream& out) {
  const results::Results& results = input.results;
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<title>agentreplay report</title>\n<style>"
      << kStyle << "</style>\n</head>\n<body>\n";
  out << "<h1>agentreplay report</h1>\n";
  out << "<p class=\"context\">" << HtmlEscape(ContextLine(results.context)) << "</p>\n";
  // The verdict and what went wrong first; the detail (cells, then each scenario's charts) after.
  out << "<h2 id=\"verdict\">Verdict</h2>\n";
  const ProblemCounts problems = CountProblems(results);
  if (input.comparison != nullptr) {
    WriteVerdict(*input.comparison, problems, out);
  } else {
    out << fmt::format("<div class=\"banner {}\" id=\"verdict-banner\">{}</div>\n",
                       problems.Any() ? "warn" : "pass",
                       HtmlEscape(VerdictHeadline(nullptr, problems)));
  }
  WriteProblems(results, out);
  if (input.comparison != nullptr) WriteChangedMetrics(*input.comparison, out);
  out << "<h2 id=\"summary\">Cells</h2>\n";
  if (results.cells.empty()) {
    out << "<p class=\"note\">No cells.</p>\n";
  } else {
    WriteSummaryTable(input, out);
    WriteScenarios(results, out);
    out << "<h2 id=\"runtimes\">Runtime A/B</h2>\n";
    WriteRuntimeComparison(results, out);
  }
  out << "<footer><p id=\"render-status\">static page (script not run)</p>\n<p>"
      << HtmlEscape(fmt::format("git {} \u00b7 {} \u00b7 started {} on {}",
                                results.context.git_revision, results.context.build_type,
                                results.context.started_at, results.context.hostname))
      << "</p></footer>\n";
  out << "<script>" << kScript << "</script>\n</body>\n</html>\n";
}

}  // namespace agentreplay::reports
