// The recorded half as a user runs it: `import` the fixtures we ship, `validate` what it
// wrote, `run` the lifted scenarios on every runtime and the cassettes verbatim, and `run
// --record` then replay the recording. Results say where each cell came from.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/child_process.h"
#include "tests/e2e/cli_runner.h"

namespace {

namespace fs = std::filesystem;
using agentreplay::testing::CliResult;
using agentreplay::testing::Slurp;
using ::testing::HasSubstr;

const fs::path kFixtures = AGENTREPLAY_FIXTURES_DIR;

class RecordingsCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("agentreplay-e2e-rec-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  CliResult Run(const std::vector<std::string>& args) {
    return agentreplay::testing::RunCli(dir_, args);
  }

  std::vector<fs::path> Files(const fs::path& dir, const std::string& suffix) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().string().ends_with(suffix)) out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // The cells of a results file as "scenario/runtime/variant source-kind errors".
  std::vector<std::string> Cells(const fs::path& results) {
    rapidjson::Document doc;
    doc.Parse(Slurp(results).c_str());
    EXPECT_FALSE(doc.HasParseError());
    std::vector<std::string> out;
    for (const auto& c : doc["cells"].GetArray()) {
      std::string kind = c.HasMember("source") ? c["source"]["kind"].GetString() : "-";
      out.push_back(std::string(c["scenario"].GetString()) + "/" + c["runtime"].GetString() + "/" +
                    c["variant"].GetString() + " " + kind + " " +
                    std::to_string(c["error_samples"].GetInt64()));
    }
    return out;
  }

  fs::path dir_;
};

TEST_F(RecordingsCliTest, ImportWritesACassetteAndALiftedScenarioPerConversationThatValidate) {
  std::vector<std::string> args = {"import", "--out", (dir_ / "imported").string()};
  for (const auto& e : fs::directory_iterator(kFixtures)) {
    if (e.path().extension() != ".md") args.push_back(e.path().string());
  }
  const CliResult r = Run(args);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto cassettes = Files(dir_ / "imported", ".cassette.jsonl");
  const auto scenarios = Files(dir_ / "imported", ".json");
  EXPECT_GE(cassettes.size(), 9u);  // a conversation or more per fixture
  EXPECT_EQ(cassettes.size(), scenarios.size());
  std::vector<std::string> validate = {"validate"};
  for (const auto& f : cassettes) validate.push_back(f.string());
  for (const auto& f : scenarios) validate.push_back(f.string());
  const CliResult v = Run(validate);
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_THAT(v.out, HasSubstr("cassette:"));
}

