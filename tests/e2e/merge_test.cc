// End-to-end: the merge property as a CI pipeline relies on it. Shipped scenarios run whole on
// one machine and as three shards (`run --shard I/3`, separate processes), and `agentreplay
// merge` of the shards gives the same document: the same cells in the same order, the same
// samples and the same statistics. Refusals (shards of another run, a missing shard) exit 2
// with a message that names the files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "results/results_json.h"
#include "tests/e2e/cli_runner.h"

namespace {

namespace fs = std::filesystem;
using agentreplay::testing::CliResult;
using ::testing::HasSubstr;
namespace results = agentreplay::results;

// The CPU-time figures, measured per process: the one thing two runs of one plan may differ in
// (every other figure of the simulated world is virtual time and counts).
constexpr const char* kCpuMetrics[] = {"agent_cpu_us"};

std::string Scenario(const char* name) {
  return std::string(AGENTREPLAY_SCENARIOS_DIR) + "/" + name + ".json";
}

// `path` as read, without what legitimately differs between the processes: CPU time, and the
// context's start time, host and command line (the out directories and --shard differ).
std::string Comparable(const fs::path& path) {
  auto read = results::LoadResultsFile(path);
  if (!read) {
    ADD_FAILURE() << read.error();
    return "";
  }
  results::Results doc = std::move(*read);
  doc.context.started_at.clear();
  doc.context.hostname.clear();
  doc.context.command_line.clear();
  for (results::Cell& cell : doc.cells) {
    for (const char* metric : kCpuMetrics) {
      cell.stats.erase(metric);
      cell.change_vs_baseline.erase(metric);
      for (results::Sample& sample : cell.samples) sample.metrics.erase(metric);
    }
  }
  return results::ResultsToJson(doc);
}

// One whole run and its three shards (with two scenarios on the default ladder: 14 cells, so
// the shards hold 5, 5 and 4), plus shard 2 of the same command with another seed.
class MergeCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("agentreplay-e2e-merge-" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    fs::create_directories(*dir_);
    setup_ok_ = Run("whole", "", "3") && Run("shard1", "1/3", "3") && Run("shard2", "2/3", "3") &&
                Run("shard3", "3/3", "3") && Run("seed4", "2/3", "4");
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  void SetUp() override { ASSERT_TRUE(setup_ok_) << "agentreplay run failed"; }

  static bool Run(const std::string& out, const std::string& shard, const std::string& seed) {
    std::vector<std::string> args = {"run",
                                     "--scenario",
                                     Scenario("text_answer"),
                                     "--scenario",
                                     Scenario("one_tool_call"),
                                     "-n",
                                     "3",
                                     "--seed",
                                     seed,
                                     "--format",
                                     "json",
                                     "--out",
                                     (*dir_ / out).string()};
    if (!shard.empty()) {
      args.push_back("--shard");
      args.push_back(shard);
    }
    const CliResult r = agentreplay::testing::RunCli(*dir_, args);
    if (r.exit_code != 0) ADD_FAILURE() << "run " << out << ": " << r.err;
    return r.exit_code == 0;
  }

  static CliResult Merge(std::vector<std::string> args) {
    args.insert(args.begin(), "merge");
    return agentreplay::testing::RunCli(*dir_, args);
  }
  static std::string Doc(const std::string& run) { return (*dir_ / run / "results.json").string(); }
  static std::string Journal(const std::string& run) {
    return (*dir_ / run / "results.journal.jsonl").string();
  }

  static fs::path* dir_;
  static bool setup_ok_;
};

fs::path* MergeCliTest::dir_ = nullptr;
bool MergeCliTest::setup_ok_ = false;

TEST_F(MergeCliTest, ShardsHoldTheirSlices) {
  auto whole = results::LoadResultsFile(Doc("whole"));
  auto shard = results::LoadResultsFile(Doc("shard2"));
  ASSERT_TRUE(whole) << whole.error();
  ASSERT_TRUE(shard) << shard.error();
  EXPECT_EQ(whole->context.shard_count, 0);
  EXPECT_EQ(whole->cells.size(), 14u);
  EXPECT_EQ(whole->context.planned_cells, 14);
  EXPECT_EQ(shard->context.shard_index, 2);
  EXPECT_EQ(shard->context.shard_count, 3);
  EXPECT_EQ(shard->context.plan, whole->context.plan);
  ASSERT_EQ(shard->cells.size(), 5u);
  EXPECT_EQ(shard->cells[1].scenario + "/" + shard->cells[1].variant,
            whole->cells[4].scenario + "/" + whole->cells[4].variant);
}

TEST_F(MergeCliTest, MergedShardsAreTheWholeRun) {
  const std::string out = (*dir_ / "merged" / "results.json").string();
  const CliResult r = Merge({Doc("shard3"), Doc("shard1"), Doc("shard2"), "-o", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("merged 3 files (14 cells) into " + out));
  EXPECT_EQ(Comparable(out), Comparable(Doc("whole")));
  auto merged = results::LoadResultsFile(out);
  ASSERT_TRUE(merged) << merged.error();
  EXPECT_EQ(merged->context.shard_count, 0);
  EXPECT_THAT(merged->context.command_line, ::testing::Not(HasSubstr("--shard")));
  // The gate a CI merge job applies: the merged run against the whole run passes.
  const CliResult gate = agentreplay::testing::RunCli(*dir_, {"compare", Doc("whole"), out});
  EXPECT_EQ(gate.exit_code, 0) << gate.out << gate.err;
}

TEST_F(MergeCliTest, MergedJournalsAreTheWholeRun) {
  const std::string out = (*dir_ / "from-journals" / "results.json").string();
  const CliResult r = Merge(
      {Journal("shard1"), Journal("shard2"), Journal("shard3"), "-o", out, "--format", "console"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Comparable(out), Comparable(Doc("whole")));
  EXPECT_THAT(r.out, HasSubstr("one_tool_call"));  // the console report of the merged run
}

TEST_F(MergeCliTest, AJournalRebuildsItsRunsDocument) {
  const std::string out = (*dir_ / "rebuilt" / "results.json").string();
  const CliResult r = Merge({Journal("whole"), "-o", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Comparable(out), Comparable(Doc("whole")));
}

TEST_F(MergeCliTest, RefusesShardsOfAnotherRun) {
  const CliResult r = Merge({Doc("shard1"), Doc("seed4"), Doc("shard3"), "-o",
                             (*dir_ / "refused" / "results.json").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr(Doc("seed4") + ": not a shard of the same run as " + Doc("shard1")));
  EXPECT_THAT(r.err, HasSubstr("seed differs (\"4\" here, \"3\" there)"));
  EXPECT_FALSE(fs::exists(*dir_ / "refused" / "results.json"));
}

TEST_F(MergeCliTest, RefusesAMissingShardUnlessPartial) {
  const std::string out = (*dir_ / "partial" / "results.json").string();
  CliResult r = Merge({Doc("shard1"), Doc("shard2"), "-o", out});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("shard 3/3 is missing: its 4 cells are not merged"));
  EXPECT_FALSE(fs::exists(out));

  r = Merge({Doc("shard1"), Doc("shard2"), "-o", out, "--allow-partial"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("merged 10 of 14 planned cells"));
  auto merged = results::LoadResultsFile(out);
  ASSERT_TRUE(merged) << merged.error();
  EXPECT_EQ(merged->cells.size(), 10u);
}

TEST_F(MergeCliTest, RefusesAWholeRunAmongShards) {
  const CliResult r = Merge({Doc("shard1"), Doc("whole"), "-o", (*dir_ / "x.json").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr(Doc("whole") + ": a whole run, not a shard"));
}

}  // namespace
