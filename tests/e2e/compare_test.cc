// End-to-end: `agentreplay compare` on result files the binary itself wrote, checking exit codes
// (0 pass, 1 regression, 2 bad input) and what a CI log shows.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/cli_runner.h"

namespace {

namespace fs = std::filesystem;
using agentreplay::testing::CliResult;
using agentreplay::testing::Quote;
using agentreplay::testing::Slurp;
using ::testing::HasSubstr;
using ::testing::StartsWith;

CliResult RunIn(const fs::path& dir, const std::vector<std::string>& args) {
  return agentreplay::testing::RunCli(dir, args);
}

std::string Scenario(const char* name) {
  return std::string(AGENTREPLAY_SCENARIOS_DIR) + "/" + name + ".json";
}

// Two small simulated runs shared by every test: `two` has two scenarios (baseline and p0, one
// warm-up repetition), `one` the first scenario only.
class CompareCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("agentreplay-e2e-compare-" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    fs::create_directories(*dir_);
    const std::vector<std::string> common = {"--variants", "baseline,p0", "-n",       "3",
                                             "--seed",     "7",           "--warmup", "1"};
    std::vector<std::string> two = {"run",
                                    "--scenario",
                                    Scenario("text_answer"),
                                    "--scenario",
                                    Scenario("one_tool_call"),
                                    "--out",
                                    (*dir_ / "two").string()};
    two.insert(two.end(), common.begin(), common.end());
    std::vector<std::string> one = {"run", "--scenario", Scenario("text_answer"), "--out",
                                    (*dir_ / "one").string()};
    one.insert(one.end(), common.begin(), common.end());
    setup_ok_ = RunIn(*dir_, two).exit_code == 0 && RunIn(*dir_, one).exit_code == 0;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  void SetUp() override { ASSERT_TRUE(setup_ok_) << "agentreplay run failed"; }

  CliResult Run(const std::vector<std::string>& args) { return RunIn(*dir_, args); }
  static std::string Two() { return (*dir_ / "two" / "results.json").string(); }
  static std::string One() { return (*dir_ / "one" / "results.json").string(); }
  static std::string Write(const std::string& name, const std::string& text) {
    const fs::path path = *dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

  static fs::path* dir_;
  static bool setup_ok_;
};

fs::path* CompareCliTest::dir_ = nullptr;
bool CompareCliTest::setup_ok_ = false;

TEST_F(CompareCliTest, IdenticalRunsPass) {
  const CliResult r = Run({"compare", Two(), Two()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, StartsWith("PASS: 0 regressions"));
  EXPECT_THAT(r.out, HasSubstr("exact"));  // same seed in the simulated world
  EXPECT_THAT(r.out, HasSubstr("e2e_ms"));
}

TEST_F(CompareCliTest, RegressionFailsWithExitOneAndNamesTheSegment) {
  const CliResult r = Run({"compare", Two(), "--base", "variant=p0", "--head", "variant=baseline"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, StartsWith("FAIL: "));
  EXPECT_THAT(r.out, HasSubstr("one_tool_call/assistants/baseline: e2e_ms regressed"));
  EXPECT_THAT(r.out, HasSubstr("regression \u25b2"));
  EXPECT_THAT(r.out, HasSubstr("where the time went"));
  EXPECT_THAT(r.out, HasSubstr("sleep grew"));
}

TEST_F(CompareCliTest, ImprovementPassesAGateOnUserVisibleLatency) {
  const std::string gate = Write("user_visible.json", R"({"schema": "agentreplay.gate/v1",
      "metrics": {"e2e_ms": {}, "ttft_ms": {}}})");
  const CliResult r =
      Run({"compare", Two(), "--base", "variant=baseline", "--head", "variant=p0", "--gate", gate});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // one_tool_call improves in e2e and ttft; text_answer moves less than the 5% threshold.
  EXPECT_THAT(r.out, StartsWith("PASS: 0 regressions, 2 improvements"));
  EXPECT_THAT(r.out, HasSubstr("improvement \u25bc"));
}

// rate_limited: without retries every turn fails with 429, with pr every turn succeeds. The error
// rate is compared from every turn, so the cell with no successful turn is still judged.
TEST_F(CompareCliTest, TheErrorRateJudgesACellWithoutASuccessfulTurn) {
  const std::string out = (*dir_ / "rate_limited").string();
  const CliResult run = Run({"run", "--scenario", Scenario("rate_limited"), "--variants",
                             "baseline,pr", "-n", "3", "--seed", "7", "--out", out});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const std::string results = out + "/results.json";
  CliResult r = Run({"compare", results, "--base", "variant=baseline", "--head", "variant=pr"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("error_rate"));
  EXPECT_THAT(r.out, HasSubstr("100%"));
  EXPECT_THAT(r.out, HasSubstr("-100 pts"));
  EXPECT_THAT(r.out, HasSubstr("improvement \u25bc"));
  r = Run({"compare", results, "--base", "variant=pr", "--head", "variant=baseline"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("rate_limited/assistants/baseline: more turns failed (0% of 3 -> "
                               "100% of 3; exact"));
}

TEST_F(CompareCliTest, MissingCellsFailUnlessTheGateIgnoresThem) {
  CliResult r = Run({"compare", Two(), One()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("one_tool_call/assistants/p0: in the base but missing"));
  const std::string gate =
      Write("lenient.json", R"({"schema": "agentreplay.gate/v1", "missing_cells": "ignore"})");
  r = Run({"compare", Two(), One(), "--gate", gate});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("missing: one_tool_call/assistants/p0 (ignored)"));
}

TEST_F(CompareCliTest, NewCellsPassUnlessTheGateFailsThem) {
  CliResult r = Run({"compare", One(), Two()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("new: one_tool_call/assistants/baseline (ignored)"));
  const std::string gate =
      Write("strict.json", R"({"schema": "agentreplay.gate/v1", "new_cells": "fail"})");
  r = Run({"compare", One(), Two(), "--gate", gate});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
}

TEST_F(CompareCliTest, ShippedExampleGateWorks) {
  const CliResult r = Run({"compare", Two(), Two(), "--gate",
                           std::string(AGENTREPLAY_SCENARIOS_DIR) + "/gates/default.json"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("polls"));
}

TEST_F(CompareCliTest, BadInputExitsTwoNamingTheProblem) {
  const std::string gate = Write("bad_gate.json", R"({"schema": "agentreplay.gate/v1",
      "alpha": 7})");
  CliResult r = Run({"compare", Two(), Two(), "--gate", gate});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr(gate + ": /alpha: expected a number in (0, 1)"));

  r = Run({"compare", Two(), "--base", "varient=p0", "--head", "variant=baseline"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--base: selector \"varient=p0\": unknown key"));

  const std::string broken = Write("broken.json", "{\"schema\": ");
  r = Run({"compare", broken, Two()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr(broken + ":1:12: invalid JSON"));

  const std::string wrong = Write("wrong.json", R"({"schema": "agentreplay.results/v9"})");
  r = Run({"compare", Two(), wrong});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr(wrong + ": /schema: unsupported schema version"));

  r = Run({"compare", Two()});  // one file, nothing to tell the sides apart
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("both sides select the same cells"));

  r = Run({"compare", Two(), "--base", "variant=p9", "--head", "variant=p0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("no cell selected"));

  r = Run({"compare", Two(), Two(), "--format", "console,nosuch"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("nosuch"));
}

// Files nested ~200,000 levels deep once overflowed the stack of RapidJSON's recursive parser and
// killed the process; now each is a located error and exit 2.
TEST_F(CompareCliTest, DeeplyNestedFilesAreLocatedErrorsNotCrashes) {
  const std::string deep(200000, '[');
  const std::string results = Write("deep_results.json", "{\"schema\": " + deep);
  CliResult r = Run({"compare", Two(), results});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr(results + ":1:523: invalid JSON: Nesting deeper than 512 levels."));

  const std::string gate =
      Write("deep_gate.json", "{\"schema\": \"agentreplay.gate/v1\",\n\"metrics\": " + deep);
  r = Run({"compare", Two(), Two(), "--gate", gate});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr(gate + ":2:523: invalid JSON: Nesting deeper than 512 levels."));
}

// A results file with an impossible value (a world that does not exist) is refused, naming the
// value, rather than compared.
TEST_F(CompareCliTest, ImpossibleValuesAreRefused) {
  std::string text = Slurp(Two());
  const std::string from = "\"world\": \"sim\"";
  ASSERT_NE(text.find(from), std::string::npos);
  text.replace(text.find(from), from.size(), "\"world\": \"mars\"");
  const std::string mars = Write("mars.json", text);
  const CliResult r = Run({"compare", Two(), mars});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr(mars + ": /context/world: expected \"sim\", \"real\" or \"live\""));
}

}  // namespace
