// Comma-separated values for spreadsheets and data frames: one row per cell and summarised
// metric (long format), with the comparison's columns filled when there is one. RFC 4180: CRLF
// line ends, a header row, fields quoted when they hold a comma, a quote, CR or LF, quotes
// doubled. The columns are fixed, whether or not a comparison is present, so scripts can rely on
// them. Each measured cell ends with an "error_rate" row (unit "%", count the turns measured,
// mean the share that ended in an error), present even when every turn failed. Numbers are the
// shortest text that reads back as the same double.
#pragma once

#include <string>
#include <string_view>

#include "reports/reporter.h"

namespace agentreplay::reports {

class CsvReporter : public Reporter {
 public:
  void Report(const ReportInput& input, std::ostream& out) override;
  std::string_view DefaultFileName() const override { return "report.csv"; }
};

// One field, quoted per RFC 4180 when it needs to be; control characters other than tab, CR and
// LF become U+FFFD.
std::string CsvField(std::string_view text);

}  // namespace agentreplay::reports
