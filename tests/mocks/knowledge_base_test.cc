// The mock's knowledge base: ranking, query sanitisation, determinism, and the file_search
// results and citations the Responses and Assistants sides build from it.
#include "mocks/model/knowledge_base.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cctype>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "mocks/api/mock_backend.h"
#include "mocks/model/scenario.h"
#include "tests/mocks/mock_test_util.h"

namespace agentreplay::mocks {
namespace {

using testing::Concat;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::ParseJson;
using testing::Post;
using testing::SplitSse;

const std::map<std::string, std::string> kHandbook = {
    {"security-policy.md",
     "Customer data exports may only be stored on company-managed laptops with full-disk "
     "encryption. Personal laptops are never allowed to hold customer data."},
    {"remote-work.md",
     "Employees who work remotely receive a company laptop. Personal devices may be used for "
     "email only."},
    {"retention.md",
     "Customer data is retained for seven years. Exports are deleted after thirty days."},
    {"travel.md", "Book travel through the portal. Flights under six hours are economy class."},
};
constexpr std::string_view kQuery = "customer data export on personal laptop";

std::vector<std::string> Names(const std::vector<SearchHit>& hits) {
  std::vector<std::string> names;
  for (const auto& hit : hits) names.push_back(hit.name);
  return names;
}

TEST(KnowledgeBaseTest, RanksByBm25ThenName) {
  const KnowledgeBase kb(kHandbook);
  EXPECT_EQ(kb.size(), 4U);
  const auto hits = kb.Search(kQuery, 10);
  // travel.md shares no term with the query, so it is no hit at all.
  EXPECT_THAT(Names(hits), ElementsAre("security-policy.md", "retention.md", "remote-work.md"));
  for (size_t i = 0; i < hits.size(); ++i) {
    EXPECT_GT(hits[i].score, 0.0);
    EXPECT_LT(hits[i].score, 1.0);
    if (i > 0) {
      EXPECT_GT(hits[i - 1].score, hits[i].score);
    }
  }
  EXPECT_THAT(Names(kb.Search(kQuery, 2)), ElementsAre("security-policy.md", "retention.md"));
  EXPECT_THAT(kb.Search(kQuery, 0), IsEmpty());
  EXPECT_THAT(hits[0].snippet, ::testing::HasSubstr("company-managed laptops"));
}

// The documented rule, computed by hand for one term in a corpus of two documents (which
// FTS5's own bm25() could not rank: its idf is 0 for a term in half the documents).
TEST(KnowledgeBaseTest, ScoreIsBm25WithLuceneIdfMappedIntoTheUnitInterval) {
  const KnowledgeBase kb({{"a.md", "laptop policy"}, {"b.md", "travel policy guide"}});
  const auto hits = kb.Search("laptops", 3);  // stemmed to "laptop"
  ASSERT_EQ(hits.size(), 1U);
  EXPECT_EQ(hits[0].name, "a.md");
  const double idf = std::log(1.0 + (2 - 1 + 0.5) / (1 + 0.5));
  const double norm = 1.2 * (1 - 0.75 + 0.75 * 2 / 2.5);  // 2 tokens, average 2.5
  const double s = idf * 1 * (1.2 + 1) / (1 + norm);
  EXPECT_EQ(hits[0].score, std::round(s / (1 + s) * 1e4) / 1e4);
  EXPECT_EQ(hits[0].score, 0.4302);
  // "policy" is in every document: it still weighs a little, and ties fall back to the name.
  EXPECT_THAT(Names(kb.Search("policy", 3)), ElementsAre("a.md", "b.md"));
  const KnowledgeBase twins({{"b.md", "same words"}, {"a.md", "same words"}});
  const auto tied = twins.Search("words", 3);
  ASSERT_EQ(tied.size(), 2U);
  EXPECT_EQ(tied[0].score, tied[1].score);
  EXPECT_THAT(Names(tied), ElementsAre("a.md", "b.md"));
}

TEST(KnowledgeBaseTest, QueriesAreQuotedTermsJoinedWithOr) {
  EXPECT_EQ(SanitizeFtsQuery("laptop \"policy\" (draft) NEAR/3 foo* AND bar:baz ^x -y"),
            R"("laptop" OR "policy" OR "draft" OR "NEAR" OR "3" OR "foo" OR "AND" OR "bar" OR )"
            R"("baz" OR "x" OR "y")");
  EXPECT_EQ(SanitizeFtsQuery("Laptop laptop LAPTOP"), R"("Laptop")");
  EXPECT_EQ(SanitizeFtsQuery("café—ok"), "\"café—ok\"");
  EXPECT_EQ(SanitizeFtsQuery(""), "");
  EXPECT_EQ(SanitizeFtsQuery(" *() \" : ^ - "), "");
  std::string many;
  for (int i = 0; i < 100; ++i) many += "t" + std::to_string(i) + " ";
  const std::string sanitized = SanitizeFtsQuery(many);
  EXPECT_NE(sanitized.find("\"t63\""), std::string::npos);
  EXPECT_EQ(sanitized.find("\"t64\""), std::string::npos);
}

TEST(KnowledgeBaseTest, FtsSyntaxInTheQueryIsPlainText) {
  const KnowledgeBase kb({{"near.md", "Stores NEAR the office close at noon."},
                          {"quote.md", "He said \"laptop\" (twice) * AND OR NOT."}});
  for (std::string_view query :
       {"\"unbalanced", "(laptop", "laptop)", "NEAR(a b)", "a NEAR/2 b", "*", "laptop*",
        "AND OR NOT", "name:laptop", "^laptop", "\"\"", "-laptop", "\xff\xfe", "—"}) {
    EXPECT_NO_THROW(kb.Search(query, 3)) << query;
  }
  EXPECT_THAT(Names(kb.Search("NEAR", 3)), ElementsAre("near.md"));
  EXPECT_THAT(Names(kb.Search("(\"laptop\"", 3)), ElementsAre("quote.md"));
  EXPECT_THAT(kb.Search("", 3), IsEmpty());
  EXPECT_THAT(kb.Search("*()", 3), IsEmpty());
  // Document names are not searched (vector stores search contents).
  EXPECT_THAT(kb.Search("quote", 3), IsEmpty());
}

TEST(KnowledgeBaseTest, DeterministicAndEmptyWithoutDocuments) {
  const auto a = KnowledgeBase(kHandbook).Search(kQuery, 3);
  const auto b = KnowledgeBase(kHandbook).Search(kQuery, 3);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].name, b[i].name);
    EXPECT_EQ(a[i].score, b[i].score);
    EXPECT_EQ(a[i].snippet, b[i].snippet);
  }
  const KnowledgeBase empty({});
  EXPECT_EQ(empty.size(), 0U);
  EXPECT_THAT(empty.Search(kQuery, 3), IsEmpty());
}

