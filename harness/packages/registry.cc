#include "harness/packages/registry.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "core/input_file.h"
#include "json/json_text.h"

namespace agentreplay::harness {
namespace {

using rapidjson::Value;

std::string_view Str(const Value& v) { return {v.GetString(), v.GetStringLength()}; }

// Collects the first error with the file and JSON pointer in front.
struct Errors {
  std::string file;
  std::string first;
  bool Fail(std::string_view pointer, std::string_view message) {
    if (first.empty())
      first = fmt::format("{}: {}: {}", file, pointer.empty() ? "/" : pointer, message);
    return false;
  }
};

bool ReadSettings(const Value& obj, const std::string& ptr, SettingMap& out, Errors& errors) {
  if (!obj.IsObject()) return errors.Fail(ptr, "expected an object of settings");
  VariantSettings probe;
  for (const auto& m : obj.GetObject()) {
    const std::string name(Str(m.name));
    SettingValue value;
    if (m.value.IsBool()) {
      value = m.value.GetBool();
    } else if (m.value.IsNumber()) {
      value = m.value.GetDouble();
    } else if (m.value.IsString()) {
      value = std::string(Str(m.value));
    } else {
      return errors.Fail(ptr + "/" + name, "expected a boolean, number or string");
    }
    if (auto applied = ApplySetting(probe, name, value); !applied) {
      return errors.Fail(ptr + "/" + name, applied.error());
    }
    out[name] = std::move(value);
  }
  return true;
}

bool ReadString(const Value& obj, const char* key, const std::string& ptr, std::string& out,
                Errors& errors) {
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd())
    return errors.Fail(ptr, fmt::format("missing required field '{}'", key));
  if (!it->value.IsString() || it->value.GetStringLength() == 0) {
    return errors.Fail(ptr + "/" + key, "expected a non-empty string");
  }
  out = Str(it->value);
  return true;
}

std::vector<std::string> SplitList(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t end = s.find(sep, pos);
    if (end == std::string_view::npos) end = s.size();
    std::string part(s.substr(pos, end - pos));
    part.erase(0, part.find_first_not_of(' '));
    part.erase(part.find_last_not_of(' ') + 1);
    out.push_back(part);
    pos = end + 1;
  }
  return out;
}

}  // namespace

