// The results document itself (the same text as the results file), for tools reading stdout.
#pragma once

#include "reports/reporter.h"

namespace agentreplay::reports {

class JsonReporter : public Reporter {
 public:
  explicit JsonReporter(bool pretty = true) : pretty_(pretty) {}
  void Report(const results::Results& results, std::ostream& out) override;

 private:
  bool pretty_;
};

}  // namespace agentreplay::reports
