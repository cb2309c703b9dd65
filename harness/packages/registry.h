// The package registry (scenarios/packages.json) and the variants built from it.
//
// Packages are data: each names the settings it changes from the legacy agent. A variant is
// a set of packages ("p0+p2+p3", "baseline" for none); its settings are the legacy settings
// overlaid with every package's. Settings map onto the agent's options through one table
// (settings.cc), so adding a package never adds a branch to the code.
#pragma once

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/expected.h"
#include "harness/packages/settings.h"

namespace agentreplay::harness {

inline constexpr const char* kPackagesSchemaV1 = "agentreplay.packages/v1";
inline constexpr const char* kBaselineVariant = "baseline";

struct Package {
  std::string id;
  std::string name;
  std::string description;
  std::vector<std::string> moves;  // metrics it is expected to move
  SettingMap sets;
};

struct Variant {
  std::string name;  // package ids joined with '+' as given, or "baseline"
  std::vector<std::string> packages;
  VariantSettings settings;

  // The set of packages, order-free: "p0+p2" and "p2+p0" are the same variant.
  std::vector<std::string> Key() const {
    std::vector<std::string> k = packages;
    std::sort(k.begin(), k.end());
    return k;
  }
};

class Registry {
 public:
  // Loads and checks the registry; errors name the file and the JSON pointer.
  static Expected<Registry> Load(const std::filesystem::path& path);
  static Expected<Registry> Parse(std::string_view json, std::string_view file);

  const std::vector<Package>& packages() const { return packages_; }
  const std::map<std::string, std::vector<std::string>>& ladders() const { return ladders_; }
  const SettingMap& legacy() const { return legacy_; }
  const Package* Find(std::string_view id) const;

  // "baseline", "p0+p2" (any order; canonicalised), or a ladder name.
  Expected<Variant> ResolveVariant(std::string_view spec) const;
  // A comma-separated list of variants and ladder names, expanded in order without
  // duplicates. Empty: the default ladder.
  Expected<std::vector<Variant>> ResolveList(std::string_view list) const;

 private:
  SettingMap legacy_;
  std::vector<Package> packages_;
  std::map<std::string, std::vector<std::string>> ladders_;
};

}  // namespace agentreplay::harness
