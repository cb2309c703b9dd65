#include "mocks/api/wire_json.h"

#include "tools/tool_args.h"

namespace agentreplay::mocks {

bool IsUtf8(std::string_view s) { return IsValidUtf8(s); }

std::string RepairUtf8(std::string_view s) { return ReplaceInvalidUtf8(s); }

std::string TakePretty(const rapidjson::StringBuffer& buffer) {
  std::string out(buffer.GetString(), buffer.GetSize());
  // Outside strings a JSON text has no backslash, and inside one every backslash starts an
  // escape, so scanning escape by escape from the left never misreads "\\u" as "\u".
  for (size_t i = 0; i + 1 < out.size(); ++i) {
    if (out[i] != '\\') continue;
    if (out[i + 1] == 'u') {
      for (size_t k = i + 2; k < i + 6 && k < out.size(); ++k) {
        if (out[k] >= 'A' && out[k] <= 'F') out[k] = static_cast<char>(out[k] - 'A' + 'a');
      }
    }
    ++i;  // skip the escaped character
  }
  return out;
}

std::string PrettyJson(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  PrettyJsonWriter writer(buffer);
  ConfigurePretty(writer);
  value.Accept(writer);
  return TakePretty(buffer);
}

std::string CompactJson(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  CompactJsonWriter writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

const rapidjson::Value* FindMember(const rapidjson::Value* obj, std::string_view key) {
  if (obj == nullptr || !obj->IsObject()) return nullptr;
  const auto it = obj->FindMember(rapidjson::Value(
      rapidjson::StringRef(key.data(), static_cast<rapidjson::SizeType>(key.size()))));
  return it == obj->MemberEnd() ? nullptr : &it->value;
}

}  // namespace agentreplay::mocks
