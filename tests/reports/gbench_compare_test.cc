// Google Benchmark's own tools/compare.py reads two gbench reports as it reads two benchmark
// runs: it pairs the benchmarks by name, compares them and runs its U-test on the repetitions.
// Skipped when compare.py (Debian's libbenchmark-tools) or SciPy is not installed.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "reports/gbench_reporter.h"
#include "tests/results/sample_results.h"

namespace agentreplay::reports {
namespace {

namespace fs = std::filesystem;

int Shell(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Where Debian's libbenchmark-tools puts it; AGENTREPLAY_GBENCH_COMPARE names another copy.
std::string FindCompare() {
  if (const char* path = std::getenv("AGENTREPLAY_GBENCH_COMPARE"); path != nullptr) return path;
  const std::string debian = "/usr/share/benchmark/compare.py";
  return fs::exists(debian) ? debian : "";
}

// compare.py needs SciPy; the first python3 that has it (a virtual environment's python3 on the
// PATH may not, the system's may).
std::string FindPython() {
  for (const char* python : {"python3", "/usr/bin/python3"}) {
    if (Shell(std::string(python) + " -c 'import scipy' >/dev/null 2>&1") == 0) return python;
  }
  return "";
}

void WriteGbench(const results::Results& results, const fs::path& path) {
  std::ofstream out(path, std::ios::binary);
  GbenchReporter().Report({results}, out);
}

TEST(GbenchCompareTest, CompareDotPyReadsTwoReports) {
  const std::string compare = FindCompare();
  const std::string python = FindPython();
  if (compare.empty() || python.empty()) {
    GTEST_SKIP() << "Google Benchmark's compare.py with SciPy is not installed (Debian: "
                    "libbenchmark-tools and python3-scipy, which scripts/setup installs); the "
                    "gbench report was not read by it";
  }
  const fs::path dir = fs::path(AGENTREPLAY_TEST_OUTPUT_DIR) / "gbench_compare";
  fs::create_directories(dir);
  const results::Results base = fixtures::SampleResults();
  results::Results head = base;
  for (results::Sample& s : head.cells[0].samples) s.metrics["e2e_ms"] *= 2;  // a regression
  WriteGbench(base, dir / "base.json");
  WriteGbench(head, dir / "head.json");
  const fs::path dump = dir / "diff.json", log = dir / "compare.log";
  fs::remove(dump);
  ASSERT_EQ(Shell(python + " '" + compare + "' --no-color -d '" + dump.string() + "' benchmarks '" +
                  (dir / "base.json").string() + "' '" + (dir / "head.json").string() + "' >'" +
                  log.string() + "' 2>&1"),
            0)
      << Slurp(log);

  rapidjson::Document diff;
  diff.Parse(Slurp(dump).c_str());
  ASSERT_FALSE(diff.HasParseError()) << Slurp(dump);
  ASSERT_TRUE(diff.IsArray());
  std::map<std::string, const rapidjson::Value*> by_name;
  for (const auto& entry : diff.GetArray()) by_name[entry["name"].GetString()] = &entry;

  // Every repetition of the doubled cell is compared, and the U-test ran on them.
  ASSERT_TRUE(by_name.contains("e2e_ms/weather/responses/p5/sim")) << Slurp(log);
  const rapidjson::Value& doubled = *by_name["e2e_ms/weather/responses/p5/sim"];
  EXPECT_EQ(doubled["measurements"].Size(), 3u);
  EXPECT_DOUBLE_EQ(doubled["measurements"][0]["time"].GetDouble(), 1.0);  // +100%
  ASSERT_TRUE(doubled.HasMember("utest")) << Slurp(log);
  EXPECT_TRUE(doubled["utest"].HasMember("time_pvalue"));
  ASSERT_TRUE(by_name.contains("e2e_ms/weather/responses/p5/sim_median"));
  EXPECT_DOUBLE_EQ(by_name["e2e_ms/weather/responses/p5/sim_median"]
                       ->GetObject()["measurements"][0]["time"]
                       .GetDouble(),
                   0.0);  // aggregates come from the stored summary, which the test left alone
  // The cell whose turns all failed is compared too instead of vanishing.
  EXPECT_TRUE(by_name.contains("e2e_ms/lookup/chat/p0/sim")) << Slurp(log);
  EXPECT_NE(Slurp(log).find("itl_ms/weather/responses/p5/sim"), std::string::npos);
}

}  // namespace
}  // namespace agentreplay::reports
