#include "reports/compare/selector.h"

#include <fmt/format.h>

#include <algorithm>

namespace agentreplay::reports {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

const std::string& CellDimension(const results::Cell& cell, std::string_view key) {
  if (key == "scenario") return cell.scenario;
  if (key == "runtime") return cell.runtime;
  return cell.variant;
}

bool Selector::Matches(const results::Cell& cell) const {
  return std::all_of(equals.begin(), equals.end(), [&](const auto& entry) {
    return CellDimension(cell, entry.first) == entry.second;
  });
}

std::string Selector::ToString() const {
  std::string text;
  for (std::string_view key : kSelectorKeys) {
    const auto it = equals.find(std::string(key));
    if (it == equals.end()) continue;
    if (!text.empty()) text += ',';
    text += fmt::format("{}={}", key, it->second);
  }
  return text;
}

Expected<Selector> ParseSelector(std::string_view text) {
  Selector selector;
  auto fail = [&](std::string_view why) {
    return Fail(
        fmt::format("selector \"{}\": {} (expected key=value[,key=value] with keys scenario, "
                    "runtime, variant)",
                    text, why));
  };
  if (Trim(text).empty()) return selector;
  std::string_view rest = text;
  while (true) {
    const size_t comma = rest.find(',');
    const std::string_view part = rest.substr(0, comma);
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos) return fail(fmt::format("\"{}\" has no '='", Trim(part)));
    const std::string key(Trim(part.substr(0, eq)));
    const std::string value(Trim(part.substr(eq + 1)));
    if (std::find(std::begin(kSelectorKeys), std::end(kSelectorKeys), key) ==
        std::end(kSelectorKeys)) {
      return fail(fmt::format("unknown key \"{}\"", key));
    }
    if (value.empty()) return fail(fmt::format("no value for \"{}\"", key));
    if (!selector.equals.emplace(key, value).second) {
      return fail(fmt::format("\"{}\" given twice", key));
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return selector;
}

}  // namespace agentreplay::reports
