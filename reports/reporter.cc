#include "reports/reporter.h"

#include "reports/console_reporter.h"
#include "reports/json_reporter.h"

namespace agentreplay::reports {

std::unique_ptr<Reporter> MakeReporter(std::string_view format) {
  if (format == "console") return std::make_unique<ConsoleReporter>();
  if (format == "json") return std::make_unique<JsonReporter>();
  return nullptr;
}

std::vector<std::string_view> ReporterFormats() { return {"console", "json"}; }

}  // namespace agentreplay::reports
