// The scenario fields around the agent's data: the knowledge base's documents (and the
// file_search rules that depend on them), the workspace seed and the data expectations.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "harness/scenario/scenario_loader.h"
#include "tests/harness/scenario_test_support.h"

namespace agentreplay::harness {
namespace {

using scenario_test::AllErrors;
using scenario_test::LoadResult;
using scenario_test::OnlyError;
using scenario_test::Parse;
using scenario_test::WithSteps;
using scenario_test::WithStepsAndDocuments;
using scenario_test::WithStepsAndExpect;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

constexpr std::string_view kDataScenario = R"({
  "schema": "agentreplay.scenario/v1",
  "name": "data",
  "description": "d",
  "turns": [
    {
      "user": "Which invoices are overdue?",
      "steps": [
        {"file_search": {"query": "overdue invoice policy"}, "tool_calls": [{"name": "f"}]},
        {"text": "Two."}
      ],
      "expect": {"data": [{"category": "invoices", "title_contains": "ACME"},
                          {"category": "drafts", "exists": false}]}
    }
  ],
  "documents": {
    "billing-handbook.md": "Invoices are overdue 30 days after issue.",
    "security-policy.md": "Exports stay on managed devices."
  },
  "workspace": {
    "entries": [
      {"category": "invoices", "title": "ACME March", "content": "{\"amount\": 120}",
       "tags": ["acme", "2026-03"]},
      {"category": "notes", "title": "Empty note", "content": ""}
    ],
    "blobs": {"invoices/2026-03/acme.csv": "id,amount\n1,120\n", "readme.txt": ""}
  }
})";

TEST(DataFieldsTest, ReadsDocumentsWorkspaceAndDataExpectations) {
  const LoadResult r = Parse(kDataScenario);
  ASSERT_THAT(r.errors, IsEmpty()) << r.errors.front().ToString();
  const mocks::Scenario& s = *r.scenario;
  EXPECT_THAT(s.documents,
              ElementsAre(Pair("billing-handbook.md", "Invoices are overdue 30 days after issue."),
                          Pair("security-policy.md", "Exports stay on managed devices.")));
  // No results: the mock searches the documents.
  ASSERT_TRUE(s.turns[0].steps[0].file_search.has_value());
  EXPECT_THAT(s.turns[0].steps[0].file_search->results, IsEmpty());

  ASSERT_EQ(s.workspace.entries.size(), 2U);
  const mocks::DataEntrySeed& invoice = s.workspace.entries[0];
  EXPECT_EQ(invoice.category, "invoices");
  EXPECT_EQ(invoice.title, "ACME March");
  EXPECT_EQ(invoice.content, R"({"amount": 120})");  // stored as given
  EXPECT_THAT(invoice.tags, ElementsAre("acme", "2026-03"));
  EXPECT_EQ(s.workspace.entries[1].content, "");
  EXPECT_THAT(s.workspace.entries[1].tags, IsEmpty());
  EXPECT_THAT(
      s.workspace.blobs,
      ElementsAre(Pair("invoices/2026-03/acme.csv", "id,amount\n1,120\n"), Pair("readme.txt", "")));

  const auto& data = s.turns[0].expect.data;
  ASSERT_EQ(data.size(), 2U);
  EXPECT_EQ(data[0].category, "invoices");
  EXPECT_EQ(data[0].title_contains, "ACME");
  EXPECT_TRUE(data[0].exists);
  EXPECT_EQ(data[1].category, "drafts");
  EXPECT_EQ(data[1].title_contains, "");
  EXPECT_FALSE(data[1].exists);
}

TEST(DataFieldsTest, ScriptedResultsThatNameDocumentsAreAccepted) {
  const LoadResult r = Parse(WithStepsAndDocuments(
      R"([{"file_search": {"query": "q", "results": ["b.md", "a.md"]}, "text": "ok"}])",
      R"({"a.md": "alpha", "b.md": "beta"})"));
  ASSERT_THAT(r.errors, IsEmpty()) << r.errors.front().ToString();
  EXPECT_THAT(r.scenario->turns[0].steps[0].file_search->results, ElementsAre("b.md", "a.md"));
}

