// `run` as a person at a terminal and a CI job see it: the console report fits the width it is
// given (COLUMNS, else 120 when stdout is not a terminal; --wide for every column), and a run
// stopped with SIGINT or SIGTERM keeps and reports what it finished, then exits 130 or 143.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/child_process.h"
#include "tests/e2e/cli_runner.h"

namespace {

namespace fs = std::filesystem;
using agentreplay::testing::ChildProcess;
using agentreplay::testing::CliResult;
using agentreplay::testing::RunCli;
using agentreplay::testing::Slurp;
using ::testing::HasSubstr;

class RunConsoleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("agentreplay-e2e-console-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
};

size_t LongestLine(const std::string& text) {
  size_t longest = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("results: ", 0) == 0) continue;  // the path of the file, not the report
    size_t width = 0;  // code points: the report's only non-ASCII characters are single-width
    for (char c : line) width += (static_cast<unsigned char>(c) & 0xC0U) != 0x80U ? 1 : 0;
    longest = std::max(longest, width);
  }
  return longest;
}

// The main job's report, as a CI log gets it (stdout not a terminal) and in a narrow terminal.
TEST_F(RunConsoleTest, TheMainJobFitsTheWidthItIsGiven) {
  const std::string out = (dir_ / "out").string();
  const CliResult ci = RunCli(dir_, {"run", "-n", "1", "--out", out}, "env -u COLUMNS");
  ASSERT_EQ(ci.exit_code, 0) << ci.err;
  EXPECT_LE(LongestLine(ci.out), 120U);
  EXPECT_THAT(ci.out, HasSubstr("\nhandler_brakes\n"));  // grouped under scenario headings

  const CliResult narrow = RunCli(dir_, {"run", "-n", "1", "--out", out}, "env COLUMNS=90");
  ASSERT_EQ(narrow.exit_code, 0) << narrow.err;
  EXPECT_LE(LongestLine(narrow.out), 90U);

  const CliResult wide = RunCli(dir_, {"run", "-n", "1", "--wide", "--out", out}, "env COLUMNS=90");
  ASSERT_EQ(wide.exit_code, 0) << wide.err;
  EXPECT_GT(LongestLine(wide.out), 120U);  // every column, one line per cell
  EXPECT_THAT(wide.out, HasSubstr("tool_overhead p50 ms"));
  // No terminal: no progress line on stderr.
  EXPECT_THAT(ci.err, ::testing::Not(HasSubstr("cells \u00b7")));
}

// Stops a long run after its first cell with `signal_number`: the run finishes the cells in
// flight, keeps the cells done in results.json, reports them and exits 128 + the signal.
void StopsCleanly(const fs::path& dir, int signal_number) {
  const fs::path out = dir / "out";
  ChildProcess child(
      {AGENTREPLAY_BINARY, "run", "-n", "2000", "--format", "console,json", "--out", out.string()});
  ASSERT_TRUE(child.started());
  const fs::path results = out / "results.json";
  // The journal's second line is the first finished cell.
  const fs::path journal = out / "results.journal.jsonl";
  auto cells_done = [&] {
    const std::string text = Slurp(journal);
    return std::count(text.begin(), text.end(), '\n') - 1;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (cells_done() < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_GE(cells_done(), 1) << "no cell finished within 120 s";
  child.Signal(signal_number);
  const std::string printed = child.ReadRest();
  EXPECT_EQ(child.Wait(), 128 + signal_number);
  rapidjson::Document doc;
  doc.Parse(Slurp(results).c_str());
  ASSERT_FALSE(doc.HasParseError());
  const auto cells = doc["cells"].Size();
  EXPECT_GE(cells, 1U);
  EXPECT_LT(cells, 20U) << "the run went on after the signal";
  for (const auto& cell : doc["cells"].GetArray()) EXPECT_EQ(cell["samples"].Size(), 2000U);
  EXPECT_THAT(printed, HasSubstr("results: "));  // the report of what was kept
  EXPECT_FALSE(fs::exists(out / "results.json.tmp"));
}

TEST_F(RunConsoleTest, SigintKeepsTheFinishedCellsAndExits130) { StopsCleanly(dir_, SIGINT); }

TEST_F(RunConsoleTest, SigtermKeepsTheFinishedCellsAndExits143) { StopsCleanly(dir_, SIGTERM); }

}  // namespace
