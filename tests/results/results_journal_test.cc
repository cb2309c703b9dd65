// The journal: a line per finished cell, read back into the document the run would have written;
// a torn last line (the run killed mid-write) is dropped with a note, anything else is an error
// that names the line.
#include "results/results_journal.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "results/results_json.h"
#include "results/statistics.h"
#include "tests/results/sample_results.h"

namespace agentreplay::results {
namespace {

namespace fs = std::filesystem;

fs::path ScratchFile(std::string_view name) {
  const fs::path dir =
      fs::temp_directory_path() / ("agentreplay-journal-" + std::to_string(::getpid()) + "-" +
                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir / name;
}

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The sample document as a run hands it on: cells written as they finish, then compared.
std::string WriteJournal(const fs::path& path, const Results& results) {
  auto journal = JournalWriter::Create(path, results.context, std::chrono::hours(1));
  EXPECT_TRUE(journal) << (journal ? "" : journal.error());
  for (const Cell& cell : results.cells) EXPECT_TRUE(journal->Append(cell));
  EXPECT_TRUE(journal->Close());
  return Slurp(path);
}

TEST(ResultsJournalTest, ReadsBackTheDocumentTheRunWrote) {
  Results results = reports::fixtures::SampleResults();
  results.context.plan = "00c0ffee00c0ffee";
  results.context.planned_cells = 3;
  CompareWithBaseline(results);
  const fs::path path = ScratchFile("results.journal.jsonl");
  const std::string text = WriteJournal(path, results);
  // A header and one line per cell, each complete.
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'),
            static_cast<std::ptrdiff_t>(results.cells.size() + 1));
  std::vector<std::string> notes;
  auto read = LoadResultsFile(path, &notes);
  ASSERT_TRUE(read) << read.error();
  EXPECT_TRUE(notes.empty());
  EXPECT_EQ(ResultsToJson(*read), ResultsToJson(results));
}

TEST(ResultsJournalTest, ATornLastLineIsDroppedWithANote) {
  const Results results = reports::fixtures::SampleResults();
  const fs::path path = ScratchFile("results.journal.jsonl");
  std::string text = WriteJournal(path, results);
  // Killed while writing the last cell: half its line made it out.
  const size_t last = text.rfind('\n', text.size() - 2);
  text.resize(last + 1 + (text.size() - last) / 2);
  std::vector<std::string> notes;
  auto read = ReadResultsJournal(text, "results.journal.jsonl", &notes);
  ASSERT_TRUE(read) << read.error();
  EXPECT_EQ(read->cells.size(), results.cells.size() - 1);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("results.journal.jsonl:4: dropped an unfinished last line"),
            std::string::npos)
      << notes[0];
}

TEST(ResultsJournalTest, ABrokenLineInTheMiddleIsAnErrorNamingIt) {
  const Results results = reports::fixtures::SampleResults();
  const fs::path path = ScratchFile("results.journal.jsonl");
  std::string text = WriteJournal(path, results);
  const size_t second = text.find('\n') + 1;
  text.insert(second, "{\"scenario\": 3}\n");
  auto read = ReadResultsJournal(text, "results.journal.jsonl", nullptr);
  ASSERT_FALSE(read);
  EXPECT_NE(read.error().find("results.journal.jsonl:2"), std::string::npos) << read.error();
}

// A line that is fine on its own but impossible under the journal's header (a cell of another
// world than the run's) is refused as a whole document's cell would be.
TEST(ResultsJournalTest, ACellThatContradictsTheHeaderIsAnErrorNamingItsLine) {
  Results results = reports::fixtures::SampleResults();
  results.cells[1].world = results.context.world == "sim" ? "real" : "sim";
  const fs::path path = ScratchFile("results.journal.jsonl");
  const std::string text = WriteJournal(path, results);
  auto read = ReadResultsJournal(text, "results.journal.jsonl", nullptr);
  ASSERT_FALSE(read);
  EXPECT_NE(read.error().find("results.journal.jsonl:3"), std::string::npos) << read.error();
  EXPECT_NE(read.error().find("world"), std::string::npos) << read.error();
}

TEST(ResultsJournalTest, RefusesWhatIsNotAJournal) {
  auto empty = ReadResultsJournal("", "x.jsonl", nullptr);
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().find("no header"), std::string::npos) << empty.error();
  auto other = ReadResultsJournal("{\"a\": 1}\n", "x.jsonl", nullptr);
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().find("x.jsonl:1"), std::string::npos) << other.error();
  EXPECT_NE(other.error().find("not an agentreplay results journal"), std::string::npos);
  auto future = ReadResultsJournal(
      "{\"schema\":\"agentreplay.results/v9\",\"journal\":\"cells\",\"context\":{}}\n", "x.jsonl",
      nullptr);
  ASSERT_FALSE(future);
  EXPECT_NE(future.error().find("unsupported journal header"), std::string::npos);
}

TEST(ResultsJournalTest, ASymlinkAtTheJournalsPlaceIsRefused) {
  const fs::path path = ScratchFile("results.journal.jsonl");
  const fs::path target = path.parent_path() / "elsewhere";
  fs::create_symlink(target, path);
  auto journal = JournalWriter::Create(path, Context{}, std::chrono::seconds(1));
  ASSERT_FALSE(journal);
  EXPECT_FALSE(fs::exists(target));
}

TEST(ResultsJournalTest, ShardAndPlanRoundTripInTheContext) {
  Results results = reports::fixtures::SampleResults();
  results.context.plan = "0123456789abcdef";
  results.context.planned_cells = 7;
  results.context.shard_index = 2;
  results.context.shard_count = 3;
  const std::string text = ResultsToJson(results);
  EXPECT_NE(text.find("\"shard\": {\n      \"index\": 2,\n      \"count\": 3\n    }"),
            std::string::npos)
      << text;
  auto read = ReadResultsJson(text, "results.json");
  ASSERT_TRUE(read) << read.error();
  EXPECT_EQ(read->context.plan, "0123456789abcdef");
  EXPECT_EQ(read->context.planned_cells, 7);
  EXPECT_EQ(read->context.shard_index, 2);
  EXPECT_EQ(read->context.shard_count, 3);
  // An impossible shard is refused where it is.
  std::string bad = text;
  bad.replace(bad.find("\"index\": 2,"), 10, "\"index\": 4");
  auto refused = ReadResultsJson(bad, "results.json");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("/context/shard"), std::string::npos) << refused.error();
}

}  // namespace
}  // namespace agentreplay::results