// --- file_search and documents ---

TEST(DataFieldsDiagnosticTest, FileSearchNeedsResultsOrDocuments) {
  EXPECT_EQ(OnlyError(WithSteps(R"([{"file_search": {"query": "q"}, "text": "ok"}])")),
            "s.json:2:52: /turns/0/steps/0/file_search: a file_search without 'results' searches "
            "the scenario's 'documents', but there are none; give 'results' or add 'documents'");
}

TEST(DataFieldsDiagnosticTest, ScriptedResultsMustNameDocuments) {
  constexpr std::string_view kDocuments = R"({"security-policy.md": "x", "handbook.md": "y"})";
  EXPECT_EQ(
      OnlyError(WithStepsAndDocuments(
          R"([{"file_search": {"query": "q", "results": ["securty-policy.md"]}, "text": "ok"}])",
          kDocuments)),
      "s.json:2:79: /turns/0/steps/0/file_search/results/0: unknown document "
      "'securty-policy.md'; did you mean 'security-policy.md'?");
  EXPECT_EQ(
      OnlyError(WithStepsAndDocuments(
          R"([{"file_search": {"query": "q", "results": ["handbook.md", "faq.md"]}, "text": "ok"}])",
          kDocuments)),
      "s.json:2:94: /turns/0/steps/0/file_search/results/1: unknown document 'faq.md' "
      "(documents: handbook.md, security-policy.md)");
}

TEST(DataFieldsDiagnosticTest, Documents) {
  constexpr std::string_view kSteps = R"([{"file_search": {"query": "q"}, "text": "ok"}])";
  // A malformed "documents" is reported once; the file_search rules that need it are skipped.
  EXPECT_EQ(OnlyError(WithStepsAndDocuments(kSteps, R"(["a.md"])")),
            "s.json:2:99: /documents: expected an object, got an array");
  EXPECT_EQ(OnlyError(WithStepsAndDocuments(kSteps, "{}")),
            "s.json:2:99: /documents: documents must contain at least 1 document");
  EXPECT_THAT(AllErrors(WithStepsAndDocuments(kSteps, R"({" ": "text", "a.md": 7, "b.md": " "})")),
              ElementsAre("s.json:2:100: /documents/ : document name must not be empty",
                          "s.json:2:121: /documents/a.md: expected a string (the document's "
                          "text), got a number",
                          "s.json:2:132: /documents/b.md: document text must not be empty"));
  // A document whose text is bad still exists as a name, so results may name it.
  EXPECT_EQ(OnlyError(WithStepsAndDocuments(
                R"([{"file_search": {"query": "q", "results": ["a.md"]}, "text": "ok"}])",
                R"({"a.md": 7})")),
            "s.json:2:129: /documents/a.md: expected a string (the document's text), got a number");
}

// --- workspace ---

// A valid scenario whose workspace is `workspace`, on line 2 from column 14.
std::string WithWorkspace(std::string_view workspace) {
  return std::string(R"({"schema": "agentreplay.scenario/v1", "name": "t", "description": "d",
"workspace": )") +
         std::string(workspace) + R"(, "turns": [{"user": "hi", "steps": [{"text": "ok"}]}]})";
}

