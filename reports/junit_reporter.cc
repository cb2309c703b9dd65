#include "reports/junit_reporter.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "reports/table.h"
#include "reports/turn_errors.h"

namespace agentreplay::reports {
namespace {

// How a test case ended. Jenkins' xunit schema allows no properties on a test case, so what
// would be properties goes into `system_out` as "key: value" lines.
enum class Outcome { kPassed, kFailure, kError, kSkipped };

struct TestCase {
  std::string name;
  std::string classname;
  std::string system_out;
  Outcome outcome = Outcome::kPassed;
  std::string type;     // of the failure, error or skip
  std::string message;  // one line, the attribute
  std::string text;     // the body, may span lines
};

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
// The test case's name repeats the cell ("scenario/runtime/variant: what") because GitLab and
// GitHub's test views show the name alone.
std::string ClassName(std::string_view scenario, std::string_view runtime,
                      std::string_view variant) {
  return fmt::format("{}.{}.{}", scenario, runtime, variant);
}

std::string KeyValues(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string text;
  for (const auto& [key, value] : pairs) text += fmt::format("{}: {}\n", key, OneLine(value));
  return text;
}

// Every turn that ended in an error shows: a cell where none succeeded is an error (there is
// nothing to measure), one where some failed is a failure, so CI never counts it as passed.
TestCase TurnsCase(const results::Cell& cell, const std::string& classname) {
  const TurnErrors errors = CountTurnErrors(cell);
  TestCase tc;
  tc.name = CellLabel(cell) + ": turns";
  tc.classname = classname;
  tc.system_out = KeyValues({{"world", cell.world},
                             {"turns", fmt::format("{}", errors.turns)},
                             {"error_turns", fmt::format("{}", errors.errors)}});
  if (errors.turns == 0) {
    tc.outcome = Outcome::kSkipped;
    tc.type = "no_turns";
    tc.message = "no turns were measured";
  } else if (errors.errors > 0) {
    tc.outcome = errors.AllFailed() ? Outcome::kError : Outcome::kFailure;
    tc.type = errors.AllFailed() ? "all_turns_failed" : "turn_errors";
    tc.message = TurnErrorSummary(errors);
    for (const std::string& line : errors.details) tc.text += line + "\n";
  }
  return tc;
}

void AddCellCases(const results::Results& results, Suites& suites) {
  for (const results::Cell& cell : results.cells) {
    const std::string classname = ClassName(cell.scenario, cell.runtime, cell.variant);
    suites.Add(cell.scenario, TurnsCase(cell, classname));
    for (const results::Check& check : cell.checks) {
      TestCase tc;
      tc.name = fmt::format("{}: {}", CellLabel(cell), check.name);
      tc.classname = classname;
      tc.system_out = KeyValues(
          {{"world", cell.world}, {"passed", fmt::format("{}/{}", check.passed, check.total)}});
      if (!check.ok) {
        tc.outcome = Outcome::kFailure;
        tc.type = "check";
        tc.message = OneLine(fmt::format("{}/{} repetitions passed{}", check.passed, check.total,
                                         check.detail.empty() ? "" : ": " + check.detail));
        tc.text = check.detail;
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
      TestCase tc;
      tc.name = fmt::format("{}/{}/{}: {}", cell.scenario, cell.runtime, cell.variant, mc.metric);
      tc.classname = classname;
      std::vector<std::pair<std::string, std::string>> values = {
          {"base", cell.base_label},
          {"base_p50", fmt::format("{}", mc.base_p50)},
          {"head_p50", fmt::format("{}", mc.head_p50)},
          {"change", fmt::format("{}", mc.change)},
          {"base_count", fmt::format("{}", mc.base_count)},
          {"head_count", fmt::format("{}", mc.head_count)},
          {"verdict", VerdictName(mc.verdict)}};
      if (mc.p_value) values.emplace_back("p_value", fmt::format("{}", *mc.p_value));
      tc.system_out = KeyValues(values);
      if (mc.verdict == Verdict::kRegression) {
        tc.outcome = Outcome::kFailure;
        tc.type = "regression";
        tc.text = MetricFailureText(cell, mc);
        tc.message = tc.text;
      } else if (mc.verdict == Verdict::kInsufficient) {
        // Not a pass: nothing was shown about this metric.
        tc.outcome = Outcome::kSkipped;
        tc.type = "insufficient";
        tc.message = fmt::format("too few samples to compare {}: {} in the base, {} in the head",
                                 mc.metric, mc.base_count, mc.head_count);
      }
      suites.Add(cell.scenario, std::move(tc));
    }
  }
  for (const std::string& missing : comparison.missing_cells) {
    const std::string scenario = missing.substr(0, missing.find('/'));
    TestCase tc;
    tc.name = missing + ": present";
    tc.classname = missing;
    std::replace(tc.classname.begin(), tc.classname.end(), '/', '.');
    if (comparison.missing_is_failure) {
      tc.outcome = Outcome::kFailure;
      tc.type = "missing";
      tc.message = fmt::format("{} is in the base but not in the head", missing);
      tc.text = tc.message;
    }
    suites.Add(scenario, std::move(tc));
  }
}

std::string_view ElementName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kFailure:
      return "failure";
    case Outcome::kError:
      return "error";
    case Outcome::kSkipped:
      return "skipped";
    case Outcome::kPassed:
      break;
  }
  return "";
}

void WriteCase(const TestCase& tc, std::ostream& out) {
  out << fmt::format("    <testcase name=\"{}\" classname=\"{}\" time=\"0\"", XmlEscape(tc.name),
                     XmlEscape(tc.classname));
  if (tc.system_out.empty() && tc.outcome == Outcome::kPassed) {
    out << "/>\n";
    return;
  }
  out << ">\n";
  if (tc.outcome != Outcome::kPassed) {
    const std::string_view element = ElementName(tc.outcome);
    out << fmt::format("      <{} message=\"{}\" type=\"{}\"", element, XmlEscape(tc.message),
                       XmlEscape(tc.type));
    if (tc.text.empty()) {
      out << "/>\n";
    } else {
      out << fmt::format(">{}</{}>\n", XmlEscape(tc.text), element);
    }
  }
  if (!tc.system_out.empty()) {
    out << fmt::format("      <system-out>{}</system-out>\n", XmlEscape(tc.system_out));
  }
  out << "    </testcase>\n";
}

struct Counts {
  size_t tests = 0, failures = 0, errors = 0, skipped = 0;
  void Add(const TestCase& tc) {
    ++tests;
    failures += tc.outcome == Outcome::kFailure ? 1 : 0;
    errors += tc.outcome == Outcome::kError ? 1 : 0;
    skipped += tc.outcome == Outcome::kSkipped ? 1 : 0;
  }
};

}  // namespace

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  ForEachCodePoint(text, [&out](std::string_view sequence, char32_t c) {
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
        // XML 1.0 (section 2.2) allows tab, LF and CR among the C0 controls and excludes U+FFFE
        // and U+FFFF; a character reference cannot carry the others either (&#0; is not
        // well-formed), so they become U+FFFD, like invalid UTF-8, rather than being dropped:
        // the reader sees that something was there.
        const bool allowed =
            c >= 0x20 ? c != 0xFFFE && c != 0xFFFF : c == '\t' || c == '\n' || c == '\r';
        out += allowed ? sequence : kReplacementCharacter;
    }
  });
  return out;
}

void JunitReporter::Report(const ReportInput& input, std::ostream& out) {
  Suites suites;
  AddCellCases(input.results, suites);
  if (input.comparison != nullptr) AddComparisonCases(*input.comparison, suites);
  Counts total;
  for (const auto& [name, cases] : suites.cases) {
    for (const TestCase& tc : cases) total.Add(tc);
  }
  const results::Context& context = input.results.context;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  // Jenkins' schema has no `skipped` on <testsuites>; each <testsuite> carries it.
  out << fmt::format(
      "<testsuites name=\"agentreplay\" tests=\"{}\" failures=\"{}\" errors=\"{}\" "
      "time=\"0\">\n",
      total.tests, total.failures, total.errors);
  for (const std::string& suite : suites.order) {
    const std::vector<TestCase>& cases = suites.cases[suite];
    Counts counts;
    for (const TestCase& tc : cases) counts.Add(tc);
    out << fmt::format(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" "
        "time=\"0\" timestamp=\"{}\" hostname=\"{}\">\n",
        XmlEscape(suite), counts.tests, counts.failures, counts.errors, counts.skipped,
        XmlEscape(context.started_at),
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
