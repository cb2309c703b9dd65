#include "reports/reporter.h"

#include <functional>
#include <utility>

#include "reports/bencher_reporter.h"
#include "reports/console_reporter.h"
#include "reports/csv_reporter.h"
#include "reports/gbench_reporter.h"
#include "reports/github_benchmark_reporter.h"
#include "reports/html_reporter.h"
#include "reports/json_reporter.h"
#include "reports/junit_reporter.h"
#include "reports/markdown_reporter.h"
#include "reports/prometheus_reporter.h"

namespace agentreplay::reports {
namespace {

using Factory = std::function<std::unique_ptr<Reporter>()>;

// Format name and factory, in the order help texts list them.
const std::vector<std::pair<std::string_view, Factory>>& Registry() {
  static const std::vector<std::pair<std::string_view, Factory>> kRegistry = {
      {"console", [] { return std::make_unique<ConsoleReporter>(); }},
      {"json", [] { return std::make_unique<JsonReporter>(); }},
      {"markdown", [] { return std::make_unique<MarkdownReporter>(); }},
      {"html", [] { return std::make_unique<HtmlReporter>(); }},
      {"csv", [] { return std::make_unique<CsvReporter>(); }},
      {"junit", [] { return std::make_unique<JunitReporter>(); }},
      {"prometheus",
       [] { return std::make_unique<PrometheusReporter>(MetricsFlavor::kPrometheus); }},
      {"openmetrics",
       [] { return std::make_unique<PrometheusReporter>(MetricsFlavor::kOpenMetrics); }},
      {"gbench", [] { return std::make_unique<GbenchReporter>(); }},
      {"github-benchmark", [] { return std::make_unique<GithubBenchmarkReporter>(); }},
      {"bencher", [] { return std::make_unique<BencherReporter>(); }},
  };
  return kRegistry;
}

}  // namespace

std::unique_ptr<Reporter> MakeReporter(std::string_view format) {
  for (const auto& [name, factory] : Registry()) {
    if (name == format) return factory();
  }
  return nullptr;
}

std::vector<std::string_view> ReporterFormats() {
  std::vector<std::string_view> names;
  for (const auto& [name, factory] : Registry()) names.push_back(name);
  return names;
}

}  // namespace agentreplay::reports
