#include "llm/endpoints.h"

#include <array>
#include <string>
#include <vector>

namespace agentreplay {
namespace {

// Splits "/v1/threads/abc/runs" into {"threads", "abc", "runs"} (dropping "/v1" and query).
std::vector<std::string_view> Segments(std::string_view target) {
  if (auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < target.size()) {
    if (target[pos] == '/') {
      ++pos;
      continue;
    }
    size_t end = target.find('/', pos);
    if (end == std::string_view::npos) end = target.size();
    out.push_back(target.substr(pos, end - pos));
    pos = end;
  }
  if (!out.empty() && out.front() == "v1") out.erase(out.begin());
  return out;
}

struct Rule {
  std::string_view method;
  std::string_view pattern;  // '*' matches one id segment
  std::string_view name;
};

// Ordered table: data, not branches. Patterns are segment lists joined with '/'.
constexpr std::array kRules = {
    Rule{"POST", "responses", "responses.create"},
    Rule{"GET", "responses/*", "responses.retrieve"},
    Rule{"GET", "responses/*/input_items", "responses.input_items"},
    Rule{"POST", "responses/*/cancel", "responses.cancel"},
    Rule{"DELETE", "responses/*", "responses.delete"},
    Rule{"POST", "chat/completions", "chat.completions.create"},
    Rule{"POST", "assistants", "assistants.create"},
    Rule{"GET", "assistants/*", "assistants.retrieve"},
    Rule{"POST", "threads", "threads.create"},
    Rule{"POST", "threads/runs", "threads.create_and_run"},
    Rule{"GET", "threads/*", "threads.retrieve"},
    Rule{"POST", "threads/*/messages", "messages.create"},
    Rule{"GET", "threads/*/messages", "messages.list"},
    Rule{"GET", "threads/*/messages/*", "messages.retrieve"},
    Rule{"POST", "threads/*/runs", "runs.create"},
    Rule{"GET", "threads/*/runs", "runs.list"},
    Rule{"GET", "threads/*/runs/*", "runs.retrieve"},
    Rule{"POST", "threads/*/runs/*/cancel", "runs.cancel"},
    Rule{"POST", "threads/*/runs/*/submit_tool_outputs", "runs.submit_tool_outputs"},
    Rule{"GET", "threads/*/runs/*/steps", "runs.steps.list"},
    Rule{"GET", "threads/*/runs/*/steps/*", "runs.steps.retrieve"},
    Rule{"POST", "vector_stores", "vector_stores.create"},
    Rule{"GET", "vector_stores/*", "vector_stores.retrieve"},
};

bool Matches(std::string_view pattern, const std::vector<std::string_view>& segs) {
  size_t i = 0;
  size_t pos = 0;
  while (pos <= pattern.size()) {
    size_t end = pattern.find('/', pos);
    if (end == std::string_view::npos) end = pattern.size();
    const std::string_view part = pattern.substr(pos, end - pos);
    if (i >= segs.size()) return false;
    if (part != "*" && part != segs[i]) return false;
    // An id never equals a literal path word, so "threads/runs" is not "threads/*".
    if (part == "*" && (segs[i] == "runs" || segs[i].empty())) return false;
    ++i;
    pos = end + 1;
  }
  return i == segs.size();
}

}  // namespace

std::string_view ClassifyEndpoint(std::string_view method, std::string_view target) {
  const auto segs = Segments(target);
  for (const auto& rule : kRules) {
    if (rule.method == method && Matches(rule.pattern, segs)) return rule.name;
  }
  return "other";
}

}  // namespace agentreplay
