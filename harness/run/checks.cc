#include "harness/run/checks.h"

#include <fmt/format.h>

#include <algorithm>

namespace agentreplay::harness {

std::vector<CheckOutcome> EvaluateTurn(const mocks::TurnScript& script, int turn_index,
                                       const TurnResult& result) {
  std::vector<CheckOutcome> out;
  const std::string prefix = fmt::format("turn {}: ", turn_index + 1);
  const std::string failed = result.error ? fmt::format("turn failed: {} ({})",
                                                        result.error->reason, result.error->message)
                                          : std::string();

  out.push_back({prefix + "completes", result.ok, failed});
  for (const auto& needle : script.expect.answer_contains) {
    CheckOutcome c{fmt::format("{}answer contains \"{}\"", prefix, needle), false, failed};
    if (result.ok) {
      c.ok = result.answer.find(needle) != std::string::npos;
      if (!c.ok) c.detail = fmt::format("answer was \"{}\"", result.answer);
    }
    out.push_back(std::move(c));
  }
  for (const auto& tool : script.expect.tools_called) {
    CheckOutcome c{fmt::format("{}calls {}", prefix, tool), false, failed};
    const bool called = std::any_of(result.tool_calls.begin(), result.tool_calls.end(),
                                    [&](const ToolCall& call) { return call.name == tool; });
    if (result.ok || called) {
      c.ok = called;
      c.detail = called ? std::string() : fmt::format("{} was not called", tool);
    }
    out.push_back(std::move(c));
  }
  // Tool results: a tool error no longer passes silently, and an output can be asked for.
  auto call_of = [&](const ToolOutput& output) -> const ToolCall* {
    for (const auto& call : result.tool_calls) {
      if (call.call_id == output.call_id) return &call;
    }
    return nullptr;
  };
  if (!script.expect.tool_errors_allowed &&
      (!result.tool_outputs.empty() || !script.expect.tools_called.empty())) {
    CheckOutcome c{prefix + "no tool call failed", true, {}};
    for (const auto& output : result.tool_outputs) {
      if (!output.is_error) continue;
      const ToolCall* call = call_of(output);
      c.ok = false;
      c.detail = fmt::format("{} failed: {}", call ? call->name : output.call_id,
                             output.output.substr(0, 200));
      break;
    }
    out.push_back(std::move(c));
  }
  for (const auto& [tool, texts] : script.expect.tool_output_contains) {
    for (const auto& text : texts) {
      CheckOutcome c{fmt::format("{}{} output contains \"{}\"", prefix, tool, text), false, {}};
      bool called = false;
      for (const auto& output : result.tool_outputs) {
        const ToolCall* call = call_of(output);
        if (call == nullptr || call->name != tool) continue;
        called = true;
        if (output.output.find(text) != std::string::npos) c.ok = true;
      }
      if (!c.ok) {
        c.detail = called ? fmt::format("no output of {} contains it", tool)
                          : (failed.empty() ? fmt::format("{} was not called", tool) : failed);
      }
      out.push_back(std::move(c));
    }
  }
  if (script.expect.file_search_used) {
    const bool want = *script.expect.file_search_used;
    CheckOutcome c{fmt::format("{}{}uses file_search", prefix, want ? "" : "never "), false,
                   failed};
    if (result.ok) {
      c.ok = result.used_file_search == want;
      if (!c.ok) c.detail = want ? "the model did not search the vector store" : "it did";
    }
    out.push_back(std::move(c));
  }
  return out;
}

void AccumulateChecks(const std::vector<CheckOutcome>& outcomes,
                      std::vector<results::Check>& checks) {
  for (const auto& o : outcomes) {
    auto it = std::find_if(checks.begin(), checks.end(),
                           [&](const results::Check& c) { return c.name == o.name; });
    if (it == checks.end()) {
      checks.push_back(results::Check{o.name, true, 0, 0, {}});
      it = std::prev(checks.end());
    }
    ++it->total;
    if (o.ok) {
      ++it->passed;
    } else {
      if (it->ok) it->detail = o.detail;  // keep the first failure's explanation
      it->ok = false;
    }
  }
}

}  // namespace agentreplay::harness
