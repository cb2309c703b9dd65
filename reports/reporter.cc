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

void ForEachCodePoint(std::string_view text,
                      const std::function<void(std::string_view, char32_t)>& on_char) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  while (!text.empty()) {
    const unsigned char lead = byte(0);
    std::size_t length = 0;
    char32_t code_point = 0;
    unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
    if (lead < 0x80) {
      length = 1;
      code_point = lead;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
      code_point = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      code_point = lead & 0x0F;
      if (lead == 0xE0) low = 0xA0;   // overlong
      if (lead == 0xED) high = 0x9F;  // UTF-16 surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      code_point = lead & 0x07;
      if (lead == 0xF0) low = 0x90;   // overlong
      if (lead == 0xF4) high = 0x8F;  // beyond U+10FFFF
    }
    bool valid = length > 0 && text.size() >= length;
    for (std::size_t i = 1; valid && i < length; ++i) {
      const unsigned char b = byte(i);
      valid = i == 1 ? b >= low && b <= high : b >= 0x80 && b <= 0xBF;
      code_point = (code_point << 6) | (b & 0x3F);
    }
    if (!valid) {
      on_char(kReplacementCharacter, 0xFFFD);
      text.remove_prefix(1);
      continue;
    }
    on_char(text.substr(0, length), code_point);
    text.remove_prefix(length);
  }
}

}  // namespace agentreplay::reports
