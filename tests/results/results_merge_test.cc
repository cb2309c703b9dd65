// MergeShards: the shards of one plan interleave back into the whole run's document, byte for
// byte; inputs that are not the complete slices of one plan are refused, naming the files.
#include "results/results_merge.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "results/results_journal.h"
#include "results/results_json.h"
#include "results/statistics.h"

namespace agentreplay::results {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int kCells = 7;

// Cell k of the plan: scenarios of a baseline and two variants, so the changes against the
// baselines cross shard boundaries.
Cell PlanCell(int k) {
  static const char* const kVariants[] = {"baseline", "p0", "p0+p3"};
  Cell cell;
  cell.scenario = "scenario" + std::to_string(k / 3);
  cell.runtime = "assistants";
  cell.variant = kVariants[k % 3];
  cell.world = "sim";
  for (int r = 0; r < 3; ++r) {
    Sample sample;
    sample.repetition = r;
    sample.metrics = {{"e2e_ms", 1000.0 - 100.0 * (k % 3) + r},
                      {"requests", 3.0 + k},
                      // More decimals than the file keeps: changes must come out the same from
                      // the figures read back.
                      {"cost_usd", 0.000123456789 * (k % 3 + 1) + 1e-9 * r}};
    sample.segments = {{"llm_wait", 900.0 - 100.0 * (k % 3) + r}, {"agent_cpu", 100.0}};
    cell.samples.push_back(sample);
  }
  ComputeCellStats(cell, 1);
  return cell;
}

Context RunContext() {
  Context c;
  c.version = "0.1.0";
  c.git_revision = "abc123";
  c.build_type = "Release";
  c.world = "sim";
  c.seed = 1;
  c.repetitions = 3;
  c.started_at = "2026-12-07T10:00:00Z";
  c.hostname = "runner-1";
  c.cpus = 2;
  c.os = "Linux";
  c.command_line = "agentreplay run -n 3 --out out";
  c.plan = "0123456789abcdef0123456789abcdef";
  c.planned_cells = kCells;
  return c;
}

// What one machine writes for the whole plan.
Results WholeRun() {
  Results whole;
  whole.context = RunContext();
  for (int k = 0; k < kCells; ++k) whole.cells.push_back(PlanCell(k));
  CompareWithBaseline(whole);
  return whole;
}

// What `run --shard index/count` writes: its slice, compared within itself only.
Results Shard(int index, int count) {
  Results shard;
  shard.context = RunContext();
  shard.context.shard_index = index;
  shard.context.shard_count = count;
  shard.context.command_line = "agentreplay run -n 3 --shard " + std::to_string(index) + "/" +
                               std::to_string(count) + " --out out";
  shard.context.hostname = "runner-" + std::to_string(index);
  shard.context.started_at = "2026-12-07T10:0" + std::to_string(count - index) + ":00Z";
  for (int k = index - 1; k < kCells; k += count) shard.cells.push_back(PlanCell(k));
  CompareWithBaseline(shard);
  return shard;
}

std::string Merged(std::vector<Results> shards, std::vector<std::string> names,
                   const MergeOptions& options = {}, std::vector<std::string>* notes = nullptr) {
  auto merged = MergeShards(std::move(shards), std::move(names), options, notes);
  if (!merged) {
    ADD_FAILURE() << merged.error();
    return "";
  }
  return ResultsToJson(*merged);
}

std::string Refusal(std::vector<Results> shards, std::vector<std::string> names,
                    const MergeOptions& options = {}) {
  auto merged = MergeShards(std::move(shards), std::move(names), options);
  if (merged) {
    ADD_FAILURE() << "merge succeeded";
    return "";
  }
  return merged.error();
}

TEST(ShardCellCountTest, RoundRobinSlices) {
  EXPECT_EQ(ShardCellCount(7, 1, 3), 3);
  EXPECT_EQ(ShardCellCount(7, 2, 3), 2);
  EXPECT_EQ(ShardCellCount(7, 3, 3), 2);
  EXPECT_EQ(ShardCellCount(2, 3, 3), 0);
  EXPECT_EQ(ShardCellCount(5, 1, 1), 5);
}

TEST(WithoutShardArgumentTest, DropsEitherSpelling) {
  EXPECT_EQ(WithoutShardArgument("agentreplay run --shard 2/4 -n 3"), "agentreplay run -n 3");
  EXPECT_EQ(WithoutShardArgument("agentreplay run -n 3 --shard=2/4"), "agentreplay run -n 3");
  EXPECT_EQ(WithoutShardArgument("agentreplay run"), "agentreplay run");
}

TEST(MergeShardsTest, InterleavesIntoTheWholeRunsDocument) {
  for (int count : {1, 2, 3, 7}) {
    std::vector<Results> shards;
    std::vector<std::string> names;
    // Given in reverse: the order of the files does not matter.
    for (int index = count; index >= 1; --index) {
      shards.push_back(Shard(index, count));
      names.push_back("shard" + std::to_string(index) + ".json");
    }
    Results whole = WholeRun();
    // The context says where the shards ran: every host (and the earliest start, the last
    // shard's, which is the whole run's).
    std::string hosts;
    for (int index = 1; index <= count; ++index) {
      hosts += (index == 1 ? "" : ",") + std::string("runner-") + std::to_string(index);
    }
    whole.context.hostname = hosts;
    EXPECT_EQ(Merged(std::move(shards), std::move(names)), ResultsToJson(whole)) << count;
  }
}

TEST(MergeShardsTest, RecomputesTheChangesAcrossShards) {
  // With three shards each scenario's baseline sits in another shard than its variants.
  EXPECT_TRUE(Shard(2, 3).cells.front().baseline.empty());
  auto merged = MergeShards({Shard(1, 3), Shard(2, 3), Shard(3, 3)}, {"a", "b", "c"});
  ASSERT_TRUE(merged) << merged.error();
  ASSERT_EQ(merged->cells.size(), static_cast<size_t>(kCells));
  EXPECT_EQ(merged->cells[1].variant, "p0");
  EXPECT_EQ(merged->cells[1].baseline, "assistants/baseline");
  // p50 901 ms against the baseline's 1001 ms.
  EXPECT_DOUBLE_EQ(merged->cells[1].change_vs_baseline.at("e2e_ms"), (901.0 - 1001.0) / 1001.0);
}

TEST(MergeShardsTest, RefusesShardsOfDifferentRuns) {
  Results other_seed = Shard(2, 2);
  other_seed.context.seed = 7;
  const std::string error = Refusal({Shard(1, 2), other_seed}, {"one.json", "two.json"});
  EXPECT_THAT(error, HasSubstr("two.json"));
  EXPECT_THAT(error, HasSubstr("one.json"));
  EXPECT_THAT(error, HasSubstr("seed differs (\"7\" here, \"1\" there)"));

  Results other_plan = Shard(2, 2);
  other_plan.context.plan = "fedcba9876543210fedcba9876543210";
  EXPECT_THAT(Refusal({Shard(1, 2), other_plan}, {"one.json", "two.json"}),
              HasSubstr("plan (scenario files, variants, runtimes or settings) differs"));

  EXPECT_THAT(Refusal({Shard(1, 2), Shard(2, 3)}, {"one.json", "two.json"}),
              HasSubstr("shard count differs"));

  Results other_build = Shard(2, 2);
  other_build.context.git_revision = "def456";
  EXPECT_THAT(Refusal({Shard(1, 2), other_build}, {"one.json", "two.json"}),
              HasSubstr("git_revision differs"));
}

TEST(MergeShardsTest, RefusesAWholeRunAmongShards) {
  EXPECT_THAT(Refusal({Shard(1, 2), WholeRun()}, {"one.json", "whole.json"}),
              HasSubstr("whole.json: a whole run, not a shard"));
}

TEST(MergeShardsTest, RefusesAShardGivenTwice) {
  EXPECT_THAT(Refusal({Shard(1, 2), Shard(1, 2)}, {"a.json", "b.json"}),
              HasSubstr("shard 1/2 given twice"));
}

TEST(MergeShardsTest, RefusesAMissingShardUnlessPartial) {
  const std::string error = Refusal({Shard(1, 3), Shard(3, 3)}, {"a.json", "c.json"});
  EXPECT_THAT(error, HasSubstr("shard 2/3 is missing: its 2 cells are not merged"));
  EXPECT_THAT(error, HasSubstr("--allow-partial"));

  std::vector<std::string> notes;
  auto merged = MergeShards({Shard(1, 3), Shard(3, 3)}, {"a.json", "c.json"},
                            {.allow_partial = true}, &notes);
  ASSERT_TRUE(merged) << merged.error();
  std::vector<std::string> order;
  for (const Cell& cell : merged->cells) order.push_back(cell.scenario + "/" + cell.variant);
  // Plan indices 0, 2, 3, 5, 6.
  EXPECT_THAT(order, ElementsAre("scenario0/baseline", "scenario0/p0+p3", "scenario1/baseline",
                                 "scenario1/p0+p3", "scenario2/baseline"));
  EXPECT_THAT(notes, ElementsAre("shard 2/3 is missing: its 2 cells are not merged",
                                 "merged 5 of 7 planned cells"));
  EXPECT_EQ(merged->context.planned_cells, kCells);
}

TEST(MergeShardsTest, RefusesAStoppedShardUnlessPartial) {
  Results stopped = Shard(1, 2);  // cells 0, 2, 4, 6; stopped after two
  stopped.cells.resize(2);
  const std::string error = Refusal({stopped, Shard(2, 2)}, {"one.json", "two.json"});
  EXPECT_THAT(error, HasSubstr("one.json: shard 1/2 holds 2 of its 4 cells: 2 missing"));

  std::vector<std::string> notes;
  auto merged = MergeShards({stopped, Shard(2, 2)}, {"one.json", "two.json"},
                            {.allow_partial = true}, &notes);
  ASSERT_TRUE(merged) << merged.error();
  ASSERT_EQ(merged->cells.size(), 5u);
  EXPECT_EQ(merged->cells[4].scenario + "/" + merged->cells[4].variant,
            "scenario1/p0+p3");  // plan index 5
  EXPECT_THAT(notes, ElementsAre(HasSubstr("one.json: shard 1/2 holds 2 of its 4 cells"),
                                 "merged 5 of 7 planned cells"));
}

TEST(MergeShardsTest, RefusesAShardWithMoreCellsThanItsSlice) {
  Results grown = Shard(2, 2);
  grown.cells.push_back(PlanCell(0));
  EXPECT_THAT(Refusal({Shard(1, 2), grown}, {"one.json", "two.json"}),
              HasSubstr("two.json: shard 2/2 holds 4 cells, but its slice of the 7 planned cells "
                        "has 3"));
}

TEST(MergeShardsTest, AWholeRunPassesThrough) {
  std::vector<std::string> notes;
  EXPECT_EQ(Merged({WholeRun()}, {"results.json"}, {}, &notes), ResultsToJson(WholeRun()));
  EXPECT_TRUE(notes.empty());
  EXPECT_FALSE(MergeShards({}, {}));
}

class JournalMergeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("agentreplay-merge-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A journal holding the first `cells` cells of `results`.
  std::filesystem::path WriteJournal(const Results& results, size_t cells) {
    const std::filesystem::path path = dir_ / "results.journal.jsonl";
    auto journal = JournalWriter::Create(path, results.context, std::chrono::milliseconds(0));
    if (!journal) {
      ADD_FAILURE() << journal.error();
      return path;
    }
    for (size_t i = 0; i < cells; ++i) {
      EXPECT_TRUE(journal->Append(results.cells[i]));
    }
    EXPECT_TRUE(journal->Close());
    return path;
  }

  std::filesystem::path dir_;
};

TEST_F(JournalMergeTest, RebuildsTheDocumentOfACrashedRun) {
  const Results whole = WholeRun();
  const std::filesystem::path path = WriteJournal(whole, whole.cells.size());
  // The run died while writing a line.
  std::ofstream(path, std::ios::app) << CellToJsonLine(whole.cells[0]).substr(0, 40);
  std::vector<std::string> notes;
  auto read = LoadResultsFile(path, &notes);
  ASSERT_TRUE(read) << read.error();
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_THAT(notes[0], HasSubstr("dropped an unfinished last line"));
  notes.clear();
  EXPECT_EQ(Merged({std::move(*read)}, {path.string()}, {}, &notes), ResultsToJson(whole));
  EXPECT_TRUE(notes.empty());
}

TEST_F(JournalMergeTest, SaysWhatACrashedRunLacks) {
  Results whole = WholeRun();
  const std::filesystem::path path = WriteJournal(whole, 4);
  auto read = LoadResultsFile(path);
  ASSERT_TRUE(read) << read.error();
  std::vector<std::string> notes;
  const std::string merged = Merged({std::move(*read)}, {"results.journal.jsonl"}, {}, &notes);
  whole.cells.resize(4);
  CompareWithBaseline(whole);
  EXPECT_EQ(merged, ResultsToJson(whole));
  EXPECT_THAT(notes, ElementsAre("results.journal.jsonl: 4 of 7 planned cells (3 not run: the "
                                 "run stopped early)"));
}

TEST_F(JournalMergeTest, ShardJournalsMerge) {
  // Two shards that crashed after their last cell: their journals are all there is.
  std::vector<Results> shards;
  for (int index = 1; index <= 2; ++index) {
    const Results shard = Shard(index, 2);
    const std::filesystem::path path = WriteJournal(shard, shard.cells.size());
    auto read = LoadResultsFile(path);
    ASSERT_TRUE(read) << read.error();
    shards.push_back(std::move(*read));
  }
  auto merged = MergeShards(std::move(shards), {"one.jsonl", "two.jsonl"});
  ASSERT_TRUE(merged) << merged.error();
  const Results whole = WholeRun();
  ASSERT_EQ(merged->cells.size(), whole.cells.size());
  for (size_t i = 0; i < whole.cells.size(); ++i) {
    EXPECT_EQ(CellToJsonLine(merged->cells[i]), CellToJsonLine(whole.cells[i])) << i;
  }
  EXPECT_EQ(merged->context.shard_count, 0);
  EXPECT_EQ(merged->context.command_line, "agentreplay run -n 3 --out out");
}

}  // namespace
}  // namespace agentreplay::results
