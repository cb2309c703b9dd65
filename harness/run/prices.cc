#include "harness/run/prices.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "core/input_file.h"
#include "json/json_text.h"

namespace agentreplay::harness {

Expected<PriceTable> PriceTable::Load(const std::filesystem::path& path) {
  Expected<std::string> text = ReadInputFile(path);
  if (!text) return text.failure();
  return Parse(*text, path.string());
}

Expected<PriceTable> PriceTable::Parse(std::string_view json, std::string_view file) {
  rapidjson::Document doc;
  if (const auto error = json::ParseDocument(json, doc)) {
    return Fail(fmt::format("{}: invalid JSON at offset {}: {}", file, error->offset, error->what));
  }
  auto schema = doc.IsObject() ? doc.FindMember("schema") : doc.MemberEnd();
  if (!doc.IsObject() || schema == doc.MemberEnd() || !schema->value.IsString() ||
      std::string_view(schema->value.GetString()) != kPricesSchemaV1) {
    return Fail(fmt::format("{}: /schema: expected \"{}\"", file, kPricesSchemaV1));
  }
  auto models = doc.FindMember("models");
  if (models == doc.MemberEnd() || !models->value.IsObject()) {
    return Fail(fmt::format("{}: /models: expected an object of model prices", file));
  }
  PriceTable table;
  for (const auto& m : models->value.GetObject()) {
    const std::string name(m.name.GetString(), m.name.GetStringLength());
    Price price;
    for (auto [key, field] : {std::pair{"input_per_1m", &Price::input_per_1m},
                              std::pair{"output_per_1m", &Price::output_per_1m}}) {
      auto it = m.value.IsObject() ? m.value.FindMember(key) : m.value.MemberEnd();
      if (it == m.value.MemberEnd() || !it->value.IsNumber() || it->value.GetDouble() < 0) {
        return Fail(
            fmt::format("{}: /models/{}/{}: expected a non-negative number", file, name, key));
      }
      price.*field = it->value.GetDouble();
    }
    table.models_[name] = price;
  }
  return table;
}

std::optional<Price> PriceTable::Find(std::string_view model) const {
  if (auto it = models_.find(model); it != models_.end()) return it->second;
  const Price* best = nullptr;
  size_t best_len = 0;
  for (const auto& [name, price] : models_) {
    if (model.substr(0, name.size()) == name && name.size() > best_len) {
      best = &price;
      best_len = name.size();
    }
  }
  return best ? std::optional<Price>(*best) : std::nullopt;
}

}  // namespace agentreplay::harness