TEST_F(RecordingsCliTest, ALiftedRecordingRunsOnEveryRuntimeAndSaysWhereItCameFrom) {
  const CliResult i = Run({"import", "--out", (dir_ / "in").string(),
                           (kFixtures / "dotnet-responses-function-call-streaming.json").string()});
  ASSERT_EQ(i.exit_code, 0) << i.err;
  const auto scenarios = Files(dir_ / "in", ".json");
  ASSERT_EQ(scenarios.size(), 1u);
  const CliResult r =
      Run({"run", "-n", "1", "--scenario", scenarios[0].string(), "--variants", "p0+p2+p3",
           "--runtimes", "assistants,responses,chat", "--out", (dir_ / "out").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto cells = Cells(dir_ / "out" / "results.json");
  ASSERT_EQ(cells.size(), 3u);
  for (const auto& c : cells) EXPECT_THAT(c, HasSubstr(" lifted 0")) << c;
}

TEST_F(RecordingsCliTest, ACassetteReplaysVerbatimOnItsRuntimeOnly) {
  const CliResult r =
      Run({"run", "-n", "1", "--scenario", (kFixtures / "python-chat-text-with-usage.sse").string(),
           "--out", (dir_ / "x").string()});
  // A raw SSE capture is not a cassette: import it first.
  EXPECT_EQ(r.exit_code, 2);
  const CliResult i = Run({"import", "--no-lift", "--out", (dir_ / "in").string(),
                           (kFixtures / "python-chat-text-with-usage.sse").string()});
  ASSERT_EQ(i.exit_code, 0) << i.err;
  const auto cassettes = Files(dir_ / "in", ".cassette.jsonl");
  ASSERT_EQ(cassettes.size(), 1u);
  const CliResult v =
      Run({"run", "-n", "1", "--scenario", cassettes[0].string(), "--variants", "p0+p2+p3",
           "--runtimes", "chat,responses", "--out", (dir_ / "out").string()});
  ASSERT_EQ(v.exit_code, 0) << v.out << v.err;
  const auto cells = Cells(dir_ / "out" / "results.json");
  ASSERT_EQ(cells.size(), 1u);  // responses left out: recorded on chat
  EXPECT_THAT(cells[0], HasSubstr("/chat/p0+p2+p3 cassette 0"));
  EXPECT_THAT(v.err, HasSubstr("left out"));
}

TEST_F(RecordingsCliTest, ARunRecordedInTheSimulatedWorldReplaysWithTheSameNumbers) {
  const std::string scenario = std::string(AGENTREPLAY_SCENARIOS_DIR) + "/text_answer.json";
  const CliResult rec = Run({"run", "-n", "1", "--scenario", scenario, "--variants", "p0+p2+p3+p5",
                             "--record", (dir_ / "rec").string(), "--out", (dir_ / "a").string()});
  ASSERT_EQ(rec.exit_code, 0) << rec.err;
  const fs::path cassette =
      dir_ / "rec" / "text_answer" / "responses" / "p0+p2+p3+p5" / "rep0.cassette.jsonl";
  ASSERT_TRUE(fs::exists(cassette));
  const CliResult rep = Run({"run", "-n", "1", "--scenario", cassette.string(), "--variants",
                             "p0+p2+p3+p5", "--out", (dir_ / "b").string()});
  ASSERT_EQ(rep.exit_code, 0) << rep.err;
  auto p50 = [&](const fs::path& results, const char* metric) {
    rapidjson::Document doc;
    doc.Parse(Slurp(results).c_str());
    return doc["cells"][0]["stats"][metric]["p50"].GetDouble();
  };
  // The same latencies, to the microsecond the cassette keeps.
  for (const char* m : {"ttfs_ms", "ttft_ms", "e2e_ms"}) {
    EXPECT_NEAR(p50(dir_ / "a" / "results.json", m), p50(dir_ / "b" / "results.json", m), 0.002)
        << m;
  }
  EXPECT_THAT(Cells(dir_ / "b" / "results.json")[0], HasSubstr(" cassette 0"));
}

// A live run against an OpenAI-compatible endpoint (here `serve` on loopback) records a
// cassette per repetition; the recording replays verbatim in the simulated world.
TEST_F(RecordingsCliTest, ALiveRunRecordsWhatTheEndpointSentAndItReplays) {
  const std::string scenario = std::string(AGENTREPLAY_SCENARIOS_DIR) + "/two_tool_rounds.json";
  agentreplay::testing::ChildProcess served(
      {AGENTREPLAY_BINARY, "serve", scenario, "--port", "0", "--time-scale", "0.2"});
  ASSERT_TRUE(served.started());
  const std::string line = served.ReadLine();
  std::smatch m;
  static const std::regex kLine(
      R"(^agentreplay serve: listening on (http://127\.0\.0\.1:\d+/v1)$)");
  ASSERT_TRUE(std::regex_match(line, m, kLine)) << line;
  const CliResult live = Run({"run", "--world", "live", "--base-url", m[1].str(), "-n", "1",
                              "--scenario", scenario, "--variants", "p0+p2+p3+p5", "--record",
                              (dir_ / "rec").string(), "--out", (dir_ / "live").string()});
  served.Signal(SIGINT);
  EXPECT_EQ(served.Wait(), 0);
  ASSERT_EQ(live.exit_code, 0) << live.out << live.err;
  EXPECT_THAT(Cells(dir_ / "live" / "results.json")[0],
              HasSubstr("/responses/p0+p2+p3+p5 scenario 0"));
  const fs::path cassette =
      dir_ / "rec" / "two_tool_rounds" / "responses" / "p0+p2+p3+p5" / "rep0.cassette.jsonl";
  ASSERT_TRUE(fs::exists(cassette));
  const std::string text = Slurp(cassette);
  EXPECT_THAT(text, HasSubstr("\"origin\":\"agentreplay run --world live http://127.0.0.1:"));
  const CliResult rep = Run({"run", "-n", "1", "--scenario", cassette.string(), "--variants",
                             "p0+p2+p3+p5", "--out", (dir_ / "b").string()});
  ASSERT_EQ(rep.exit_code, 0) << rep.err;
  EXPECT_THAT(Cells(dir_ / "b" / "results.json")[0], HasSubstr(" cassette 0"));
}

TEST_F(RecordingsCliTest, ABrokenCassetteIsRefusedWithItsLineAndColumn) {
  const fs::path bad = dir_ / "bad.cassette.jsonl";
  std::ofstream(bad)
      << "{\"schema\":\"agentreplay.cassette/v1\",\"name\":\"b\",\"runtime\":\"chat\"}\n"
      << "{\"sent_at_ms\": -5}\n";
  const CliResult v = Run({"validate", bad.string()});
  EXPECT_EQ(v.exit_code, 2);
  EXPECT_THAT(v.err, HasSubstr(bad.string() + ":2:"));
}

// The README's walk-through on the example recordings we ship: each validates, imports into a
// cassette and a lifted scenario, the lifted scenario runs the whole ladder without an error,
// and each cassette replays verbatim with the packages it was recorded with, in both worlds.
TEST_F(RecordingsCliTest, TheShippedExampleRecordingsWalkThrough) {
  const fs::path recordings = fs::path(AGENTREPLAY_SCENARIOS_DIR) / "recordings";
  const struct {
    const char* name;
    const char* runtime;
    const char* variant;
  } examples[] = {{"two_tool_rounds-responses", "responses", "p0+p2+p3+p5"},
                  {"one_tool_call-assistants", "assistants", "p0+p2+p3"},
                  {"dotnet-assistants-streaming-tool-call", "assistants", "p0+p2+p3"}};
  ASSERT_EQ(Files(recordings, ".cassette.jsonl").size(), std::size(examples));
  for (const auto& e : examples) {
    SCOPED_TRACE(e.name);
    const fs::path cassette = recordings / (std::string(e.name) + ".cassette.jsonl");
    const CliResult v = Run({"validate", cassette.string()});
    EXPECT_EQ(v.exit_code, 0) << v.err;
    const CliResult i = Run({"import", cassette.string(), "--out", (dir_ / "imported").string()});
    ASSERT_EQ(i.exit_code, 0) << i.err;
    const fs::path lifted = dir_ / "imported" / (std::string(e.name) + ".json");
    ASSERT_TRUE(fs::exists(lifted));
    const fs::path ladder = dir_ / "ladder" / e.name;
    const CliResult l =
        Run({"run", "-n", "1", "--scenario", lifted.string(), "--out", ladder.string()});
    ASSERT_EQ(l.exit_code, 0) << l.out << l.err;
    const auto cells = Cells(ladder / "results.json");
    EXPECT_GE(cells.size(), 7u);
    for (const auto& c : cells) EXPECT_THAT(c, HasSubstr(" lifted 0")) << c;
    for (const char* world : {"sim", "real"}) {
      SCOPED_TRACE(world);
      const fs::path out = dir_ / world / e.name;
      const CliResult r =
          Run({"run", "-n", "1", "--world", world, "--scenario", cassette.string(), "--runtimes",
               e.runtime, "--variants", e.variant, "--out", out.string()});
      ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
      const auto replayed = Cells(out / "results.json");
      ASSERT_EQ(replayed.size(), 1u);
      EXPECT_THAT(replayed[0],
                  HasSubstr(std::string("/") + e.runtime + "/" + e.variant + " cassette 0"));
    }
    const CliResult c = Run({"compare", (dir_ / "sim" / e.name / "results.json").string(),
                             (dir_ / "real" / e.name / "results.json").string()});
    EXPECT_NE(c.exit_code, 2) << c.err;
  }
}

}  // namespace
