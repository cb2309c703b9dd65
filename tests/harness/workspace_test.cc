// The workspace's life cycle, and the harness preparing and checking it for a scenario.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/run/workspace_setup.h"

namespace agentreplay::harness {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A directory name under the temp dir that nothing holds yet.
fs::path FreshDir(std::string_view tag) {
  auto probe = Workspace::CreateTemporary();  // unique, removed again at once
  return (*probe)->dir().string() + "-" + std::string(tag);
}

mocks::Scenario SeededScenario() {
  mocks::Scenario s;
  s.name = "seeded";
  s.workspace.entries = {
      {"inventory", "Packing tape", R"({"on_hand":40,"reorder_level":100})", {"low"}},
      {"inventory", "Pallet wrap", "6 rolls", {}},
      {"suppliers", "Nordlicht Logistics", "# Nordlicht\nHamburg", {"preferred"}},
  };
  s.workspace.blobs = {{"invoices/2025-03/inv-20931.csv", "item,qty\ntape,40\n"},
                       {"readme.md", ""}};
  return s;
}

TEST(WorkspaceTest, TemporaryIsRemovedUnlessKept) {
  auto created = Workspace::CreateTemporary();
  ASSERT_TRUE(created) << created.error();
  auto ws = std::move(*created);
  const fs::path dir = ws->dir();
  EXPECT_EQ(dir.parent_path(), fs::temp_directory_path());
  EXPECT_TRUE(fs::is_regular_file(dir / "data.sqlite"));
  EXPECT_TRUE(fs::is_directory(dir / "blobs"));
  ws.reset();
  EXPECT_FALSE(fs::exists(dir));

  ws = Workspace::CreateTemporary().value();
  const fs::path kept = ws->dir();
  ws->Keep();
  ws.reset();
  EXPECT_TRUE(fs::is_regular_file(kept / "data.sqlite"));
  fs::remove_all(kept);
}

TEST(WorkspaceTest, OpenKeepsTheDirectoryAndItsData) {
  const fs::path dir = FreshDir("open");
  {
    auto opened = Workspace::Open(dir);
    ASSERT_TRUE(opened) << opened.error();
    auto& ws = *opened;
    EXPECT_EQ(*ws->entries().Add({"notes", "first", "", {}}, "2026-01-01T00:00:00.000Z"), 1);
  }
  ASSERT_TRUE(fs::exists(dir / "data.sqlite"));
  {
    auto opened = Workspace::Open(dir);
    ASSERT_TRUE(opened) << opened.error();
    auto& ws = *opened;
    EXPECT_EQ(*ws->CountEntries("notes", "FIRST"), 1);
    // Ids are never handed out twice, even after the newest entry was removed.
    EXPECT_EQ(*ws->entries().Remove(1), StoreStatus::kOk);
    EXPECT_EQ(*ws->entries().Add({"notes", "second", "", {}}, ""), 2);
  }
  EXPECT_TRUE(fs::exists(dir));
  fs::remove_all(dir);
}

TEST(WorkspaceTest, OpenFailsCleanlyOnAFile) {
  const fs::path file = FreshDir("file");
  std::ofstream(file) << "not a directory";
  const auto opened = Workspace::Open(file);
  EXPECT_FALSE(opened);
  if (!opened) {
    EXPECT_FALSE(opened.error().empty());
  }
  fs::remove(file);
}

TEST(WorkspaceSetupTest, SeedsTheScenarioIntoATemporaryWorkspace) {
  const auto seeded_at = std::chrono::sys_seconds{std::chrono::seconds(1767225600)};
  auto prepared = PrepareWorkspace(SeededScenario(), std::nullopt, seeded_at);
  ASSERT_TRUE(prepared) << prepared.error();
  auto ws = std::move(*prepared);
  EXPECT_EQ(*ws->CountEntries("inventory", ""), 2);
  EXPECT_EQ(*ws->CountEntries("", "nordlicht"), 1);
  // The files are written when the file store is first used.
  EXPECT_TRUE(ws->dir().empty());
  ws->blobs();
  EXPECT_EQ(Slurp(ws->dir() / "blobs/invoices/2025-03/inv-20931.csv"), "item,qty\ntape,40\n");
  EXPECT_TRUE(fs::is_regular_file(ws->dir() / "blobs/readme.md"));

  EntryQuery query;
  query.category = "inventory";
  query.newest_first = false;
  const auto page = ws->entries().Query(query);
  ASSERT_TRUE(page) << page.error();
  ASSERT_EQ(page->entries.size(), 2u);
  EXPECT_EQ(page->entries[0].title, "Packing tape");
  EXPECT_EQ(page->entries[0].content, R"({"on_hand":40,"reorder_level":100})");
  EXPECT_EQ(page->entries[0].tags, std::vector<std::string>{"low"});
  EXPECT_EQ(page->entries[0].created_at, "2026-01-01T00:00:00.000Z");

  const fs::path dir = ws->dir();
  ws.reset();
  EXPECT_FALSE(fs::exists(dir));
}

// Repetitions start from a copy of one seeded image: the agent's writes in one never show in the
// next, and a scenario without files makes no directory at all.
TEST(WorkspaceSetupTest, EachRepetitionStartsFromTheSeededImageInMemory) {
  mocks::Scenario s = SeededScenario();
  s.workspace.blobs.clear();
  auto first = PrepareWorkspace(s, std::nullopt);
  ASSERT_TRUE(first) << first.error();
  EXPECT_TRUE((*first)->dir().empty());
  EntrySeed extra{"inventory", "Bubble wrap", "{}", {}};
  ASSERT_TRUE((*first)->entries().Add(extra, "2026-01-01T00:00:00.000Z"));
  EXPECT_EQ(*(*first)->CountEntries("inventory", ""), 3);
  auto second = PrepareWorkspace(s, std::nullopt);
  ASSERT_TRUE(second) << second.error();
  EXPECT_EQ(*(*second)->CountEntries("inventory", ""), 2);
  // The file store comes into being when a file tool first asks for it, and goes with it.
  BlobError error;
  ASSERT_TRUE((*second)->blobs().Write("notes.txt", "hi", false, nullptr, &error, {}))
      << error.message;
  const fs::path dir = (*second)->dir();
  EXPECT_TRUE(fs::is_regular_file(dir / "blobs/notes.txt"));
  second->reset();
  EXPECT_FALSE(fs::exists(dir));
}

TEST(WorkspaceSetupTest, KeepDirIsUsedAndKept) {
  const fs::path dir = FreshDir("keep");
  auto prepared = PrepareWorkspace(SeededScenario(), dir);
  ASSERT_TRUE(prepared) << prepared.error();
  auto ws = std::move(*prepared);
  EXPECT_EQ(ws->dir(), dir);
  ws.reset();
  EXPECT_TRUE(fs::is_regular_file(dir / "blobs/readme.md"));
  fs::remove_all(dir);
}

TEST(WorkspaceSetupTest, ABlobSeedOutsideTheStoreIsAnError) {
  mocks::Scenario s = SeededScenario();
  s.workspace.blobs["../escape.txt"] = "x";
  auto prepared = PrepareWorkspace(s, std::nullopt);
  ASSERT_FALSE(prepared);
  EXPECT_EQ(prepared.error(),
            "scenario 'seeded': cannot seed blob '../escape.txt': '../escape.txt' contains '..'; "
            "paths may not leave the file store");
}

mocks::DataExpectation Data(std::string category, std::string title, bool exists = true) {
  mocks::DataExpectation d;
  d.category = std::move(category);
  d.title_contains = std::move(title);
  d.exists = exists;
  return d;
}

TEST(WorkspaceSetupTest, DataExpectationsAreCheckedAgainstTheEntries) {
  auto prepared = PrepareWorkspace(SeededScenario(), std::nullopt);
  ASSERT_TRUE(prepared) << prepared.error();
  auto ws = std::move(*prepared);
  mocks::Expectations expect;
  expect.data = {Data("inventory", "packing"), Data("inventory", "Nordlicht"),
                 Data("inventory", "Pallet", false), Data("suppliers", "Acme", false),
                 Data("", "wrap")};
  const auto outcomes = CheckDataExpectations(*ws, expect);
  ASSERT_EQ(outcomes.size(), 5u);
  EXPECT_EQ(outcomes[0].name, "data: inventory entry titled ~\"packing\" exists");
  EXPECT_TRUE(outcomes[0].ok);
  EXPECT_EQ(outcomes[0].detail, "");
  EXPECT_EQ(outcomes[1].name, "data: inventory entry titled ~\"Nordlicht\" exists");
  EXPECT_FALSE(outcomes[1].ok);
  EXPECT_EQ(outcomes[1].detail, "no such entry");
  EXPECT_EQ(outcomes[2].name, "data: inventory entry titled ~\"Pallet\" is gone");
  EXPECT_FALSE(outcomes[2].ok);
  EXPECT_EQ(outcomes[2].detail, "1 such entry is still there");
  EXPECT_TRUE(outcomes[3].ok);
  EXPECT_EQ(outcomes[4].name, "data: any entry titled ~\"wrap\" exists");
  EXPECT_TRUE(outcomes[4].ok);

  // The agent removes the entry: the expectation that it is gone now holds.
  ASSERT_EQ(*ws->entries().Remove(2), StoreStatus::kOk);
  EXPECT_TRUE(CheckDataExpectations(*ws, expect)[2].ok);
  EXPECT_TRUE(CheckDataExpectations(*ws, mocks::Expectations{}).empty());
}

// An entry's content and tags can be asked for too: a record written with the wrong fields or
// without its tag fails the check that its title alone would pass.
TEST(WorkspaceSetupTest, DataExpectationsCanAskForContentAndTags) {
  auto prepared = PrepareWorkspace(SeededScenario(), std::nullopt);
  ASSERT_TRUE(prepared) << prepared.error();
  auto ws = std::move(*prepared);
  mocks::Expectations expect;
  auto with = [](mocks::DataExpectation d, std::string content, std::vector<std::string> tags) {
    d.content_contains = std::move(content);
    d.tags = std::move(tags);
    return d;
  };
  expect.data = {with(Data("inventory", "tape"), "REORDER_LEVEL", {}),
                 with(Data("inventory", "tape"), "\"on_hand\":41", {}),
                 with(Data("inventory", "tape"), "", {"low"}),
                 with(Data("inventory", "wrap"), "", {"low"}),
                 with(Data("suppliers", "", false), "", {"preferred"}),
                 Data("suppliers", "100%_", false)};
  const auto outcomes = CheckDataExpectations(*ws, expect);
  ASSERT_EQ(outcomes.size(), 6u);
  EXPECT_EQ(outcomes[0].name,
            "data: inventory entry titled ~\"tape\" with content ~\"REORDER_LEVEL\" exists");
  EXPECT_TRUE(outcomes[0].ok);
  EXPECT_FALSE(outcomes[1].ok);
  EXPECT_EQ(outcomes[2].name, "data: inventory entry titled ~\"tape\" tagged low exists");
  EXPECT_TRUE(outcomes[2].ok);
  EXPECT_FALSE(outcomes[3].ok);  // Pallet wrap has no tags
  EXPECT_FALSE(outcomes[4].ok);
  EXPECT_EQ(outcomes[4].detail, "1 such entry is still there");
  EXPECT_TRUE(outcomes[5].ok) << outcomes[5].detail;  // LIKE's wildcards are literal here
}

}  // namespace
}  // namespace agentreplay::harness
