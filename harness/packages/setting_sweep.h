// Setting overrides and sweeps from the command line (`run --set NAME=VALUE[,VALUE...]`).
//
// A package fixes each of its numbers (p0's poll interval, px's pool size, pr's retry limits,
// pb's batch size) to one value, so a ladder shows one point of each trade-off. An override
// changes a number in every variant of the matrix; a list of values sweeps it, adding a
// dimension: each variant runs once per value (per combination, with several --set). The
// variant's name says what was overridden, "PACKAGES@NAME=VALUE[@NAME=VALUE...]", so results,
// reports, comparisons between runs and recordings keep the points apart, and each point is
// compared with the baseline under the same overrides ("baseline@poll_interval_ms=50").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/expected.h"
#include "harness/packages/registry.h"
#include "harness/packages/settings.h"

namespace agentreplay::harness {

struct SettingSweep {
  std::string name;
  std::vector<SettingValue> values;
  std::vector<std::string> spelled;  // each value as given, for the variant's name
};

// Parses "NAME=VALUE[,VALUE...]": a value is true or false, a number, or a word. Fails, naming
// the argument, for an unknown setting (with the known ones), a missing '=' or value, a value
// the setting refuses, or a repeated value.
Expected<SettingSweep> ParseSettingSweep(std::string_view spec);

// Every variant under every combination of the sweeps' values, in order (variants outermost,
// then the first sweep). Fails when two sweeps name the same setting. No sweeps: `variants`.
Expected<std::vector<Variant>> ApplySweeps(const std::vector<Variant>& variants,
                                           const std::vector<SettingSweep>& sweeps);

}  // namespace agentreplay::harness
