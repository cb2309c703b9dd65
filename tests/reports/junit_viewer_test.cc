// The JUnit report as a JUnit reader sees it: junitparser (Debian's python3-junitparser), the
// library CI tools and viewers use to load JUnit XML, must count every failed check and turn of
// a run where much went wrong, so no viewer can show it as passed. Skipped with a message when
// the reader is not installed.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "reports/junit_reporter.h"
#include "tests/reports/failing_results.h"

namespace agentreplay::reports {
namespace {

namespace fs = std::filesystem;

// Runs `command` in a shell and returns its stdout; `status` gets its exit status.
std::string Capture(const std::string& command, int& status) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    status = -1;
    return out;
  }
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  const int raw = ::pclose(pipe);
  status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return out;
}

// The first python3 that has junitparser, or empty.
std::string FindReader() {
  for (const char* python : {"python3", "/usr/bin/python3"}) {
    int status = 0;
    Capture(std::string(python) + " -c 'import junitparser' 2>/dev/null", status);
    if (status == 0) return python;
  }
  return {};
}

TEST(JunitViewerTest, AJunitReaderCountsEveryFailedCheckAndTurn) {
  const std::string python = FindReader();
  if (python.empty()) {
    GTEST_SKIP() << "junitparser is not installed (Debian: python3-junitparser; scripts/setup test "
                    "installs it)";
  }
  const fs::path file = fs::temp_directory_path() /
                        ("agentreplay-junit-viewer-" + std::to_string(::getpid()) + ".xml");
  {
    std::ofstream out(file);
    const results::Results results = fixtures::FailingResults();
    JunitReporter().Report({results}, out);
  }
  // Per test case: its result as the reader classifies it (passed, failure, error, skipped).
  const std::string script =
      "import sys, junitparser\n"
      "xml = junitparser.JUnitXml.fromfile(sys.argv[1])\n"
      "for suite in xml:\n"
      "    for case in suite:\n"
      "        kinds = [type(r).__name__ for r in case.result] or ['Passed']\n"
      "        print(kinds[0] + '\\t' + case.name)\n";
  int status = 0;
  const std::string listed = Capture(
      python + " -c \"$(cat <<'EOF'\n" + script + "EOF\n)\" '" + file.string() + "'", status);
  fs::remove(file);
  ASSERT_EQ(status, 0) << listed;
  std::map<std::string, std::string> result_of;
  std::istringstream lines(listed);
  for (std::string line; std::getline(lines, line);) {
    const size_t tab = line.find('\t');
    if (tab != std::string::npos) result_of[line.substr(tab + 1)] = line.substr(0, tab);
  }
  // The fixture (failing_results.h): c1 all well; c8 two of four turns failed and one of two
  // checks; c16 every turn failed, its check too; c32 measured nothing.
  EXPECT_EQ(result_of["ladder/responses/c1: turns"], "Passed");
  EXPECT_EQ(result_of["ladder/responses/c8: turns"], "Failure");
  EXPECT_EQ(result_of["ladder/responses/c16: turns"], "Error");
  EXPECT_EQ(result_of["ladder/responses/c32: turns"], "Skipped");
  int failures = 0;
  int errors = 0;
  for (const auto& [name, kind] : result_of) {
    failures += kind == "Failure" ? 1 : 0;
    errors += kind == "Error" ? 1 : 0;
  }
  EXPECT_EQ(failures, 3) << listed;
  EXPECT_EQ(errors, 1) << listed;
}

// Scenario and check names come from user files: with a NUL, an escape sequence and a byte that
// is not UTF-8 in them the reader still loads every test case (each shown with U+FFFD).
TEST(JunitViewerTest, AJunitReaderLoadsHostileNames) {
  const std::string python = FindReader();
  if (python.empty()) {
    GTEST_SKIP() << "junitparser is not installed (Debian: python3-junitparser; scripts/setup test "
                    "installs it)";
  }
  const fs::path file = fs::temp_directory_path() /
                        ("agentreplay-junit-hostile-" + std::to_string(::getpid()) + ".xml");
  results::Results results = fixtures::FailingResults();
  size_t cases = 0;
  for (results::Cell& cell : results.cells) {
    constexpr char kName[] = "nul\0 esc\x1b[2J bad\xff";
    cell.scenario = std::string(kName, sizeof kName - 1);
    cases += 1 + cell.checks.size();  // the turns, and each check
    for (results::Check& check : cell.checks) check.name += std::string("\0\x02", 2);
  }
  {
    std::ofstream out(file, std::ios::binary);
    JunitReporter().Report({results}, out);
  }
  const std::string script =
      "import sys, junitparser\n"
      "xml = junitparser.JUnitXml.fromfile(sys.argv[1])\n"
      "names = [case.name for suite in xml for case in suite]\n"
      "assert all(name.startswith('nul\\ufffd esc\\ufffd[2J bad\\ufffd/') for name in names)\n"
      "print(len(names))\n";
  int status = 0;
  const std::string listed = Capture(
      python + " -c \"$(cat <<'EOF'\n" + script + "EOF\n)\" '" + file.string() + "'", status);
  fs::remove(file);
  ASSERT_EQ(status, 0) << listed;
  EXPECT_EQ(listed, std::to_string(cases) + "\n");
}

}  // namespace
}  // namespace agentreplay::reports
