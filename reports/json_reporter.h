// The results document itself (the same text as the results file), for tools reading stdout.
// The comparison, when there is one, is not part of the results document and is left out.
#pragma once

#include "reports/reporter.h"

namespace agentreplay::reports {

class JsonReporter : public Reporter {
 public:
  explicit JsonReporter(bool pretty = true) : pretty_(pretty) {}
  void Report(const ReportInput& input, std::ostream& out) override;
  std::string_view DefaultFileName() const override { return "results.json"; }

 private:
  bool pretty_;
};

}  // namespace agentreplay::reports
