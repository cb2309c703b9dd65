// The JUnit XML parses (libxml2), validates against the schema Jenkins' xunit plugin uses
// (tests/fixtures/junit/junit-10.xsd), and shows every failed check, failed turn and thinly
// sampled comparison instead of counting it as passed.
#include "reports/junit_reporter.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#include <algorithm>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tests/reports/failing_results.h"
#include "tests/reports/sample_comparison.h"
#include "tests/results/sample_results.h"

namespace agentreplay::reports {
namespace {

struct XmlDocFree {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using XmlDoc = std::unique_ptr<xmlDoc, XmlDocFree>;

XmlDoc Parse(const std::string& text) {
  return XmlDoc(xmlReadMemory(text.data(), static_cast<int>(text.size()), "junit.xml", "UTF-8",
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
}

std::string Attr(xmlNode* node, const char* name) {
  xmlChar* value = xmlGetProp(node, reinterpret_cast<const xmlChar*>(name));
  if (value == nullptr) return "<absent>";
  std::string text(reinterpret_cast<const char*>(value));
  xmlFree(value);
  return text;
}

std::string Name(xmlNode* node) { return reinterpret_cast<const char*>(node->name); }

std::vector<xmlNode*> Children(xmlNode* node, const std::string& name) {
  std::vector<xmlNode*> out;
  for (xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (child->type == XML_ELEMENT_NODE && Name(child) == name) out.push_back(child);
  }
  return out;
}

std::string Render(const ReportInput& input) {
  std::ostringstream out;
  JunitReporter().Report(input, out);
  return out.str();
}

// Validates `text` against the xunit plugin's JUnit schema; the schema's complaints, one per
// line, or "" when the document is valid.
std::string SchemaErrors(const std::string& text) {
  struct ParserFree {
    void operator()(xmlSchemaParserCtxt* ctxt) const { xmlSchemaFreeParserCtxt(ctxt); }
  };
  struct SchemaFree {
    void operator()(xmlSchema* schema) const { xmlSchemaFree(schema); }
  };
  struct ValidFree {
    void operator()(xmlSchemaValidCtxt* ctxt) const { xmlSchemaFreeValidCtxt(ctxt); }
  };
  const std::unique_ptr<xmlSchemaParserCtxt, ParserFree> parser(
      xmlSchemaNewParserCtxt(AGENTREPLAY_JUNIT_XSD));
  if (parser == nullptr) return "cannot read the schema";
  const std::unique_ptr<xmlSchema, SchemaFree> schema(xmlSchemaParse(parser.get()));
  if (schema == nullptr) return "cannot parse the schema " AGENTREPLAY_JUNIT_XSD;
  const std::unique_ptr<xmlSchemaValidCtxt, ValidFree> valid(xmlSchemaNewValidCtxt(schema.get()));
  std::string errors;
  xmlSchemaSetValidStructuredErrors(
      valid.get(),
      [](void* sink, xmlError* error) {
        *static_cast<std::string*>(sink) += fmt::format("line {}: {}", error->line, error->message);
      },
      &errors);
  const XmlDoc doc = Parse(text);
  if (doc == nullptr) return "not well-formed XML";
  const int rc = xmlSchemaValidateDoc(valid.get(), doc.get());
  if (rc != 0 && errors.empty()) errors = fmt::format("invalid (libxml2 code {})", rc);
  return errors;
}

// The testcase whose name is `name`, or null.
xmlNode* FindCase(xmlNode* root, const std::string& name) {
  for (xmlNode* suite : Children(root, "testsuite")) {
    for (xmlNode* tc : Children(suite, "testcase")) {
      if (Attr(tc, "name") == name) return tc;
    }
  }
  return nullptr;
}

std::string Text(xmlNode* node) {
  xmlChar* content = xmlNodeGetContent(node);
  std::string text(reinterpret_cast<const char*>(content));
  xmlFree(content);
  return text;
}

TEST(JunitReporterTest, ValidatesAgainstTheJenkinsXunitSchema) {
  const results::Results sample = fixtures::SampleResults();
  const results::Results failing = fixtures::FailingResults();
  const Comparison comparison = fixtures::SampleComparison();
  EXPECT_EQ(SchemaErrors(Render({sample})), "");
  EXPECT_EQ(SchemaErrors(Render({sample, &comparison})), "");
  EXPECT_EQ(SchemaErrors(Render({failing})), "");
  EXPECT_EQ(SchemaErrors(Render({failing, &comparison})), "");
}

// Proves the validation above has teeth: the schema is read and rejects what Jenkins rejects,
// e.g. properties on a testcase (which this reporter used to write) and a missing name.
TEST(JunitReporterTest, TheSchemaRejectsWhatJenkinsRejects) {
  const std::string head =
      "<testsuites><testsuite name=\"s\" tests=\"1\" failures=\"0\" errors=\"0\">";
  const std::string tail = "</testsuite></testsuites>";
  EXPECT_EQ(
      SchemaErrors(head + "<testcase name=\"t\"><system-out>x</system-out></testcase>" + tail), "");
  EXPECT_NE(SchemaErrors(head +
                         "<testcase name=\"t\"><properties><property name=\"a\" value=\"b\"/>"
                         "</properties></testcase>" +
                         tail),
            "");
  EXPECT_NE(SchemaErrors(head + "<testcase classname=\"c\"/>" + tail), "");
  EXPECT_NE(SchemaErrors("<testsuites skipped=\"1\"/>"), "");
}

TEST(JunitReporterTest, ChecksAndTurnsBecomeTestCasesWithoutAComparison) {
  const results::Results results = fixtures::SampleResults();
  const XmlDoc doc = Parse(Render({results}));
  ASSERT_NE(doc, nullptr);
  xmlNode* root = xmlDocGetRootElement(doc.get());
  ASSERT_EQ(Name(root), "testsuites");
  // A turns case per cell (three) and two checks in each of two cells; the failed check and the
  // cell with a failed turn fail, the cell where every turn failed is an error.
  EXPECT_EQ(Attr(root, "tests"), "7");
  EXPECT_EQ(Attr(root, "failures"), "2");
  EXPECT_EQ(Attr(root, "errors"), "1");
  const std::vector<xmlNode*> suites = Children(root, "testsuite");
  ASSERT_EQ(suites.size(), 2u);  // weather and lookup
  EXPECT_EQ(Attr(suites[0], "name"), "weather");
  EXPECT_EQ(Attr(suites[1], "name"), "lookup");
  EXPECT_EQ(Attr(suites[1], "errors"), "1");
  const std::vector<xmlNode*> cases = Children(suites[0], "testcase");
  ASSERT_EQ(cases.size(), 6u);
  xmlNode* check = FindCase(root, "weather/assistants/p0: turn 0: answer contains \"sunny\"");
  ASSERT_NE(check, nullptr);
  EXPECT_EQ(Attr(check, "classname"), "weather.assistants.p0");
  const std::vector<xmlNode*> failures = Children(check, "failure");
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(Attr(failures[0], "type"), "check");
  EXPECT_NE(Attr(failures[0], "message").find("the turn failed (http_500)"), std::string::npos);
  xmlNode* passed = FindCase(root, "weather/responses/p5: turn 0: answer contains \"sunny\"");
  ASSERT_NE(passed, nullptr);
  EXPECT_TRUE(Children(passed, "failure").empty());
  EXPECT_NE(Text(Children(passed, "system-out").at(0)).find("passed: 3/3"), std::string::npos);

  xmlNode* some_failed = FindCase(root, "weather/assistants/p0: turns");
  ASSERT_NE(some_failed, nullptr);
  xmlNode* failure = Children(some_failed, "failure").at(0);
  EXPECT_EQ(Attr(failure, "type"), "turn_errors");
  EXPECT_EQ(Attr(failure, "message"), "1 of 3 turns failed: http_500 x1");
  EXPECT_NE(Text(failure).find("server error retry later"), std::string::npos);
  xmlNode* all_failed = FindCase(root, "lookup/chat/p0: turns");
  ASSERT_NE(all_failed, nullptr);
  xmlNode* error = Children(all_failed, "error").at(0);
  EXPECT_EQ(Attr(error, "type"), "all_turns_failed");
  EXPECT_EQ(Attr(error, "message"), "1 of 1 turns failed: stream_truncated x1");
  xmlNode* clean = FindCase(root, "weather/responses/p5: turns");
  ASSERT_NE(clean, nullptr);
  EXPECT_TRUE(Children(clean, "failure").empty());
  EXPECT_TRUE(Children(clean, "error").empty());
}

// The issue this guards against: a ladder where turns errored and checks failed came out of
// JUnit as all green.
TEST(JunitReporterTest, NoFailedTurnOrCheckPassesUnnoticed) {
  const results::Results results = fixtures::FailingResults();
  const XmlDoc doc = Parse(Render({results}));
  ASSERT_NE(doc, nullptr);
  xmlNode* root = xmlDocGetRootElement(doc.get());
  // Turns: c1 passes, c8 fails, c16 errors, c32 is skipped; checks: c1 passes, c8 one of two
  // fails, c16 fails.
  EXPECT_EQ(Attr(root, "tests"), "8");
  EXPECT_EQ(Attr(root, "failures"), "3");
  EXPECT_EQ(Attr(root, "errors"), "1");
  xmlNode* suite = Children(root, "testsuite").at(0);
  EXPECT_EQ(Attr(suite, "skipped"), "1");
  xmlNode* dead = FindCase(root, "ladder/responses/c16: turns");
  ASSERT_NE(dead, nullptr);
  xmlNode* error = Children(dead, "error").at(0);
  EXPECT_EQ(Attr(error, "message"), "3 of 3 turns failed: turn_timeout x2, http_429 x1");
  EXPECT_NE(Text(error).find("turn_timeout x2 (first: timeout error: no response in 30 s)"),
            std::string::npos)
      << Text(error);
  xmlNode* flaky = FindCase(root, "ladder/responses/c8: turns");
  ASSERT_NE(flaky, nullptr);
  // The failed warm-up turn is not counted.
  EXPECT_EQ(Attr(Children(flaky, "failure").at(0), "message"), "2 of 4 turns failed: http_429 x2");
  EXPECT_NE(Text(Children(flaky, "system-out").at(0)).find("error_turns: 2"), std::string::npos);
  xmlNode* empty = FindCase(root, "ladder/responses/c32: turns");
  ASSERT_NE(empty, nullptr);
  EXPECT_EQ(Attr(Children(empty, "skipped").at(0), "message"), "no turns were measured");
}

TEST(JunitReporterTest, GatedMetricsBecomeTestCasesWithAComparison) {
  const results::Results results = fixtures::SampleResults();
  const Comparison comparison = fixtures::SampleComparison();
  const XmlDoc doc = Parse(Render({results, &comparison}));
  ASSERT_NE(doc, nullptr);
  xmlNode* root = xmlDocGetRootElement(doc.get());
  // The seven cell cases, five gated metrics and the missing cell; two regressions and the
  // missing cell fail on top of the failed check and turns, the thin metric is skipped.
  EXPECT_EQ(Attr(root, "tests"), "13");
  EXPECT_EQ(Attr(root, "failures"), "5");
  EXPECT_EQ(Attr(root, "errors"), "1");
  xmlNode* regressed = FindCase(root, "weather/assistants/p0: e2e_ms");
  ASSERT_NE(regressed, nullptr);
  EXPECT_EQ(Attr(regressed, "classname"), "weather.assistants.p0");
  EXPECT_TRUE(Children(regressed, "properties").empty());  // Jenkins' schema forbids them
  const std::string out = Text(Children(regressed, "system-out").at(0));
  EXPECT_NE(out.find("p_value: 0.004\n"), std::string::npos) << out;
  EXPECT_NE(out.find("verdict: regression\n"), std::string::npos) << out;
  EXPECT_NE(out.find("change: 1.79"), std::string::npos) << out;
  xmlNode* failure = Children(regressed, "failure").at(0);
  EXPECT_EQ(Attr(failure, "type"), "regression");
  EXPECT_NE(Attr(failure, "message").find("+179.4%"), std::string::npos);

  int skipped = 0;
  for (xmlNode* suite : Children(root, "testsuite")) skipped += std::stoi(Attr(suite, "skipped"));
  EXPECT_EQ(skipped, 1);
  xmlNode* thin = nullptr;
  for (xmlNode* suite : Children(root, "testsuite")) {
    for (xmlNode* tc : Children(suite, "testcase")) {
      if (!Children(tc, "skipped").empty()) thin = tc;
    }
  }
  ASSERT_NE(thin, nullptr);
  EXPECT_NE(Attr(thin, "name").find(": ttft_ms"), std::string::npos);
  xmlNode* skip = Children(thin, "skipped").at(0);
  EXPECT_EQ(Attr(skip, "type"), "insufficient");
  EXPECT_NE(Attr(skip, "message").find("too few samples"), std::string::npos);
  xmlNode* missing = FindCase(root, "lookup/responses/p0: present");
  ASSERT_NE(missing, nullptr);
  EXPECT_EQ(Attr(missing, "classname"), "lookup.responses.p0");
  EXPECT_EQ(Attr(Children(missing, "failure").at(0), "type"), "missing");
}

TEST(JunitReporterTest, EscapesMarkupAndDropsControlCharacters) {
  results::Results results = fixtures::SampleResults();
  results.cells[1].scenario = "<weird & \"quoted\" 'name'>";
  results.cells[1].checks[0].detail = std::string("bell\x07 and </failure> inside");
  const std::string text = Render({results});
  const XmlDoc doc = Parse(text);
  ASSERT_NE(doc, nullptr) << text;
  xmlNode* root = xmlDocGetRootElement(doc.get());
  std::vector<std::string> names;
  for (xmlNode* suite : Children(root, "testsuite")) names.push_back(Attr(suite, "name"));
  EXPECT_NE(std::find(names.begin(), names.end(), "<weird & \"quoted\" 'name'>"), names.end());
  EXPECT_EQ(XmlEscape("a\x01<b>"), "a\uFFFD&lt;b&gt;");
}

// Names come from user files: a NUL, an escape sequence, a byte that is not UTF-8 and U+FFFF
// (XML 1.0 allows none of them, not even as a character reference) become U+FFFD, so a strict
// parser still reads the report.
TEST(JunitReporterTest, CharactersXmlCannotCarryBecomeReplacementCharacters) {
  results::Results results = fixtures::SampleResults();
  constexpr char kName[] = "nul\0 esc\x1b[2J bad\xff nonchar\xef\xbf\xbf";
  results.cells[1].scenario = std::string(kName, sizeof kName - 1);
  results.cells[1].checks[0].name = std::string("check\0", 6);
  results.cells[1].samples[1].error_message = "tab\tline\nfeed\x0c";
  results.context.hostname = "host\x01";
  const std::string text = Render({results});
  EXPECT_EQ(text.find('\0'), std::string::npos);
  const XmlDoc doc = Parse(text);
  ASSERT_NE(doc, nullptr) << text;
  xmlNode* root = xmlDocGetRootElement(doc.get());
  std::vector<std::string> names;
  for (xmlNode* suite : Children(root, "testsuite")) names.push_back(Attr(suite, "name"));
  EXPECT_NE(std::find(names.begin(), names.end(), "nul\uFFFD esc\uFFFD[2J bad\uFFFD nonchar\uFFFD"),
            names.end())
      << text;
  EXPECT_EQ(XmlEscape(std::string("a\0b\x7f\tc", 6)), "a\uFFFDb\x7f\tc");
}

}  // namespace
}  // namespace agentreplay::reports
