// core/expected.h, core/diagnostic.h, core/input_file.h and core/output_file.h: the one error
// style, and the one way input files are read and output files are published.
#include "core/expected.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/input_file.h"
#include "core/output_file.h"

namespace agentreplay {
namespace {

namespace fs = std::filesystem;

Expected<int> Half(int n) {
  if (n % 2 != 0) return Fail("odd: " + std::to_string(n));
  return n / 2;
}

TEST(ExpectedTest, HoldsAValueOrAFailure) {
  const auto four = Half(8);
  ASSERT_TRUE(four);
  EXPECT_EQ(*four, 4);
  const auto odd = Half(7);
  ASSERT_FALSE(odd);
  EXPECT_EQ(odd.error(), "odd: 7");
  EXPECT_EQ(odd.failure().diagnostics().size(), 1u);
}

TEST(ExpectedTest, MovesOnlyValuesOut) {
  Expected<std::unique_ptr<int>> made = std::make_unique<int>(3);
  ASSERT_TRUE(made);
  std::unique_ptr<int> taken = std::move(*made);
  EXPECT_EQ(*taken, 3);
}

TEST(ExpectedTest, StatusIsOkByDefaultAndCarriesEveryDiagnostic) {
  Status ok;
  EXPECT_TRUE(ok);
  Status bad = Failure(std::vector<Diagnostic>{{"a.json", "/x", 2, 5, "expected a number"},
                                               {"a.json", "", 0, 0, "file is short"}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), "a.json:2:5: /x: expected a number\na.json: /: file is short");
}

TEST(DiagnosticTest, LeavesOutWhatIsUnknown) {
  EXPECT_EQ((Diagnostic{"f.json", "/a/0", 3, 7, "bad"}).ToString(), "f.json:3:7: /a/0: bad");
  EXPECT_EQ((Diagnostic{"f.json", std::nullopt, 3, 7, "bad"}).ToString(), "f.json:3:7: bad");
  EXPECT_EQ((Diagnostic{"f.json", std::nullopt, 0, 0, "bad"}).ToString(), "f.json: bad");
  EXPECT_EQ((Diagnostic{"", std::nullopt, 0, 0, "bad"}).ToString(), "bad");
  EXPECT_EQ(FailIn("x.json", "cannot read file: gone").ToString(),
            "x.json: cannot read file: gone");
}

class FileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("agentreplay-files-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(FileTest, ReadsAWholeFileAndRefusesWhatItCannotHold) {
  std::ofstream(dir_ / "a.txt") << "hello";
  auto text = ReadInputFile(dir_ / "a.txt");
  ASSERT_TRUE(text) << text.error();
  EXPECT_EQ(*text, "hello");

  auto too_big = ReadInputFile(dir_ / "a.txt", 4);
  ASSERT_FALSE(too_big);
  EXPECT_NE(too_big.error().find("more than the limit of 4"), std::string::npos) << too_big.error();
  auto missing = ReadInputFile(dir_ / "none.txt");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error(),
            (dir_ / "none.txt").string() + ": cannot read file: No such file or directory");
  auto directory = ReadInputFile(dir_);
  ASSERT_FALSE(directory);
  EXPECT_NE(directory.error().find("it is a directory"), std::string::npos);
}

TEST_F(FileTest, ReadsAPipeUpToTheBound) {
  const fs::path fifo = dir_ / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer([&] { std::ofstream(fifo) << std::string(100, 'x'); });
  auto text = ReadInputFile(fifo, 10);
  writer.join();
  ASSERT_FALSE(text);
  EXPECT_NE(text.error().find("more than the limit of 10 bytes"), std::string::npos);
}

TEST_F(FileTest, PublishesAtomicallyAndRefusesAPlantedSymlink) {
  const fs::path out = dir_ / "sub" / "out.json";
  ASSERT_TRUE(WriteFileAtomically(out, "one"));
  ASSERT_TRUE(WriteFileAtomically(out, "two"));
  EXPECT_EQ(*ReadInputFile(out), "two");
  EXPECT_FALSE(fs::exists(out.string() + ".tmp"));

  // A symlink at the temporary name must not redirect the write.
  const fs::path victim = dir_ / "victim";
  std::ofstream(victim) << "keep";
  fs::create_symlink(victim, out.string() + ".tmp");
  const Status written = WriteFileAtomically(out, "three");
  EXPECT_FALSE(written);
  EXPECT_EQ(*ReadInputFile(victim), "keep");
}

}  // namespace
}  // namespace agentreplay
