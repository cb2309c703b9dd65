// The JUnit XML parses (libxml2) and has the structure CI test views read.
#include "reports/junit_reporter.h"

#include <gtest/gtest.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

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

TEST(JunitReporterTest, ChecksBecomeTestCasesWithoutAComparison) {
  const results::Results results = fixtures::SampleResults();
  const XmlDoc doc = Parse(Render({results}));
  ASSERT_NE(doc, nullptr);
  xmlNode* root = xmlDocGetRootElement(doc.get());
  ASSERT_EQ(Name(root), "testsuites");
  EXPECT_EQ(Attr(root, "tests"), "4");  // two checks in each of two cells
  EXPECT_EQ(Attr(root, "failures"), "1");
  const std::vector<xmlNode*> suites = Children(root, "testsuite");
  ASSERT_EQ(suites.size(), 1u);  // one scenario with checks
  EXPECT_EQ(Attr(suites[0], "name"), "weather");
  const std::vector<xmlNode*> cases = Children(suites[0], "testcase");
  ASSERT_EQ(cases.size(), 4u);
  EXPECT_EQ(Attr(cases[2], "classname"), "weather.assistants.p0");
  EXPECT_EQ(Attr(cases[2], "name"), "turn 0: answer contains \"sunny\"");
  const std::vector<xmlNode*> failures = Children(cases[2], "failure");
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_NE(Attr(failures[0], "message").find("the turn failed (http_500)"), std::string::npos);
  EXPECT_TRUE(Children(cases[0], "failure").empty());
}

TEST(JunitReporterTest, GatedMetricsBecomeTestCasesWithAComparison) {
  const results::Results results = fixtures::SampleResults();
  const Comparison comparison = fixtures::SampleComparison();
  const XmlDoc doc = Parse(Render({results, &comparison}));
  ASSERT_NE(doc, nullptr);
  xmlNode* root = xmlDocGetRootElement(doc.get());
  // Five gated metrics and the missing cell; two regressions and the missing cell fail.
  EXPECT_EQ(Attr(root, "tests"), "6");
  EXPECT_EQ(Attr(root, "failures"), "3");
  xmlNode* weather = Children(root, "testsuite").at(0);
  xmlNode* regressed = nullptr;
  for (xmlNode* tc : Children(weather, "testcase")) {
    if (Attr(tc, "classname") == "weather.assistants.p0" && Attr(tc, "name") == "e2e_ms") {
      regressed = tc;
    }
  }
  ASSERT_NE(regressed, nullptr);
  std::map<std::string, std::string> properties;
  for (xmlNode* p : Children(Children(regressed, "properties").at(0), "property")) {
    properties[Attr(p, "name")] = Attr(p, "value");
  }
  EXPECT_EQ(properties["variant"], "p0");
  EXPECT_EQ(properties["p_value"], "0.004");
  EXPECT_EQ(properties["verdict"], "regression");
  EXPECT_NE(properties["change"].find("1.79"), std::string::npos);
  xmlNode* failure = Children(regressed, "failure").at(0);
  EXPECT_EQ(Attr(failure, "type"), "regression");
  EXPECT_NE(Attr(failure, "message").find("+179.4%"), std::string::npos);
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
  EXPECT_EQ(XmlEscape("a\x01<b>"), "a?&lt;b&gt;");
}

}  // namespace
}  // namespace agentreplay::reports
