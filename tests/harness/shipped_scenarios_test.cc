// The shipped scenarios load, meet their own expectations and model what their descriptions
// say; the JSON Schema agrees with the loader.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "harness/packages/shipped_files.h"
#include "harness/scenario/scenario_loader.h"
#include "mocks/api/step_resolver.h"
#include "mocks/model/knowledge_base.h"

namespace agentreplay::harness {
namespace {

using mocks::Dist;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const std::filesystem::path kScenariosDir = AGENTREPLAY_SCENARIOS_DIR;

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Every .json file directly in scenarios/ except the schemas is a scenario (the CLI's rule too).
std::vector<std::filesystem::path> ShippedScenarioFiles() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(kScenariosDir)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() == ".json" && name.find(".schema.") == std::string::npos) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

mocks::Scenario LoadShipped(const std::string& name) {
  auto r = LoadScenarioFile(kScenariosDir / (name + ".json"));
  if (!r) ADD_FAILURE() << r.error();
  return r ? std::move(*r) : mocks::Scenario{};
}

// What the model does in one turn when every request offers `offered`, as the mock decides it.
struct Walk {
  std::vector<mocks::FaultScript> faults;  // answered before the steps, in order
  std::vector<std::string> calls;          // tool names, in order
  std::vector<std::string> searches;       // file_search queries
  std::string answer;                      // the text of the step that ended the turn
  int steps = 0;                           // model responses played
};

Walk WalkTurn(const mocks::Scenario& s, size_t turn, std::vector<std::string> offered) {
  Walk walk;
  mocks::StepResolver resolver(s);
  const mocks::RequestFacts facts{std::move(offered)};
  for (size_t step = 0; step < s.turns.at(turn).steps.size();) {
    const mocks::StepDecision decision = resolver.Decide(turn, step, facts);
    if (decision.fault) {
      walk.faults.push_back(*decision.fault);
      continue;  // the same step, attempted again
    }
    const mocks::StepScript& played = *decision.step;
    ++walk.steps;
    if (played.file_search) walk.searches.push_back(played.file_search->query);
    for (const auto& call : played.tool_calls) walk.calls.push_back(call.name);
    if (played.tool_calls.empty()) {
      for (const auto& chunk : played.text_chunks) walk.answer += chunk;
      break;
    }
    ++step;
  }
  return walk;
}

// A request that sends every schema: twelve tools or more. Only the names the scenarios test
// for matter; the last three stand for the rest of a large catalogue.
std::vector<std::string> WideRequest() {
  return {"get_current_time", "add_new_data",      "get_filtered_data", "list_blobs",
          "read_blob_file",   "remove_data_entry", "update_data_entry", "upload_data_or_file",
          "manage_files",     "file_search",       "extra_tool_1",      "extra_tool_2"};
}

TEST(ShippedScenariosTest, AllLoadWithoutErrorsAndMeetTheirOwnExpectations) {
  std::set<std::string> names;
  for (const auto& path : ShippedScenarioFiles()) {
    SCOPED_TRACE(path.string());
    const auto r = LoadScenarioFile(path);
    if (!r) {
      ADD_FAILURE() << r.error();
      continue;
    }
    EXPECT_EQ(r->name, path.stem().string());
    names.insert(r->name);
    for (size_t t = 0; t < r->turns.size(); ++t) {
      // The scripted path (no alternative taken) is the one the expectations describe.
      const mocks::TurnScript& turn = r->turns[t];
      std::string answer;
      std::set<std::string> called;
      bool searched = false;
      for (const auto& step : turn.steps) {
        searched = searched || step.file_search.has_value();
        for (const auto& call : step.tool_calls) called.insert(call.name);
        if (step.tool_calls.empty()) {
          for (const auto& chunk : step.text_chunks) answer += chunk;
          break;
        }
      }
      for (const auto& needle : turn.expect.answer_contains) EXPECT_THAT(answer, HasSubstr(needle));
      for (const auto& tool : turn.expect.tools_called) EXPECT_TRUE(called.count(tool)) << tool;
      if (turn.expect.file_search_used) {
        EXPECT_EQ(*turn.expect.file_search_used, searched);
      }
    }
  }
  for (const char* expected : {"text_answer", "one_tool_call", "two_tool_rounds",
                               "multi_round_tools", "knowledge_base_question", "parallel_tools",
                               "large_catalogue", "rate_limited", "long_answer"}) {
    EXPECT_TRUE(names.count(expected)) << expected;
  }
}

// The new scenarios stay within gpt-4o-mini's observed latencies, and give every tool they call
// a latency, so their numbers mean something.
TEST(ShippedScenariosTest, NewScenariosUseRealisticLatencies) {
  for (const char* name : {"multi_round_tools", "knowledge_base_question", "parallel_tools",
                           "large_catalogue", "rate_limited", "long_answer"}) {
    SCOPED_TRACE(name);
    const mocks::Scenario s = LoadShipped(name);
    EXPECT_EQ(s.model, "gpt-4o-mini");
    const double rtt = s.latency.network_rtt_ms.Median();
    EXPECT_TRUE(rtt >= 30 && rtt <= 60) << rtt;
    const double processing = s.latency.processing_ms.Median();
    EXPECT_TRUE(processing >= 20 && processing <= 40) << processing;
    auto check_step = [&](const mocks::StepScript& step) {
      EXPECT_EQ(step.ttft_ms.kind, Dist::Kind::kLognormal);
      EXPECT_TRUE(step.ttft_ms.a >= 250 && step.ttft_ms.a <= 700) << step.ttft_ms.Describe();
      EXPECT_TRUE(step.ttft_ms.b >= 0.2 && step.ttft_ms.b <= 0.3) << step.ttft_ms.Describe();
      const double gap = step.chunk_gap_ms.Median();
      EXPECT_TRUE(gap >= 15 && gap <= 35) << step.chunk_gap_ms.Describe();
      for (const auto& call : step.tool_calls) EXPECT_TRUE(s.tools.count(call.name)) << call.name;
    };
    for (const auto& turn : s.turns) {
      for (const auto& step : turn.steps) {
        check_step(step);
        for (const auto& alternative : step.alternatives) check_step(alternative.step);
      }
    }
  }
}

TEST(ShippedScenariosTest, MultiRoundToolsChainsThreeRounds) {
  const mocks::Scenario s = LoadShipped("multi_round_tools");
  const Walk walk = WalkTurn(s, 0, WideRequest());
  EXPECT_THAT(walk.calls, ElementsAre("list_blobs", "read_blob_file", "get_filtered_data"));
  EXPECT_EQ(walk.steps, 4);
}

TEST(ShippedScenariosTest, KnowledgeBaseQuestionCitesOnlyWithTheVectorStore) {
  const mocks::Scenario s = LoadShipped("knowledge_base_question");
  const Walk attached = WalkTurn(s, 0, {"get_current_time", "file_search"});
  EXPECT_THAT(attached.searches, ElementsAre("customer data export stored on personal laptop"));
  EXPECT_THAT(attached.answer, HasSubstr("security-policy.md"));
  const mocks::StepScript& step = s.turns[0].steps[0];
  ASSERT_TRUE(step.file_search.has_value());
  // The mock answers the query from its index of the scenario's handbook documents, and the
  // document the answer cites must come out on top.
  EXPECT_THAT(step.file_search->results, IsEmpty());
  EXPECT_EQ(s.documents.size(), 4U);
  const auto hits = mocks::KnowledgeBase(s.documents)
                        .Search(step.file_search->query, mocks::kFileSearchMaxResults);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].name, "security-policy.md");
  if (hits.size() > 1) {
    EXPECT_GT(hits[0].score, hits[1].score);
  }
  const double search_ms = step.file_search->latency_ms.Median();
  EXPECT_TRUE(search_ms >= 300 && search_ms <= 600) << search_ms;

