// The journal as a user meets it: `run` appends a line per finished cell and writes
// results.json once; a run killed with SIGKILL at a random moment leaves a journal whose cells
// are exactly the first cells of a full run, which `report` and `compare` read as they are.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "results/results_json.h"
#include "tests/e2e/child_process.h"
#include "tests/e2e/cli_runner.h"

namespace agentreplay::testing {
namespace {

namespace fs = std::filesystem;

fs::path Scratch(std::string_view tag) {
  const fs::path dir =
      fs::temp_directory_path() /
      ("agentreplay-journal-e2e-" + std::to_string(::getpid()) + "-" + std::string(tag));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

size_t Lines(const fs::path& path) {
  const std::string text = Slurp(path);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

// What a cell measured, without the CPU time (measured, not simulated) and the comparison with
// baselines (which depends on the cells around it).
std::string Measured(results::Cell cell) {
  for (auto& sample : cell.samples) sample.metrics.erase("agent_cpu_us");
  cell.stats.erase("agent_cpu_us");
  cell.baseline.clear();
  cell.change_vs_baseline.clear();
  results::Results one;
  one.cells = {std::move(cell)};
  return results::ResultsToJson(one);
}

std::vector<std::string> RunArgs(const std::string& repetitions) {
  return {"run",
          "--scenario",
          std::string(AGENTREPLAY_SCENARIOS_DIR) + "/two_tool_rounds.json",
          "--variants",
          "baseline,p0,p0+p2,p0+p2+p1,p0+p2+p1+p3,p0+p2+p1+p3+p5",
          "--runtimes",
          "assistants,responses,chat",
          "-n",
          repetitions,
          "--format",
          "json"};
}

TEST(JournalE2eTest, RunWritesALinePerCellAndTheDocumentOnce) {
  const fs::path dir = Scratch("whole");
  std::vector<std::string> args = RunArgs("3");
  args.insert(args.end(), {"--out", (dir / "out").string()});
  const CliResult r = RunCli(dir, args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("turns per CPU-second"), std::string::npos) << r.out;
  const fs::path journal = dir / "out/results.journal.jsonl";
  auto from_journal = results::LoadResultsFile(journal);
  auto document = results::LoadResultsFile(dir / "out/results.json");
  ASSERT_TRUE(from_journal) << from_journal.error();
  ASSERT_TRUE(document) << document.error();
  EXPECT_EQ(Lines(journal), document->cells.size() + 1);
  EXPECT_EQ(results::ResultsToJson(*from_journal), results::ResultsToJson(*document));
  // Every reader takes the journal itself.
  const CliResult report = RunCli(dir, {"report", journal.string(), "--format", "console"});
  EXPECT_EQ(report.exit_code, 0) << report.err;
  EXPECT_NE(report.out.find("two_tool_rounds"), std::string::npos);
}

TEST(JournalE2eTest, AKilledRunKeepsEveryCellItFinishedExactly) {
  const fs::path dir = Scratch("killed");
  std::vector<std::string> args = {AGENTREPLAY_BINARY};
  for (auto& arg : RunArgs("40")) args.push_back(std::move(arg));
  args.insert(args.end(), {"--out", (dir / "killed").string(), "--jobs", "2"});
  const fs::path journal = dir / "killed/results.journal.jsonl";
  // Killed at a random moment after some cells finished (the seed is printed to reproduce).
  const unsigned seed = std::random_device{}();
  std::mt19937 rng(seed);
  const size_t wait_for = 2 + rng() % 6;  // header + 1..6 cells
  const auto extra = std::chrono::microseconds(rng() % 20000);
  {
    ChildProcess run(args);
    ASSERT_TRUE(run.started());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
    while (Lines(journal) < wait_for && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    std::this_thread::sleep_for(extra);
    run.Signal(SIGKILL);
    EXPECT_EQ(run.Wait(), 128 + SIGKILL) << "seed " << seed;
  }
  EXPECT_FALSE(fs::exists(dir / "killed/results.json")) << "the document is written at the end";
  std::vector<std::string> notes;
  auto kept = results::LoadResultsFile(journal, &notes);
  ASSERT_TRUE(kept) << kept.error() << " (seed " << seed << ")";
  ASSERT_GE(kept->cells.size(), wait_for - 1) << "seed " << seed;

  // The same run, whole: the kept cells are its first cells, identical.
  std::vector<std::string> whole_args = RunArgs("40");
  whole_args.insert(whole_args.end(), {"--out", (dir / "whole").string()});
  const CliResult whole_run = RunCli(dir, whole_args);
  ASSERT_EQ(whole_run.exit_code, 0) << whole_run.err;
  auto whole = results::LoadResultsFile(dir / "whole/results.json");
  ASSERT_TRUE(whole) << whole.error();
  ASSERT_LT(kept->cells.size(), whole->cells.size()) << "killed too late to prove anything";
  for (size_t i = 0; i < kept->cells.size(); ++i) {
    EXPECT_EQ(Measured(kept->cells[i]), Measured(whole->cells[i]))
        << "cell " << i << " (seed " << seed << ")";
  }
  EXPECT_EQ(kept->context.plan, whole->context.plan);
}

}  // namespace
}  // namespace agentreplay::testing