TEST(KnowledgeBaseTest, DocumentFileIdsAreStableAndShapedLikeTheApis) {
  const std::string id = DocumentFileId("security-policy.md");
  EXPECT_EQ(id, DocumentFileId("security-policy.md"));
  EXPECT_NE(id, DocumentFileId("retention.md"));
  ASSERT_EQ(id.size(), 5U + 22U);
  EXPECT_TRUE(id.starts_with("file-"));
  for (char c : id.substr(5)) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << id;
}

// ---------------------------------------------------------------------------------------------
// The mock: a query-only file_search is answered from the index, on both runtimes that have it.

Scenario HandbookScenario() {
  Scenario s;
  s.name = "handbook";
  s.documents = kHandbook;
  StepScript step;
  step.ttft_ms = Dist::Fixed(300);
  step.file_search = FileSearchScript{std::string(kQuery), Dist::Fixed(200), {}};
  step.text_chunks = {"No", ", see", " the policy."};  // 19 code points
  s.turns.push_back(TurnScript{"May I keep exports on my laptop?", {step}, {}});
  return s;
}

// What the index finds for the scenario's query: the results every runtime must show.
const std::vector<SearchHit>& Expected() {
  static const std::vector<SearchHit> hits = KnowledgeBase(kHandbook).Search(kQuery, 3);
  return hits;
}

std::string ResponsesBody(bool stream, bool include) {
  return std::string(R"({"model":"gpt-4o-mini","input":"May I keep exports on my laptop?",)") +
         R"("tools":[{"type":"file_search","vector_store_ids":["vs_1"]}])" +
         (include ? R"(,"include":["file_search_call.results"])" : "") +
         (stream ? R"(,"stream":true})" : "}");
}

void ExpectCitations(const rapidjson::Value& annotations) {
  ASSERT_EQ(annotations.Size(), Expected().size());
  for (rapidjson::SizeType i = 0; i < annotations.Size(); ++i) {
    const auto& a = annotations[i];
    EXPECT_EQ(testing::Compact(a), R"({"type":"file_citation","index":19,"file_id":")" +
                                       DocumentFileId(Expected()[i].name) + R"(","filename":")" +
                                       Expected()[i].name + R"("})");
  }
}