  const Walk fallback = WalkTurn(s, 0, {"get_current_time"});
  EXPECT_TRUE(fallback.searches.empty());
  EXPECT_THAT(fallback.answer, Not(HasSubstr("security-policy.md")));
  EXPECT_LT(fallback.answer.size(), attached.answer.size());
  EXPECT_EQ(s.turns[0].expect.file_search_used, true);
}

TEST(ShippedScenariosTest, ParallelToolsCallsFiveIndependentLookupsInOneStep) {
  const mocks::Scenario s = LoadShipped("parallel_tools");
  ASSERT_EQ(s.turns[0].steps.size(), 2U);
  const auto& calls = s.turns[0].steps[0].tool_calls;
  ASSERT_EQ(calls.size(), 5U);
  std::set<std::string> arguments;
  for (const auto& call : calls) {
    EXPECT_EQ(call.name, "get_filtered_data");
    arguments.insert(call.arguments);
  }
  EXPECT_EQ(arguments.size(), 5U);
  // Planning document 004: five tools, 2.00 s one after another, 0.60 s in parallel.
  double sum = 0;
  double longest = 0;
  for (const auto& d : s.tools.at("get_filtered_data").call_latency_ms) {
    sum += d.Median();
    longest = std::max(longest, d.Median());
  }
  EXPECT_EQ(s.tools.at("get_filtered_data").call_latency_ms.size(), 5U);
  EXPECT_DOUBLE_EQ(sum, 2000.0);
  EXPECT_DOUBLE_EQ(longest, 600.0);
  EXPECT_THAT(s.variants, testing::Contains("p0+p2+p1+p3+p4+p5+px"));
}

TEST(ShippedScenariosTest, LargeCatalogueNeedsAnExtraRoundOnlyWhenEveryToolIsOffered) {
  const mocks::Scenario s = LoadShipped("large_catalogue");
  EXPECT_GE(s.latency.prefill_ms_per_1k_input_tokens, 40);
  const Walk wide = WalkTurn(s, 0, WideRequest());
  EXPECT_THAT(wide.calls, ElementsAre("manage_files", "get_filtered_data"));
  EXPECT_EQ(wide.steps, 3);
  const Walk narrow = WalkTurn(s, 0, {"get_filtered_data", "add_new_data", "update_data_entry"});
  EXPECT_THAT(narrow.calls, ElementsAre("get_filtered_data"));
  EXPECT_EQ(narrow.steps, 2);
  for (const auto& needle : s.turns[0].expect.answer_contains) {
    EXPECT_THAT(wide.answer, HasSubstr(needle));
    EXPECT_THAT(narrow.answer, HasSubstr(needle));
  }
}

