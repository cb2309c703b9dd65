#include "harness/packages/setting_sweep.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

namespace agentreplay::harness {
namespace {

SettingValue ParseValue(std::string_view text) {
  if (text == "true") return true;
  if (text == "false") return false;
  double number = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, number);
  if (ec == std::errc() && ptr == end && std::isfinite(number)) return number;
  return std::string(text);
}

std::vector<std::string_view> Split(std::string_view list) {
  std::vector<std::string_view> out;
  for (;;) {
    const std::size_t comma = list.find(',');
    out.push_back(list.substr(0, comma));
    if (comma == std::string_view::npos) return out;
    list.remove_prefix(comma + 1);
  }
}

}  // namespace

Expected<SettingSweep> ParseSettingSweep(std::string_view spec) {
  const std::size_t eq = spec.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return Fail(fmt::format("--set '{}': expected NAME=VALUE[,VALUE...]", spec));
  }
  SettingSweep sweep;
  sweep.name = std::string(spec.substr(0, eq));
  const auto names = SettingNames();
  if (std::find(names.begin(), names.end(), sweep.name) == names.end()) {
    return Fail(fmt::format("--set '{}': unknown setting '{}' (settings: {})", spec, sweep.name,
                            fmt::join(names, ", ")));
  }
  for (std::string_view text : Split(spec.substr(eq + 1))) {
    if (text.empty()) return Fail(fmt::format("--set '{}': an empty value", spec));
    if (std::find(sweep.spelled.begin(), sweep.spelled.end(), text) != sweep.spelled.end()) {
      return Fail(fmt::format("--set '{}': value '{}' twice", spec, text));
    }
    const SettingValue value = ParseValue(text);
    VariantSettings scratch;
    if (auto applied = ApplySetting(scratch, sweep.name, value); !applied) {
      return Fail(
          fmt::format("--set '{}': {} for {}, got '{}'", spec, applied.error(), sweep.name, text));
    }
    sweep.values.push_back(value);
    sweep.spelled.emplace_back(text);
  }
  return sweep;
}

Expected<std::vector<Variant>> ApplySweeps(const std::vector<Variant>& variants,
                                           const std::vector<SettingSweep>& sweeps) {
  for (std::size_t i = 0; i < sweeps.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (sweeps[i].name == sweeps[j].name) {
        return Fail(
            fmt::format("--set names '{}' twice; give its values as one list "
                        "(--set {}=A,B)",
                        sweeps[i].name, sweeps[i].name));
      }
    }
  }
  std::vector<Variant> out = variants;
  for (const SettingSweep& sweep : sweeps) {
    std::vector<Variant> next;
    next.reserve(out.size() * sweep.values.size());
    for (const Variant& v : out) {
      for (std::size_t k = 0; k < sweep.values.size(); ++k) {
        Variant swept = v;
        // Checked by ParseSettingSweep.
        (void)ApplySetting(swept.settings, sweep.name, sweep.values[k]);
        swept.name += fmt::format("@{}={}", sweep.name, sweep.spelled[k]);
        next.push_back(std::move(swept));
      }
    }
    out = std::move(next);
  }
  return out;
}

}  // namespace agentreplay::harness
