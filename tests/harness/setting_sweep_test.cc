// `run --set`: a package's number overridden in every variant, or swept into a dimension of the
// matrix, with each point named and compared with the baseline under the same overrides.
#include "harness/packages/setting_sweep.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

#include "harness/packages/shipped_files.h"
#include "harness/run/matrix_runner.h"
#include "harness/scenario/scenario_loader.h"
#include "results/statistics.h"

namespace agentreplay::harness {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const Registry& Shipped() {
  static const Registry registry = [] {
    auto loaded = Registry::Load(shipped::PackagesFile());
    if (!loaded) throw std::runtime_error(loaded.error());
    return std::move(*loaded);
  }();
  return registry;
}

std::vector<std::string> Names(const std::vector<Variant>& variants) {
  std::vector<std::string> out;
  for (const auto& v : variants) out.push_back(v.name);
  return out;
}

TEST(SettingSweepTest, ParsesNumbersBooleansAndWords) {
  auto numbers = ParseSettingSweep("poll_interval_ms=50,100,250.5");
  ASSERT_TRUE(numbers) << numbers.error();
  EXPECT_EQ(numbers->name, "poll_interval_ms");
  EXPECT_THAT(numbers->spelled, ElementsAre("50", "100", "250.5"));
  EXPECT_EQ(std::get<double>(numbers->values[2]), 250.5);
  auto flag = ParseSettingSweep("stream=true,false");
  ASSERT_TRUE(flag) << flag.error();
  EXPECT_TRUE(std::get<bool>(flag->values[0]));
  auto word = ParseSettingSweep("tool_dispatch=in_process");
  ASSERT_TRUE(word) << word.error();
  EXPECT_EQ(std::get<std::string>(word->values[0]), "in_process");
}

TEST(SettingSweepTest, BadArgumentsAreExplained) {
  auto unknown = ParseSettingSweep("poll_intervl_ms=5");
  ASSERT_FALSE(unknown);
  EXPECT_THAT(unknown.error(), HasSubstr("--set 'poll_intervl_ms=5': unknown setting "
                                         "'poll_intervl_ms' (settings: runtime, stream, "));
  auto no_value = ParseSettingSweep("poll_interval_ms");
  ASSERT_FALSE(no_value);
  EXPECT_THAT(no_value.error(), HasSubstr("expected NAME=VALUE[,VALUE...]"));
  auto refused = ParseSettingSweep("poll_interval_ms=50,-1");
  ASSERT_FALSE(refused);
  EXPECT_THAT(refused.error(),
              HasSubstr("expected a number from 0 to 3600000 for poll_interval_ms, got '-1'"));
  auto word = ParseSettingSweep("poll_interval_ms=fast");
  ASSERT_FALSE(word);
  EXPECT_THAT(word.error(), HasSubstr("got 'fast'"));
  EXPECT_THAT(ParseSettingSweep("stream=true,true").error(), HasSubstr("value 'true' twice"));
  EXPECT_THAT(ParseSettingSweep("stream=true,").error(), HasSubstr("an empty value"));
}

TEST(SettingSweepTest, EveryVariantRunsOncePerCombinationAndSaysSo) {
  auto listed = Shipped().ResolveList("baseline,p0");
  ASSERT_TRUE(listed) << listed.error();
  auto interval = ParseSettingSweep("poll_interval_ms=50,500");
  auto retries = ParseSettingSweep("retry_max_attempts=2");
  ASSERT_TRUE(interval && retries);
  auto swept = ApplySweeps(*listed, {*interval, *retries});
  ASSERT_TRUE(swept) << swept.error();
  EXPECT_THAT(Names(*swept), ElementsAre("baseline@poll_interval_ms=50@retry_max_attempts=2",
                                         "baseline@poll_interval_ms=500@retry_max_attempts=2",
                                         "p0@poll_interval_ms=50@retry_max_attempts=2",
                                         "p0@poll_interval_ms=500@retry_max_attempts=2"));
  EXPECT_EQ((*swept)[2].settings.assistants.poll_interval, std::chrono::milliseconds(50));
  EXPECT_EQ((*swept)[3].settings.assistants.poll_interval, std::chrono::milliseconds(500));
  EXPECT_EQ((*swept)[3].settings.retry.max_attempts, 2);
  // The packages' other settings stay: p0 still drops the legacy handler's habits.
  EXPECT_FALSE((*swept)[3].settings.assistants.list_runs_before_create);
  EXPECT_THAT(ApplySweeps(*listed, {*interval, *interval}).error(),
              HasSubstr("--set names 'poll_interval_ms' twice"));
  auto unchanged = ApplySweeps(*listed, {});
  ASSERT_TRUE(unchanged);
  EXPECT_THAT(Names(*unchanged), ElementsAre("baseline", "p0"));
}

// The trade-off a sweep is for: polling more often costs requests and saves detection lag.
// Each point is compared with the baseline under the same override.
TEST(SettingSweepTest, APollIntervalSweepShowsTheTradeOffCurve) {
  auto listed = Shipped().ResolveList("baseline,p0+p2");
  auto sweep = ParseSettingSweep("poll_interval_ms=50,500");
  ASSERT_TRUE(listed && sweep);
  auto swept = ApplySweeps(*listed, {*sweep});
  ASSERT_TRUE(swept) << swept.error();
  auto scenario = LoadScenarioFile(shipped::Dir() / "one_tool_call.json");
  ASSERT_TRUE(scenario) << scenario.error();
  auto world = MakeSimWorld();
  results::Results results;
  MatrixOptions options;
  options.repetitions = 1;
  for (const Variant& v : *swept) {
    results.cells.push_back(RunCell(*world, *scenario, v, v.settings.runtime, options));
  }
  results::CompareWithBaseline(results);
  const results::Cell& fast = results.cells[2];  // p0+p2@poll_interval_ms=50
  const results::Cell& slow = results.cells[3];  // p0+p2@poll_interval_ms=500
  ASSERT_EQ(fast.variant, "p0+p2@poll_interval_ms=50");
  ASSERT_EQ(fast.error_samples + slow.error_samples, 0);
  const auto& f = fast.samples.at(0).metrics;
  const auto& s = slow.samples.at(0).metrics;
  EXPECT_GT(f.at("polls"), s.at("polls"));
  EXPECT_LT(f.at("detect_lag_ms"), s.at("detect_lag_ms"));
  EXPECT_EQ(fast.baseline, "assistants/baseline@poll_interval_ms=50");
  EXPECT_EQ(slow.baseline, "assistants/baseline@poll_interval_ms=500");
  EXPECT_TRUE(results.cells[0].baseline.empty());
}

}  // namespace
}  // namespace agentreplay::harness
