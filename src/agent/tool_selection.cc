#include "agent/tool_selection.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace agentreplay {
namespace {

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

// ` phrase ` occurs in `text` with word boundaries on both sides.
bool ContainsWords(std::string_view text, std::string_view phrase) {
  if (phrase.empty()) return false;
  for (size_t pos = text.find(phrase); pos != std::string_view::npos;
       pos = text.find(phrase, pos + 1)) {
    const bool start_ok = pos == 0 || !IsWordChar(text[pos - 1]);
    const size_t end = pos + phrase.size();
    const bool end_ok = end == text.size() || !IsWordChar(text[end]);
    if (start_ok && end_ok) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> SelectPacks(const ToolPacks& packs, std::string_view user_message) {
  std::string lower(user_message);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::vector<std::string> out = packs.always;
  bool matched = false;
  for (const auto& rule : packs.rules) {
    const bool hit = std::any_of(rule.phrases.begin(), rule.phrases.end(),
                                 [&](const std::string& p) { return ContainsWords(lower, p); });
    if (!hit) continue;
    matched = true;
    if (std::find(out.begin(), out.end(), rule.pack) == out.end()) out.push_back(rule.pack);
  }
  if (!matched) {
    for (const auto& p : packs.when_unmatched) {
      if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
    }
  }
  return out;
}

std::vector<ToolSpec> ToolsForPacks(const ToolPacks& packs, const std::vector<std::string>& names,
                                    const std::vector<ToolSpec>& catalogue) {
  std::set<std::string> wanted;
  for (const auto& name : names) {
    auto it = packs.packs.find(name);
    if (it != packs.packs.end()) wanted.insert(it->second.begin(), it->second.end());
  }
  std::vector<ToolSpec> out;
  for (const auto& tool : catalogue) {
    if (wanted.count(tool.name) > 0) out.push_back(tool);
  }
  return out;
}

}  // namespace agentreplay
