#include "json/json_text.h"

#include <fmt/format.h>
#include <rapidjson/error/en.h>

namespace agentreplay::json {

const rapidjson::Value* Member(const rapidjson::Value& obj, std::string_view key) {
  if (!obj.IsObject()) return nullptr;
  auto it = obj.FindMember(rapidjson::Value(
      rapidjson::StringRef(key.data(), static_cast<rapidjson::SizeType>(key.size()))));
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::string Compact(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

Status Parse(std::string_view text, rapidjson::Document& doc) {
  auto error = ParseDocument(text, doc);
  if (!error) return {};
  return Fail(fmt::format("{} at offset {}", error->what, error->offset));
}

std::string_view GetString(const rapidjson::Value& obj, std::string_view key,
                           std::string_view fallback) {
  const auto* v = Member(obj, key);
  if (v == nullptr || !v->IsString()) return fallback;
  return {v->GetString(), v->GetStringLength()};
}

int64_t GetInt(const rapidjson::Value& obj, std::string_view key, int64_t fallback) {
  const auto* v = Member(obj, key);
  if (v == nullptr || !v->IsInt64()) return fallback;
  return v->GetInt64();
}

const rapidjson::Value* GetObject(const rapidjson::Value& obj, std::string_view key) {
  const auto* v = Member(obj, key);
  return v != nullptr && v->IsObject() ? v : nullptr;
}

const rapidjson::Value* GetArray(const rapidjson::Value& obj, std::string_view key) {
  const auto* v = Member(obj, key);
  return v != nullptr && v->IsArray() ? v : nullptr;
}

}  // namespace agentreplay::json
