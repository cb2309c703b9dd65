#include "reports/junit_reporter.h"

#include <fmt/format.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "reports/table.h"

namespace agentreplay::reports {
namespace {

struct Property {
  std::string name;
  std::string value;
};

struct TestCase {
  std::string name;
  std::string classname;
  std::vector<Property> properties;
  bool failed = false;
  std::string failure_type;
  std::string failure_message;  // one line, the attribute
  std::string failure_text;     // the body, may span lines
};

TestCase MakeCase(std::string name, std::string classname, std::vector<Property> properties) {
  TestCase tc;
  tc.name = std::move(name);
  tc.classname = std::move(classname);
  tc.properties = std::move(properties);
  return tc;
}

// Scenario name -> its test cases, in the order scenarios first appear.
struct Suites {
  std::vector<std::string> order;
  std::map<std::string, std::vector<TestCase>> cases;
  void Add(const std::string& suite, TestCase test_case) {
    if (!cases.contains(suite)) order.push_back(suite);
    cases[suite].push_back(std::move(test_case));
  }
};

// Jenkins reads dots in a classname as packages: scenario.runtime.variant groups naturally.
std::string ClassName(std::string_view scenario, std::string_view runtime,
                      std::string_view variant) {
  return fmt::format("{}.{}.{}", scenario, runtime, variant);
}

void AddCheckCases(const results::Results& results, Suites& suites) {
  for (const results::Cell& cell : results.cells) {
    const std::string classname = ClassName(cell.scenario, cell.runtime, cell.variant);
    for (const results::Check& check : cell.checks) {
      TestCase tc = MakeCase(check.name, classname,
                             {{"variant", cell.variant},
                              {"runtime", cell.runtime},
                              {"world", cell.world},
                              {"passed", fmt::format("{}/{}", check.passed, check.total)}});
      if (!check.ok) {
        tc.failed = true;
        tc.failure_type = "check";
        tc.failure_message =
            OneLine(fmt::format("{}/{} repetitions passed{}", check.passed, check.total,
                                check.detail.empty() ? "" : ": " + check.detail));
        tc.failure_text = check.detail;
      }
      suites.Add(cell.scenario, std::move(tc));
    }
  }
}

std::string MetricFailureText(const CellComparison& cell, const MetricComparison& mc) {
  const std::string unit = MetricUnit(mc.metric);
  std::string text =
      fmt::format("{} of {}/{} regressed against {}: p50 {} -> {} ({})", mc.metric, cell.scenario,
                  cell.head_label, cell.base_label, ValueWithUnit(mc.base_p50, unit),
                  ValueWithUnit(mc.head_p50, unit), FormatChange(mc.change));
  if (mc.change_ci) {
    text += fmt::format(", 95% CI of the change [{}, {}]", FormatChange(mc.change_ci->low),
                        FormatChange(mc.change_ci->high));
  }
  if (mc.p_value) text += fmt::format(", p={:.3g}", *mc.p_value);
  if (mc.exact) text += ", exact (deterministic world)";
  text += ", threshold " +
          (mc.absolute ? ValueWithUnit(mc.threshold, unit) : FormatChange(mc.threshold));
  return text;
}

void AddComparisonCases(const Comparison& comparison, Suites& suites) {
  for (const CellComparison& cell : comparison.cells) {
    const std::string classname = ClassName(cell.scenario, cell.runtime, cell.variant);
    for (const MetricComparison& mc : cell.metrics) {
      if (!mc.gated) continue;
      TestCase tc = MakeCase(mc.metric, classname,
                             {{"variant", cell.variant},
                              {"runtime", cell.runtime},
                              {"base", cell.base_label},
                              {"base_p50", fmt::format("{}", mc.base_p50)},
                              {"head_p50", fmt::format("{}", mc.head_p50)},
                              {"change", fmt::format("{}", mc.change)},
                              {"verdict", VerdictName(mc.verdict)}});
      if (mc.p_value) tc.properties.push_back({"p_value", fmt::format("{}", *mc.p_value)});
      if (mc.verdict == Verdict::kRegression) {
        tc.failed = true;
        tc.failure_type = "regression";
        tc.failure_text = MetricFailureText(cell, mc);
        tc.failure_message = tc.failure_text;
      }
      suites.Add(cell.scenario, std::move(tc));
    }
  }
  for (const std::string& missing : comparison.missing_cells) {
    const std::string scenario = missing.substr(0, missing.find('/'));
    TestCase tc = MakeCase("present", missing, {});
    if (comparison.missing_is_failure) {
      tc.failed = true;
      tc.failure_type = "missing";
      tc.failure_message = fmt::format("{} is in the base but not in the head", missing);
      tc.failure_text = tc.failure_message;
    }
    suites.Add(scenario, std::move(tc));
  }
}

void WriteCase(const TestCase& tc, std::ostream& out) {
  out << fmt::format("    <testcase name=\"{}\" classname=\"{}\" time=\"0\"", XmlEscape(tc.name),
                     XmlEscape(tc.classname));
  if (tc.properties.empty() && !tc.failed) {
    out << "/>\n";
    return;
  }
  out << ">\n";
  if (!tc.properties.empty()) {
    out << "      <properties>\n";
    for (const Property& p : tc.properties) {
      out << fmt::format("        <property name=\"{}\" value=\"{}\"/>\n", XmlEscape(p.name),
                         XmlEscape(p.value));
    }
    out << "      </properties>\n";
  }
  if (tc.failed) {
    out << fmt::format("      <failure message=\"{}\" type=\"{}\">{}</failure>\n",
                       XmlEscape(tc.failure_message), XmlEscape(tc.failure_type),
                       XmlEscape(tc.failure_text));
  }
  out << "    </testcase>\n";
}

}  // namespace

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += byte < 0x20 && c != '\t' && c != '\n' && c != '\r' ? '?' : c;
    }
  }
  return out;
}

void JunitReporter::Report(const ReportInput& input, std::ostream& out) {
  Suites suites;
  if (input.comparison != nullptr) {
    AddComparisonCases(*input.comparison, suites);
  } else {
    AddCheckCases(input.results, suites);
  }
  size_t tests = 0, failures = 0;
  for (const auto& [name, cases] : suites.cases) {
    tests += cases.size();
    for (const TestCase& tc : cases) failures += tc.failed ? 1 : 0;
  }
  const results::Context& context = input.results.context;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << fmt::format(
      "<testsuites name=\"agentreplay\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"0\">\n",
      tests, failures);
  for (const std::string& suite : suites.order) {
    const std::vector<TestCase>& cases = suites.cases[suite];
    size_t suite_failures = 0;
    for (const TestCase& tc : cases) suite_failures += tc.failed ? 1 : 0;
    out << fmt::format(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" "
        "time=\"0\" timestamp=\"{}\" hostname=\"{}\">\n",
        XmlEscape(suite), cases.size(), suite_failures, XmlEscape(context.started_at),
        XmlEscape(context.hostname.empty() ? "localhost" : context.hostname));
    out << "    <properties>\n";
    for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
             {"agentreplay.version", context.version},
             {"agentreplay.git_revision", context.git_revision},
             {"agentreplay.world", context.world},
             {"agentreplay.seed", fmt::format("{}", context.seed)},
             {"agentreplay.repetitions", fmt::format("{}", context.repetitions)}}) {
      out << fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", name, XmlEscape(value));
    }
    out << "    </properties>\n";
    for (const TestCase& tc : cases) WriteCase(tc, out);
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
}

}  // namespace agentreplay::reports
