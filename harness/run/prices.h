// The price table (scenarios/prices.json) behind cost_usd.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <variant>

#include "core/expected.h"
#include "harness/measure/metrics.h"

namespace agentreplay::harness {

inline constexpr const char* kPricesSchemaV1 = "agentreplay.prices/v1";

class PriceTable {
 public:
  static Expected<PriceTable> Load(const std::filesystem::path& path);
  static Expected<PriceTable> Parse(std::string_view json, std::string_view file);

  // Exact model name first; otherwise the longest listed name the model starts with, so a
  // dated snapshot ("gpt-4o-mini-2024-07-18") takes its family's price.
  std::optional<Price> Find(std::string_view model) const;

 private:
  std::map<std::string, Price, std::less<>> models_;
};

}  // namespace agentreplay::harness