TEST(DataFieldsDiagnosticTest, WorkspaceEntries) {
  EXPECT_EQ(OnlyError(WithWorkspace(R"({"entry": []})")),
            "s.json:2:15: /workspace/entry: unknown field 'entry' (allowed: entries, blobs)");
  EXPECT_EQ(OnlyError(WithWorkspace(R"({"entries": []})")),
            "s.json:2:26: /workspace/entries: entries must contain at least 1 entry");
  EXPECT_THAT(
      AllErrors(WithWorkspace(
          R"({"entries": [{"category": "c", "title": " "}, "x", {"category": "c", "title": "t", "content": 5, "tags": ["", "a"], "tag": 1}]})")),
      ElementsAre("s.json:2:27: /workspace/entries/0: missing required field 'content'",
                  "s.json:2:54: /workspace/entries/0/title: title must not be empty",
                  "s.json:2:60: /workspace/entries/1: expected an object, got a string",
                  "s.json:2:108: /workspace/entries/2/content: expected a string, got a number",
                  "s.json:2:120: /workspace/entries/2/tags/0: tag must not be empty",
                  "s.json:2:130: /workspace/entries/2/tag: unknown field 'tag'; did you mean "
                  "'tags'?"));
}

TEST(DataFieldsDiagnosticTest, BlobPathsStayInsideTheBlobStore) {
  EXPECT_THAT(
      AllErrors(WithWorkspace(
          R"({"blobs": {"/etc/passwd": "x", "a/../../b": "x", "": "x", "a//b.csv": "x", "dir/": "x", "./a": "x", "ok.csv": 3}})")),
      ElementsAre("s.json:2:25: /workspace/blobs/~1etc~1passwd: blob path must be relative (no "
                  "leading '/'), got '/etc/passwd'",
                  "s.json:2:45: /workspace/blobs/a~1..~1..~1b: blob path must not contain '..' "
                  "segments, got 'a/../../b'",
                  "s.json:2:63: /workspace/blobs/: blob path must not be empty",
                  "s.json:2:72: /workspace/blobs/a~1~1b.csv: blob path must name a file: no empty "
                  "or '.' segments and no trailing '/', got 'a//b.csv'",
                  "s.json:2:89: /workspace/blobs/dir~1: blob path must name a file: no empty or "
                  "'.' segments and no trailing '/', got 'dir/'",
                  "s.json:2:102: /workspace/blobs/.~1a: blob path must name a file: no empty or "
                  "'.' segments and no trailing '/', got './a'",
                  "s.json:2:124: /workspace/blobs/ok.csv: expected a string (the file's content), "
                  "got a number"));
  // A NUL cannot be printed in the pointer: the blobs object is named, the path escaped.
  EXPECT_EQ(OnlyError(WithWorkspace(R"({"blobs": {"a\u0000b": "x"}})")),
            "s.json:2:25: /workspace/blobs: blob path must not contain a NUL character, got "
            "'a\\u0000b'");
  EXPECT_EQ(OnlyError(WithWorkspace(R"({"blobs": []})")),
            "s.json:2:24: /workspace/blobs: expected an object, got an array");
}

// --- expect.data ---

TEST(DataFieldsDiagnosticTest, DataExpectations) {
  constexpr std::string_view kSteps = R"([{"text": "ok"}])";
  EXPECT_EQ(OnlyError(WithStepsAndExpect(kSteps, R"({"data": {"category": "c"}})")),
            "s.json:2:72: /turns/0/expect/data: expected an array, got an object");
  EXPECT_EQ(OnlyError(WithStepsAndExpect(kSteps, R"({"data": []})")),
            "s.json:2:72: /turns/0/expect/data: data must contain at least 1 expectation");
  EXPECT_THAT(
      AllErrors(WithStepsAndExpect(
          kSteps,
          R"({"data": [{"title_contains": "x"}, {"category": "c", "title_contain": "x", "exists": "yes"}, {"category": "c", "title_contains": ""}]})")),
      ElementsAre("s.json:2:73: /turns/0/expect/data/0: missing required field 'category'",
                  "s.json:2:116: /turns/0/expect/data/1/title_contain: unknown field "
                  "'title_contain'; did you mean 'title_contains'?",
                  "s.json:2:148: /turns/0/expect/data/1/exists: expected a boolean, got a string",
                  "s.json:2:192: /turns/0/expect/data/2/title_contains: title_contains must not "
                  "be empty"));
}

}  // namespace
}  // namespace agentreplay::harness
