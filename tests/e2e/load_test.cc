// `agentreplay load` as a user runs it: a rate sweep writes a cell per rate that every reporter
// and `compare` read, the knee is printed, a too-low open-files limit is refused before any
// session runs, SIGINT keeps the sessions that finished, and --base-url drives an
// OpenAI-compatible endpoint (here `agentreplay serve` on loopback) with the agent's requests.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/child_process.h"
#include "tests/e2e/cli_runner.h"

namespace {

namespace fs = std::filesystem;
using agentreplay::testing::CliResult;
using agentreplay::testing::Slurp;
using ::testing::HasSubstr;

constexpr const char* kVariant = "p0+p2+p1+p3+p4+p5";

class LoadE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("agentreplay-load-e2e-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  CliResult Run(const std::vector<std::string>& args, const std::string& prefix = "") {
    return agentreplay::testing::RunCli(dir_, args, prefix);
  }

  rapidjson::Document Results() const {
    rapidjson::Document doc;
    doc.Parse(Slurp(dir_ / "out" / "results.json").c_str());
    return doc;
  }

  fs::path dir_;
};

// The binary as a child process (for signals and servers).
class Child : public agentreplay::testing::ChildProcess {
 public:
  explicit Child(std::vector<std::string> args) : ChildProcess(WithBinary(std::move(args))) {}

 private:
  static std::vector<std::string> WithBinary(std::vector<std::string> args) {
    args.insert(args.begin(), AGENTREPLAY_BINARY);
    return args;
  }
};

TEST_F(LoadE2eTest, ARateSweepWritesACellPerRateThatEveryReporterAndCompareRead) {
  const CliResult r = Run({"load", "--rate", "20,40", "--sessions", "12", "--arrival", "poisson",
                           "--seed", "5", "--time-scale", "0.25", "--out", (dir_ / "out").string(),
                           "--format", "console,json,csv,junit"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr(std::string(kVariant) + "@rate=20/s"));
  EXPECT_THAT(r.out, HasSubstr("knee:"));
  EXPECT_THAT(r.out, HasSubstr("start delay p50/p99"));
  const rapidjson::Document doc = Results();
  ASSERT_TRUE(doc.IsObject()) << Slurp(dir_ / "out" / "results.json");
  EXPECT_STREQ(doc["context"]["world"].GetString(), "real");
  EXPECT_THAT(std::string(doc["context"]["command_line"].GetString()), HasSubstr(" load "));
  const auto& cells = doc["cells"];
  ASSERT_EQ(cells.Size(), 2u);
  const char* rates[] = {"@rate=20/s", "@rate=40/s"};
  for (rapidjson::SizeType i = 0; i < cells.Size(); ++i) {
    const auto& cell = cells[i];
    EXPECT_EQ(std::string(cell["variant"].GetString()), std::string(kVariant) + rates[i]);
    EXPECT_STREQ(cell["scenario"].GetString(), "two_tool_rounds");
    EXPECT_EQ(cell["samples"].Size(), 12u);
    EXPECT_EQ(cell["error_samples"].GetInt(), 0);
    for (const char* metric :
         {"start_delay_ms", "ttft_from_intended_ms", "e2e_from_intended_ms", "fidelity_ms"}) {
      EXPECT_TRUE(cell["stats"].HasMember(metric)) << metric;
    }
  }
  EXPECT_TRUE(fs::exists(dir_ / "out" / "report.csv"));
  EXPECT_THAT(Slurp(dir_ / "out" / "junit.xml"), HasSubstr("@rate=40/s"));
  // compare reads two rates of one file like two variants of a run (0 or 1, never bad input).
  const CliResult compared = Run({"compare", (dir_ / "out" / "results.json").string(), "--base",
                                  std::string("variant=") + kVariant + "@rate=20/s", "--head",
                                  std::string("variant=") + kVariant + "@rate=40/s"});
  EXPECT_NE(compared.exit_code, 2) << compared.out << compared.err;
}

TEST_F(LoadE2eTest, AnOpenFilesLimitTooLowIsRefusedBeforeAnySessionRuns) {
  // `ulimit -n` in the shell sets the soft and the hard limit: raising cannot help.
  const CliResult r = Run({"load", "--rate", "1000", "--sessions", "1000", "--concurrency-cap",
                           "1000", "--out", (dir_ / "out").string()},
                          "ulimit -n 256 &&");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("RLIMIT_NOFILE"));
  EXPECT_THAT(r.err, HasSubstr("--concurrency-cap"));
  EXPECT_FALSE(fs::exists(dir_ / "out" / "results.json"));
}

