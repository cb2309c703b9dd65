// JUnit XML for CI test views (GitLab, Jenkins, GitHub Actions reporters): one <testsuite> per
// scenario. With a comparison, a <testcase> per cell and gated metric, failing with the
// regression's text, carrying the variant, change and p-value as properties, plus a failing
// testcase per missing cell when the gate counts it. Without one, a <testcase> per cell and
// scenario check, failing when the check failed. Every attribute and text is XML-escaped.
#pragma once

#include <string>
#include <string_view>

#include "reports/reporter.h"

namespace agentreplay::reports {

class JunitReporter : public Reporter {
 public:
  void Report(const ReportInput& input, std::ostream& out) override;
  std::string_view DefaultFileName() const override { return "junit.xml"; }
};

// `text` safe inside XML 1.0 attributes and character data: markup characters as entities,
// control characters XML cannot carry (all but tab, LF, CR) replaced by '?'.
std::string XmlEscape(std::string_view text);

}  // namespace agentreplay::reports