TEST(KnowledgeBaseMockTest, ResponsesSearchesTheIndexAndCitesWhatItFound) {
  ASSERT_EQ(Expected().size(), 3U);
  MockBackend backend(HandbookScenario(), 1);
  const auto response =
      ParseJson(Concat(backend.Handle(Post("/v1/responses", ResponsesBody(false, true)), {})));
  const auto& output = response["output"];
  ASSERT_EQ(output.Size(), 2U);
  const auto& search = output[0];
  EXPECT_STREQ(search["type"].GetString(), "file_search_call");
  EXPECT_EQ(std::string(search["queries"][0].GetString()), kQuery);
  const auto& results = search["results"];
  ASSERT_EQ(results.Size(), 3U);
  for (rapidjson::SizeType i = 0; i < results.Size(); ++i) {
    const std::string& name = Expected()[i].name;
    EXPECT_EQ(testing::Compact(results[i]),
              R"({"attributes":{},"file_id":")" + DocumentFileId(name) + R"(","filename":")" +
                  name + R"(","score":)" + testing::Compact(rapidjson::Value(Expected()[i].score)) +
                  R"(,"text":")" + kHandbook.at(name) + R"("})");
  }
  ExpectCitations(output[1]["content"][0]["annotations"]);

  // Without include, the completed call carries "results": null; the citations stay.
  const auto plain =
      ParseJson(Concat(backend.Handle(Post("/v1/responses", ResponsesBody(false, false)), {})));
  EXPECT_TRUE(plain["output"][0]["results"].IsNull());
  ExpectCitations(plain["output"][1]["content"][0]["annotations"]);
}

TEST(KnowledgeBaseMockTest, ResponsesStreamsEachCitationBeforeTheTextIsDone) {
  MockBackend backend(HandbookScenario(), 1);
  const auto events =
      SplitSse(Concat(backend.Handle(Post("/v1/responses", ResponsesBody(true, false)), {})));
  std::vector<std::string> tail;
  for (const auto& e : events) {
    if (e.type.starts_with("response.output_text.") || e.type == "response.content_part.done") {
      tail.push_back(e.type);
    }
    if (e.type == "response.output_text.annotation.added") {
      const auto data = ParseJson(e.data);
      const auto index = static_cast<size_t>(data["annotation_index"].GetUint());
      EXPECT_EQ(std::string(data["annotation"]["filename"].GetString()), Expected().at(index).name);
    }
    if (e.type == "response.content_part.done") {
      ExpectCitations(ParseJson(e.data)["part"]["annotations"]);
    }
  }
  EXPECT_THAT(
      tail,
      ElementsAre("response.output_text.delta", "response.output_text.delta",
                  "response.output_text.delta", "response.output_text.annotation.added",
                  "response.output_text.annotation.added", "response.output_text.annotation.added",
                  "response.output_text.done", "response.content_part.done"));
}

HttpRequest BetaPost(std::string target, std::string body) {
  return HttpRequest{"POST",
                     std::move(target),
                     {{"content-type", "application/json"}, {"OpenAI-Beta", "assistants=v2"}},
                     std::move(body)};
}

TEST(KnowledgeBaseMockTest, AssistantsListsTheIndexResultsAndCitesThem) {
  MockBackend backend(HandbookScenario(), 1);
  const auto response = backend.Handle(
      BetaPost("/v1/threads/runs",
               R"({"assistant_id":"asst_kb","tools":[{"type":"file_search"}],"stream":true,)"
               R"("thread":{"messages":[{"role":"user","content":"May I keep exports on my )"
               R"(laptop?"}],"tool_resources":{"file_search":{"vector_store_ids":["vs_1"]}}}})"),
      {});
  ASSERT_EQ(response.status, 200) << Concat(response);
  bool saw_search = false;
  bool saw_message = false;
  for (const auto& e : SplitSse(Concat(response))) {
    if (e.type == "thread.run.step.completed") {
      const auto step = ParseJson(e.data);
      if (std::string(step["type"].GetString()) != "tool_calls") continue;
      const auto& results = step["step_details"]["tool_calls"][0]["file_search"]["results"];
      ASSERT_EQ(results.Size(), Expected().size());
      for (rapidjson::SizeType i = 0; i < results.Size(); ++i) {
        EXPECT_EQ(std::string(results[i]["file_name"].GetString()), Expected()[i].name);
        EXPECT_EQ(results[i]["score"].GetDouble(), Expected()[i].score);
        EXPECT_EQ(std::string(results[i]["file_id"].GetString()),
                  DocumentFileId(Expected()[i].name));
      }
      saw_search = true;
    } else if (e.type == "thread.message.completed") {
      const auto message = ParseJson(e.data);
      const auto& annotations = message["content"][0]["text"]["annotations"];
      ASSERT_EQ(annotations.Size(), Expected().size());
      for (rapidjson::SizeType i = 0; i < annotations.Size(); ++i) {
        EXPECT_STREQ(annotations[i]["type"].GetString(), "file_citation");
        EXPECT_EQ(std::string(annotations[i]["file_citation"]["file_id"].GetString()),
                  DocumentFileId(Expected()[i].name));
      }
      saw_message = true;
    }
  }
  EXPECT_TRUE(saw_search);
  EXPECT_TRUE(saw_message);
}

}  // namespace
}  // namespace agentreplay::mocks