const Package* Registry::Find(std::string_view id) const {
  for (const auto& p : packages_) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

Expected<Registry> Registry::Load(const std::filesystem::path& path) {
  Expected<std::string> text = ReadInputFile(path);
  if (!text) return text.failure();
  return Parse(*text, path.string());
}

Expected<Registry> Registry::Parse(std::string_view json, std::string_view file) {
  Errors errors{std::string(file), {}};
  rapidjson::Document doc;
  if (const auto error = json::ParseDocument(json, doc)) {
    return Fail(fmt::format("{}: invalid JSON at offset {}: {}", file, error->offset, error->what));
  }
  if (!doc.IsObject()) return Fail(fmt::format("{}: /: expected an object", file));
  Registry reg;
  std::string schema;
  if (!ReadString(doc, "schema", "", schema, errors)) return Fail(errors.first);
  if (schema != kPackagesSchemaV1) {
    errors.Fail("/schema",
                fmt::format("unsupported schema '{}'; expected '{}'", schema, kPackagesSchemaV1));
    return Fail(errors.first);
  }
  auto legacy = doc.FindMember("legacy");
  if (legacy == doc.MemberEnd()) {
    errors.Fail("", "missing required field 'legacy'");
    return Fail(errors.first);
  }
  if (!ReadSettings(legacy->value, "/legacy", reg.legacy_, errors)) return Fail(errors.first);

  auto packages = doc.FindMember("packages");
  if (packages == doc.MemberEnd() || !packages->value.IsArray()) {
    errors.Fail("/packages", "expected an array of packages");
    return Fail(errors.first);
  }
  for (rapidjson::SizeType i = 0; i < packages->value.Size(); ++i) {
    const Value& p = packages->value[i];
    const std::string ptr = fmt::format("/packages/{}", i);
    if (!p.IsObject()) {
      errors.Fail(ptr, "expected an object");
      return Fail(errors.first);
    }
    Package pkg;
    if (!ReadString(p, "id", ptr, pkg.id, errors) ||
        !ReadString(p, "name", ptr, pkg.name, errors) ||
        !ReadString(p, "description", ptr, pkg.description, errors)) {
      return Fail(errors.first);
    }
    if (pkg.id == kBaselineVariant || pkg.id.find_first_of("+, ") != std::string::npos ||
        reg.Find(pkg.id) != nullptr) {
      errors.Fail(ptr + "/id",
                  fmt::format("package id '{}' is reserved, malformed or repeated", pkg.id));
      return Fail(errors.first);
    }
    if (auto moves = p.FindMember("moves"); moves != p.MemberEnd() && moves->value.IsArray()) {
      for (const auto& m : moves->value.GetArray()) {
        if (m.IsString()) pkg.moves.emplace_back(Str(m));
      }
    }
    auto sets = p.FindMember("sets");
    if (sets == p.MemberEnd()) {
      errors.Fail(ptr, "missing required field 'sets'");
      return Fail(errors.first);
    }
    if (!ReadSettings(sets->value, ptr + "/sets", pkg.sets, errors)) return Fail(errors.first);
    reg.packages_.push_back(std::move(pkg));
  }

  if (auto ladders = doc.FindMember("ladders"); ladders != doc.MemberEnd()) {
    if (!ladders->value.IsObject()) {
      errors.Fail("/ladders", "expected an object of ladders");
      return Fail(errors.first);
    }
    for (const auto& l : ladders->value.GetObject()) {
      const std::string name(Str(l.name));
      const std::string ptr = "/ladders/" + name;
      if (!l.value.IsArray()) {
        errors.Fail(ptr, "expected an array of variants");
        return Fail(errors.first);
      }
      std::vector<std::string> rungs;
      for (rapidjson::SizeType i = 0; i < l.value.Size(); ++i) {
        const Value& rung = l.value[i];
        if (!rung.IsString()) {
          errors.Fail(fmt::format("{}/{}", ptr, i), "expected a variant name");
          return Fail(errors.first);
        }
        auto resolved = reg.ResolveVariant(Str(rung));
        if (!resolved) {
          errors.Fail(fmt::format("{}/{}", ptr, i), resolved.error());
          return Fail(errors.first);
        }
        rungs.emplace_back(Str(rung));
      }
      reg.ladders_[name] = std::move(rungs);
    }
  }
  if (reg.ladders_.count("default") == 0) {
    errors.Fail("/ladders", "missing the 'default' ladder");
    return Fail(errors.first);
  }
  return reg;
}

Expected<Variant> Registry::ResolveVariant(std::string_view spec) const {
  Variant v;
  if (spec != kBaselineVariant) {
    for (auto& id : SplitList(spec, '+')) {
      if (Find(id) == nullptr) {
        std::string known;
        for (const auto& p : packages_) known += (known.empty() ? "" : ", ") + p.id;
        return Fail(
            fmt::format("unknown package '{}' in variant '{}' (packages: {})", id, spec, known));
      }
      if (std::find(v.packages.begin(), v.packages.end(), id) != v.packages.end()) {
        return Fail(fmt::format("package '{}' twice in variant '{}'", id, spec));
      }
      v.packages.push_back(id);
    }
  }
  // Packages apply in the order given; the name keeps that order too (ladders read in order
  // of return on investment), while Variant::Key() compares sets.
  SettingMap merged = legacy_;
  std::map<std::string, std::string> set_by;
  for (const auto& id : v.packages) {
    for (const auto& [name, value] : Find(id)->sets) {
      auto prev = set_by.find(name);
      if (prev != set_by.end() && merged[name] != value) {
        return Fail(fmt::format("packages '{}' and '{}' both set '{}' differently", prev->second,
                                id, name));
      }
      merged[name] = value;
      set_by[name] = id;
    }
  }
  // Every value was checked when the registry was read.
  for (const auto& [name, value] : merged) (void)ApplySetting(v.settings, name, value);
  v.name = v.packages.empty() ? kBaselineVariant : "";
  for (const auto& id : v.packages) v.name += (v.name.empty() ? "" : "+") + id;
  return v;
}

Expected<std::vector<Variant>> Registry::ResolveList(std::string_view list) const {
  std::vector<std::string> specs;
  for (const auto& item : SplitList(list.empty() ? "default" : list, ',')) {
    if (item.empty()) continue;
    auto ladder = ladders_.find(item);
    if (ladder != ladders_.end()) {
      specs.insert(specs.end(), ladder->second.begin(), ladder->second.end());
    } else {
      specs.push_back(item);
    }
  }
  std::vector<Variant> out;
  for (const auto& spec : specs) {
    auto resolved = ResolveVariant(spec);
    if (!resolved) return resolved.failure();
    Variant& v = *resolved;
    const bool seen =
        std::any_of(out.begin(), out.end(), [&](const Variant& o) { return o.Key() == v.Key(); });
    if (!seen) out.push_back(std::move(v));
  }
  if (out.empty()) return Fail("no variants given");
  return out;
}

}  // namespace agentreplay::harness
