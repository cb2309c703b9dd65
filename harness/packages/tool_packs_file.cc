#include "harness/packages/tool_packs_file.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "core/input_file.h"
#include "json/json_text.h"

namespace agentreplay::harness {
namespace {

using rapidjson::Value;

// Reads an array of non-empty strings; returns false (and sets `error`) otherwise.
bool Strings(const Value& v, const std::string& where, std::vector<std::string>& out,
             std::string& error) {
  if (!v.IsArray()) {
    error = where + ": expected an array of strings";
    return false;
  }
  for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
    if (!v[i].IsString() || v[i].GetStringLength() == 0) {
      error = fmt::format("{}/{}: expected a non-empty string", where, i);
      return false;
    }
    out.emplace_back(v[i].GetString(), v[i].GetStringLength());
  }
  return true;
}

}  // namespace

Expected<ToolPacks> LoadToolPacks(const std::filesystem::path& path) {
  Expected<std::string> text = ReadInputFile(path);
  if (!text) return text.failure();
  return ParseToolPacks(*text, path.string());
}

Expected<ToolPacks> ParseToolPacks(std::string_view json, std::string_view file) {
  rapidjson::Document doc;
  if (const auto error = json::ParseDocument(json, doc)) {
    return Fail(fmt::format("{}: invalid JSON at offset {}: {}", file, error->offset, error->what));
  }
  const auto fail = [&](const std::string& what) {
    return Fail(fmt::format("{}: {}", file, what));
  };
  if (!doc.IsObject() || !doc.HasMember("schema") || !doc["schema"].IsString() ||
      std::string_view(doc["schema"].GetString()) != kToolPacksSchemaV1) {
    return fail(fmt::format("/schema: expected \"{}\"", kToolPacksSchemaV1));
  }
  ToolPacks out;
  std::string error;
  if (!doc.HasMember("packs") || !doc["packs"].IsObject())
    return fail("/packs: expected an object");
  for (const auto& m : doc["packs"].GetObject()) {
    const std::string name(m.name.GetString(), m.name.GetStringLength());
    if (!Strings(m.value, "/packs/" + name, out.packs[name], error)) return fail(error);
  }
  const auto known = [&](const std::string& pack) { return out.packs.count(pack) > 0; };
  for (const char* key : {"always", "when_unmatched"}) {
    if (!doc.HasMember(key)) continue;
    auto& list = std::string_view(key) == "always" ? out.always : out.when_unmatched;
    if (!Strings(doc[key], std::string("/") + key, list, error)) return fail(error);
    for (size_t i = 0; i < list.size(); ++i) {
      if (!known(list[i])) return fail(fmt::format("/{}/{}: unknown pack '{}'", key, i, list[i]));
    }
  }
  if (!doc.HasMember("rules") || !doc["rules"].IsArray()) return fail("/rules: expected an array");
  for (rapidjson::SizeType i = 0; i < doc["rules"].Size(); ++i) {
    const Value& r = doc["rules"][i];
    const std::string where = fmt::format("/rules/{}", i);
    if (!r.IsObject() || !r.HasMember("pack") || !r["pack"].IsString() || !r.HasMember("words")) {
      return fail(where + ": expected {\"pack\": name, \"words\": [...]}");
    }
    IntentRule rule;
    rule.pack = r["pack"].GetString();
    if (!known(rule.pack)) return fail(fmt::format("{}/pack: unknown pack '{}'", where, rule.pack));
    if (!Strings(r["words"], where + "/words", rule.phrases, error)) return fail(error);
    for (auto& p : rule.phrases) {
      for (auto& c : p) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    out.rules.push_back(std::move(rule));
  }
  return out;
}

}  // namespace agentreplay::harness
