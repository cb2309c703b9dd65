#include "reports/turn_errors.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "reports/table.h"

namespace agentreplay::reports {

double TurnErrors::RatePercent() const {
  return turns == 0 ? 0.0 : 100.0 * static_cast<double>(errors) / static_cast<double>(turns);
}

TurnErrors CountTurnErrors(const results::Cell& cell) {
  TurnErrors out;
  std::map<std::string, int64_t> counts;
  std::map<std::string, std::string> first_message;
  for (const results::Sample& s : cell.samples) {
    if (s.warmup) continue;
    ++out.turns;
    if (s.ok) continue;
    ++out.errors;
    std::string reason = !s.error_reason.empty() ? s.error_reason
                         : !s.error_kind.empty() ? s.error_kind
                                                 : "unknown";
    if (counts[reason]++ == 0) {
      first_message[reason] =
          s.error_kind.empty() || s.error_kind == reason
              ? s.error_message
              : fmt::format("{} error{}", s.error_kind,
                            s.error_message.empty() ? "" : ": " + s.error_message);
    }
  }
  out.reasons.assign(counts.begin(), counts.end());
  std::stable_sort(out.reasons.begin(), out.reasons.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [reason, count] : out.reasons) {
    const std::string& message = first_message[reason];
    out.details.push_back(OneLine(fmt::format("{} x{}{}", reason, count,
                                              message.empty() ? "" : " (first: " + message + ")")));
  }
  return out;
}

std::string ReasonList(const TurnErrors& errors) {
  std::string text;
  for (const auto& [reason, count] : errors.reasons) {
    if (!text.empty()) text += ", ";
    text += fmt::format("{} x{}", reason, count);
  }
  return text;
}

std::string TurnErrorSummary(const TurnErrors& errors) {
  std::string text = fmt::format("{} of {} turns failed", errors.errors, errors.turns);
  if (errors.errors > 0) text += ": " + ReasonList(errors);
  return text;
}

}  // namespace agentreplay::reports