TEST(ShippedScenariosTest, RateLimitedAnswersTheFirstAttemptWithA429) {
  const mocks::Scenario s = LoadShipped("rate_limited");
  const Walk walk = WalkTurn(s, 0, {"get_current_time"});
  ASSERT_EQ(walk.faults.size(), 1U);
  EXPECT_EQ(walk.faults[0].status, 429);
  EXPECT_EQ(walk.faults[0].retry_after_s, 1.0);
  EXPECT_EQ(walk.faults[0].type, "requests");
  EXPECT_EQ(walk.faults[0].code, "rate_limit_exceeded");
  EXPECT_THAT(walk.answer, HasSubstr("data platform team"));
}

TEST(ShippedScenariosTest, LongAnswerStreamsHundredsOfWordChunks) {
  const mocks::Scenario s = LoadShipped("long_answer");
  const mocks::StepScript& step = s.turns.at(0).steps.at(0);
  EXPECT_GE(step.text_chunks.size(), 400U);
  EXPECT_LE(step.text_chunks.size(), 600U);
  EXPECT_EQ(step.ttft_ms.Median(), 500);
  EXPECT_EQ(step.chunk_gap_ms, Dist::Uniform(20, 30));
}

// --- The JSON Schema ---

std::set<std::string> Names(std::span<const std::string_view> names) {
  return {names.begin(), names.end()};
}

std::set<std::string> MemberNames(const rapidjson::Value& obj) {
  std::set<std::string> out;
  for (const auto& m : obj.GetObject()) out.insert(m.name.GetString());
  return out;
}

std::set<std::string> StringItems(const rapidjson::Value* array) {
  std::set<std::string> out;
  if (array == nullptr) return out;
  for (const auto& v : array->GetArray()) out.insert(v.GetString());
  return out;
}

TEST(SchemaTest, IsValidJsonAndAgreesWithTheLoader) {
  rapidjson::Document schema;
  schema.Parse(ReadFile(shipped::Schema("scenario")));
  ASSERT_FALSE(schema.HasParseError()) << "offset " << schema.GetErrorOffset();
  ASSERT_TRUE(schema.IsObject());
  EXPECT_STREQ(schema["$schema"].GetString(), "https://json-schema.org/draft/2020-12/schema");
  EXPECT_STREQ(schema["properties"]["schema"]["const"].GetString(), mocks::kScenarioSchemaV1);
  const rapidjson::Value& defs = schema["$defs"];
  for (const ObjectFields& fields : FormatV1Fields()) {
    const std::string object(fields.object);
    SCOPED_TRACE(object);
    const bool is_root = object == "scenario";
    ASSERT_TRUE(is_root || defs.HasMember(object));
    const rapidjson::Value& def = is_root ? schema : defs[object];
    EXPECT_EQ(MemberNames(def["properties"]), Names(fields.known));
    EXPECT_EQ(StringItems(def.HasMember("required") ? &def["required"] : nullptr),
              Names(fields.required));
    ASSERT_TRUE(def.HasMember("additionalProperties"));
    EXPECT_TRUE(def["additionalProperties"].IsFalse());
  }
  // A dist is a non-negative number or one of the three objects.
  const rapidjson::Value& variants = defs["dist"]["oneOf"];
  ASSERT_EQ(variants.Size(), 4U);
  EXPECT_STREQ(variants[0]["type"].GetString(), "number");
  EXPECT_EQ(variants[0]["minimum"].GetDouble(), 0.0);
  EXPECT_STREQ(variants[1]["$ref"].GetString(), "#/$defs/dist_fixed");
  EXPECT_STREQ(variants[2]["$ref"].GetString(), "#/$defs/dist_lognormal");
  EXPECT_STREQ(variants[3]["$ref"].GetString(), "#/$defs/dist_uniform");
  // An alternative's step is the restricted kind; the step's own lists hold the new objects.
  EXPECT_STREQ(defs["alternative"]["properties"]["step"]["$ref"].GetString(),
               "#/$defs/alternative_step");
  EXPECT_STREQ(defs["alternative"]["properties"]["when"]["$ref"].GetString(), "#/$defs/condition");
  const rapidjson::Value& step = defs["step"]["properties"];
  EXPECT_STREQ(step["file_search"]["$ref"].GetString(), "#/$defs/file_search");
  EXPECT_STREQ(step["faults"]["items"]["$ref"].GetString(), "#/$defs/fault");
  EXPECT_STREQ(step["alternatives"]["items"]["$ref"].GetString(), "#/$defs/alternative");
  EXPECT_EQ(defs["fault"]["properties"]["status"]["minimum"].GetInt(), 400);
  EXPECT_EQ(defs["fault"]["properties"]["status"]["maximum"].GetInt(), 599);
}

}  // namespace
}  // namespace agentreplay::harness
