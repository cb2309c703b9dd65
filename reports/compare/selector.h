// Which cells of a results document one side of a comparison takes: "key=value[,key=value]" with
// keys scenario, runtime and variant; "" selects every cell.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/expected.h"
#include "results/result_model.h"

namespace agentreplay::reports {

// The dimensions a cell is identified by within one world.
inline constexpr std::string_view kSelectorKeys[] = {"scenario", "runtime", "variant"};

struct Selector {
  std::map<std::string, std::string> equals;  // key → required value; empty selects everything

  bool Matches(const results::Cell& cell) const;
  // "variant=p0,runtime=responses" in key order; "" when empty.
  std::string ToString() const;
};

// Parses "key=value[,key=value]"; spaces around keys and values are ignored. On error, a sentence
// naming the text and the problem ("selector \"varient=p0\": unknown key \"varient\" (use
// scenario, runtime or variant)").
Expected<Selector> ParseSelector(std::string_view text);

// The value of dimension `key` ("scenario", "runtime", "variant") of `cell`.
const std::string& CellDimension(const results::Cell& cell, std::string_view key);

}  // namespace agentreplay::reports
