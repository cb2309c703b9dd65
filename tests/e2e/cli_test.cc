// End-to-end: the agentreplay binary run the way a user runs it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "tests/e2e/cli_runner.h"

namespace {

namespace fs = std::filesystem;
using agentreplay::testing::CliResult;
using agentreplay::testing::Quote;
using agentreplay::testing::Slurp;
using ::testing::HasSubstr;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("agentreplay-e2e-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  CliResult Run(const std::vector<std::string>& args) {
    return agentreplay::testing::RunCli(dir_, args);
  }

  fs::path dir_;
};

std::vector<std::string> ShippedScenarioNames() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(AGENTREPLAY_SCENARIOS_DIR)) {
    const auto n = e.path().filename().string();
    if (e.path().extension() == ".json" && n.find(".schema.") == std::string::npos) {
      names.push_back(e.path().stem().string());
    }
  }
  return names;
}

TEST_F(CliTest, MainJobRunsEveryShippedScenarioAndWritesResults) {
  const CliResult r = Run({"run", "-n", "2", "--seed", "7", "--out", (dir_ / "out").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("ttft"));
  const auto names = ShippedScenarioNames();
  ASSERT_GE(names.size(), 3u);
  for (const auto& name : names) EXPECT_THAT(r.out, HasSubstr(name));

  rapidjson::Document doc;
  doc.Parse(Slurp(dir_ / "out" / "results.json").c_str());
  ASSERT_FALSE(doc.HasParseError());
  EXPECT_STREQ(doc["schema"].GetString(), "agentreplay.results/v1");
  EXPECT_STREQ(doc["context"]["world"].GetString(), "sim");
  EXPECT_EQ(doc["context"]["seed"].GetUint64(), 7u);
  // The default ladder: seven variants per scenario, the last on the Responses runtime; a
  // scenario that names its own variants runs those instead.
  size_t expected_cells = 0;
  for (const auto& name : names) {
    rapidjson::Document scenario;
    scenario.Parse(Slurp(fs::path(AGENTREPLAY_SCENARIOS_DIR) / (name + ".json")).c_str());
    if (!scenario.HasMember("variants")) {
      expected_cells += 7;
      continue;
    }
    for (const auto& v : scenario["variants"].GetArray()) {
      expected_cells += std::string_view(v.GetString()) == "default" ? 7U : 1U;
    }
  }
  ASSERT_EQ(doc["cells"].Size(), expected_cells);
  // A scenario on the default ladder: text_answer's seven cells, in ladder order.
  rapidjson::SizeType first = 0;
  while (first < doc["cells"].Size() &&
         std::string_view(doc["cells"][first]["scenario"].GetString()) != "text_answer") {
    ++first;
  }
  ASSERT_LE(first + 7, doc["cells"].Size());
  EXPECT_STREQ(doc["cells"][first]["variant"].GetString(), "baseline");
  EXPECT_STREQ(doc["cells"][first]["runtime"].GetString(), "assistants");
  EXPECT_STREQ(doc["cells"][first + 6]["variant"].GetString(), "p0+p2+p1+p3+p4+p5");
  EXPECT_STREQ(doc["cells"][first + 6]["runtime"].GetString(), "responses");
  EXPECT_TRUE(doc["cells"][first + 6]["stats"].HasMember("ttft_ms"));
  // Every cell has samples; every scenario shows its point: some cell of it succeeds.
  std::map<std::string, int> ok_samples;
  for (const auto& cell : doc["cells"].GetArray()) {
    EXPECT_GE(cell["samples"].Size(), 2u);
    EXPECT_GE(cell["checks"].Size(), 1u);
    for (const auto& sample : cell["samples"].GetArray()) {
      ok_samples[cell["scenario"].GetString()] += sample["ok"].GetBool() ? 1 : 0;
    }
  }
  for (const auto& name : names) EXPECT_GT(ok_samples[name], 0) << name;
  EXPECT_FALSE(fs::exists(dir_ / "out" / "results.json.tmp"));
}

TEST_F(CliTest, FailedChecksExitOneOnlyWhenAskedTo) {
  const std::string kb = std::string(AGENTREPLAY_SCENARIOS_DIR) + "/knowledge_base_question.json";
  // Without the vector store (baseline) the citation check fails by design.
  const std::vector<std::string> args = {
      "run", "-n", "1", "--scenario", kb, "--variants", "baseline", "--out", (dir_ / "o").string()};
  const CliResult lenient = Run(args);
  EXPECT_EQ(lenient.exit_code, 0) << lenient.err;
  EXPECT_THAT(lenient.out, HasSubstr("check failed"));
  std::vector<std::string> strict = args;
  strict.push_back("--fail-on-checks");
  EXPECT_EQ(Run(strict).exit_code, 1);
  std::vector<std::string> with_p1 = strict;
  with_p1[6] = "p0+p2+p1+p3";
  EXPECT_EQ(Run(with_p1).exit_code, 0);
}

TEST_F(CliTest, VariantsAndRuntimesSelectTheCells) {
  const std::string one = std::string(AGENTREPLAY_SCENARIOS_DIR) + "/one_tool_call.json";
  const CliResult r = Run({"run", "-n", "1", "--scenario", one, "--variants", "baseline,p0+p3",
                           "--runtimes", "assistants,chat", "--out", (dir_ / "o").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  rapidjson::Document doc;
  doc.Parse(Slurp(dir_ / "o" / "results.json").c_str());
  ASSERT_EQ(doc["cells"].Size(), 4u);
  EXPECT_STREQ(doc["cells"][1]["runtime"].GetString(), "chat");
  EXPECT_STREQ(doc["cells"][2]["variant"].GetString(), "p0+p3");
  EXPECT_STREQ(doc["cells"][2]["baseline"].GetString(), "assistants/baseline");
  const CliResult bad = Run({"run", "--variants", "p0+p42", "--out", (dir_ / "x").string()});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("unknown package 'p42'"));
}

TEST_F(CliTest, SetOverridesAndSweepsAPackagesSetting) {
  const std::string one = std::string(AGENTREPLAY_SCENARIOS_DIR) + "/one_tool_call.json";
  const CliResult r = Run({"run", "-n", "1", "--scenario", one, "--variants", "baseline,p0+p2",
                           "--set", "poll_interval_ms=50,500", "--set", "retry_max_attempts=2",
                           "--out", (dir_ / "o").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  rapidjson::Document doc;
  doc.Parse(Slurp(dir_ / "o" / "results.json").c_str());
  ASSERT_EQ(doc["cells"].Size(), 4u);
  EXPECT_STREQ(doc["cells"][3]["variant"].GetString(),
               "p0+p2@poll_interval_ms=500@retry_max_attempts=2");
  EXPECT_STREQ(doc["cells"][3]["baseline"].GetString(),
               "assistants/baseline@poll_interval_ms=500@retry_max_attempts=2");
  EXPECT_GT(doc["cells"][2]["stats"]["polls"]["p50"].GetDouble(),
            doc["cells"][3]["stats"]["polls"]["p50"].GetDouble());
  const CliResult bad =
      Run({"run", "--set", "poll_interval_ms=soon", "--out", (dir_ / "x").string()});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err,
              HasSubstr("--set 'poll_interval_ms=soon': expected a number from 0 to 3600000"));
  const CliResult listed = Run({"list", "settings"});
  EXPECT_EQ(listed.exit_code, 0);
  EXPECT_THAT(listed.out, HasSubstr("poll_interval_ms"));
}

TEST_F(CliTest, AModelWithoutAPriceIsNamedAndHasNoCost) {
  const fs::path scenario = dir_ / "unpriced.json";
  std::ofstream(scenario) << R"({"schema": "agentreplay.scenario/v1", "name": "unpriced",
      "description": "A model the price table does not know.", "model": "no-such-model",
      "turns": [{"user": "hi", "steps": [{"text": "hello"}]}]})";
  const CliResult r = Run({"run", "-n", "1", "--scenario", scenario.string(), "--variants",
                           "baseline", "--out", (dir_ / "o").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("model 'no-such-model' (scenario unpriced) has no price"));
  rapidjson::Document doc;
  doc.Parse(Slurp(dir_ / "o" / "results.json").c_str());
  EXPECT_FALSE(doc["cells"][0]["stats"].HasMember("cost_usd"));
}

TEST_F(CliTest, SameSeedSameNumbers) {
  ASSERT_EQ(Run({"run", "-n", "2", "--out", (dir_ / "a").string()}).exit_code, 0);
  ASSERT_EQ(Run({"run", "-n", "2", "--out", (dir_ / "b").string()}).exit_code, 0);
  rapidjson::Document a, b;
  a.Parse(Slurp(dir_ / "a" / "results.json").c_str());
  b.Parse(Slurp(dir_ / "b" / "results.json").c_str());
  ASSERT_EQ(a["cells"].Size(), b["cells"].Size());
  for (rapidjson::SizeType c = 0; c < a["cells"].Size(); ++c) {
    const auto& sa = a["cells"][c]["samples"];
    const auto& sb = b["cells"][c]["samples"];
    ASSERT_EQ(sa.Size(), sb.Size());
    for (rapidjson::SizeType i = 0; i < sa.Size(); ++i) {
      // Every metric but CPU time (measured, not simulated) is identical, and so is the set of
      // metrics (an error sample has fewer).
      const auto& ma = sa[i]["metrics"];
      const auto& mb = sb[i]["metrics"];
      ASSERT_EQ(ma.MemberCount(), mb.MemberCount());
      for (const auto& m : ma.GetObject()) {
        if (std::string(m.name.GetString()) == "agent_cpu_us") continue;
        ASSERT_TRUE(mb.HasMember(m.name));
        EXPECT_EQ(m.value.GetDouble(), mb[m.name].GetDouble()) << m.name.GetString();
      }
    }
  }
}

TEST_F(CliTest, ValidateAcceptsShippedAndReportsEveryErrorOfBadFiles) {
  std::vector<std::string> args = {"validate"};
  for (const auto& n : ShippedScenarioNames()) {
    args.push_back(std::string(AGENTREPLAY_SCENARIOS_DIR) + "/" + n + ".json");
  }
  const CliResult good = Run(args);
  EXPECT_EQ(good.exit_code, 0) << good.err;
  EXPECT_THAT(good.out, HasSubstr(": ok"));

  const fs::path bad1 = dir_ / "bad1.json";
  const fs::path bad2 = dir_ / "bad2.json";
  std::ofstream(bad1) << "{\n  \"schema\": \"agentreplay.scenario/v1\",\n  \"nmae\": \"x\"\n}\n";
  std::ofstream(bad2) << "";
  const CliResult bad = Run({"validate", bad1.string(), bad2.string()});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr(bad1.string() + ":3:"));  // file:line:column
  EXPECT_THAT(bad.err, HasSubstr("nmae"));
  EXPECT_THAT(bad.err, HasSubstr(bad2.string()));
  EXPECT_THAT(bad.err, HasSubstr("2 of 2 files have errors"));
}

TEST_F(CliTest, RunRefusesBadScenariosBeforeMeasuringAnything) {
  const fs::path bad = dir_ / "bad.json";
  std::ofstream(bad) << "{\"schema\": \"agentreplay.scenario/v1\", \"turns\": [";
  const CliResult r = Run({"run", "--scenario", bad.string(), "--out", (dir_ / "out").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr(bad.string()));
  EXPECT_FALSE(fs::exists(dir_ / "out" / "results.json"));
}

TEST_F(CliTest, ListShowsScenariosAndMetricNames) {
  const CliResult r = Run({"list"});
  ASSERT_EQ(r.exit_code, 0);
  for (const char* name : {"ttfs_ms", "ttft_ms", "e2e_ms", "tool_overhead_ms", "llm_wait", "p0",
                           "lean handler", "p0+p2+p1+p3+p4+p5", "cost_usd"}) {
    EXPECT_THAT(r.out, HasSubstr(name));
  }
  for (const auto& n : ShippedScenarioNames()) EXPECT_THAT(r.out, HasSubstr(n));
}

// docs/tools.md shows each tool's argument schema; it must be what the agent really sends.
TEST_F(CliTest, ListToolsPrintsEveryToolWithTheSchemaTheDocsShow) {
  const CliResult r = Run({"list", "tools"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("tools (9;"));
  const std::string docs = Slurp(fs::path(AGENTREPLAY_SOURCE_DIR) / "docs" / "tools.md");
  std::istringstream lines(r.out);
  std::string line;
  std::getline(lines, line);  // the heading
  size_t tools = 0;
  for (std::string block; std::getline(lines, line);) {
    const bool name_line = line.rfind("  ", 0) == 0 && line.rfind("    ", 0) != 0;
    if (name_line) {
      ++tools;
      EXPECT_THAT(docs, HasSubstr("## `" + line.substr(2) + "`"));
    } else if (line.rfind("      ", 0) == 0) {
      // Every schema line appears in the docs, indented as the JSON block shows it.
      EXPECT_THAT(docs, HasSubstr("\n" + line.substr(6) + "\n")) << line;
    }
  }
  EXPECT_EQ(tools, 9u);
}

TEST_F(CliTest, UsageErrorsExitTwoAndHelpExitsZero) {
  EXPECT_EQ(Run({"run", "--no-such-option"}).exit_code, 2);
  EXPECT_EQ(Run({"run", "--runtimes", "carrier-pigeon"}).exit_code, 2);
  EXPECT_EQ(Run({"run", "-n", "0"}).exit_code, 2);
  EXPECT_EQ(Run({}).exit_code, 2);
  const CliResult help = Run({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("run"));
  EXPECT_THAT(help.out, HasSubstr("validate"));
}

}  // namespace
