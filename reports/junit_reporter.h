// JUnit XML for CI test views (GitLab, Jenkins, GitHub Actions reporters), valid against the
// JUnit schema of Jenkins' xunit plugin: one <testsuite> per scenario. Per cell a "<cell>: turns"
// testcase (an <error> when no turn succeeded, a <failure> when some turns failed, with the
// error reasons and counts) and a testcase per scenario check. With a comparison, also a
// testcase per gated metric (failing on a regression, <skipped> on too few samples) and a
// failing testcase per missing cell when the gate counts it. Testcase names start with the cell;
// details that would be properties go to <system-out>, which the schema allows on a testcase.
// Every attribute and text is XML-escaped.
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

// `text` safe inside XML 1.0 attributes and character data: markup characters as entities;
// characters XML cannot carry (C0 controls but tab, LF and CR; U+FFFE, U+FFFF) and bytes that are
// not UTF-8 replaced by U+FFFD.
std::string XmlEscape(std::string_view text);

}  // namespace agentreplay::reports