TEST_F(LoadE2eTest, BadRatesAreUsageErrors) {
  EXPECT_EQ(Run({"load", "--rate", "0"}).exit_code, 2);
  EXPECT_EQ(Run({"load", "--rate", "5", "--arrival", "bursty"}).exit_code, 2);
  EXPECT_EQ(Run({"load", "--rate", "5,5"}).exit_code, 2);
}

TEST_F(LoadE2eTest, BrokenSessionsAreErrorSamplesNotACrash) {
  // Nothing listens on port 1 of loopback (binding it needs privileges): every connection is
  // refused, every session ends in an error sample, and the load still reports and exits 0.
  const CliResult r =
      Run({"load", "--base-url", "http://127.0.0.1:1/v1", "--rate", "50", "--sessions", "6",
           "--out", (dir_ / "out").string(), "--format", "console,json"},
          "env -u OPENAI_API_KEY");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("connection_refused"));
  const rapidjson::Document doc = Results();
  ASSERT_TRUE(doc.IsObject());
  ASSERT_EQ(doc["cells"].Size(), 1u);
  EXPECT_EQ(doc["cells"][0]["samples"].Size(), 6u);
  EXPECT_EQ(doc["cells"][0]["error_samples"].GetInt(), 6);
}

TEST_F(LoadE2eTest, SigintStopsTheArrivalsAndKeepsTheSessionsThatFinished) {
  Child load({"load", "--rate", "10", "--duration", "60", "--time-scale", "0.25", "--out",
              (dir_ / "out").string(), "--format", "json"});
  ASSERT_TRUE(load.started());
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  load.Signal(SIGINT);
  EXPECT_EQ(load.Wait(), 130);
  const rapidjson::Document doc = Results();
  ASSERT_TRUE(doc.IsObject());
  ASSERT_EQ(doc["cells"].Size(), 1u);
  const auto& samples = doc["cells"][0]["samples"];
  EXPECT_GE(samples.Size(), 1u);    // about 25 had started (fewer on a slow machine)
  EXPECT_LT(samples.Size(), 600u);  // not the whole minute
  EXPECT_EQ(doc["cells"][0]["error_samples"].GetInt(), 0);
}

TEST_F(LoadE2eTest, BaseUrlDrivesAnOpenAiCompatibleEndpoint) {
  Child served({"serve", "--port", "0", "--time-scale", "0.25"});
  ASSERT_TRUE(served.started());
  static const std::regex kLine(
      R"(^agentreplay serve: listening on (http://127\.0\.0\.1:\d+/v1)$)");
  const std::string line = served.ReadLine();
  std::smatch m;
  ASSERT_TRUE(std::regex_match(line, m, kLine)) << line;
  const CliResult r = Run({"load", "--base-url", m[1].str(), "--rate", "20", "--sessions", "8",
                           "--out", (dir_ / "out").string(), "--format", "json"},
                          "env -u OPENAI_API_KEY");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const rapidjson::Document doc = Results();
  ASSERT_TRUE(doc.IsObject());
  EXPECT_STREQ(doc["context"]["world"].GetString(), "live");
  ASSERT_EQ(doc["cells"].Size(), 1u);
  EXPECT_EQ(doc["cells"][0]["samples"].Size(), 8u);
  EXPECT_EQ(doc["cells"][0]["error_samples"].GetInt(), 0) << Slurp(dir_ / "out" / "results.json");
  served.Signal(SIGINT);
  EXPECT_EQ(served.Wait(), 0);
}

}  // namespace
