// Small RapidJSON helpers shared by the wire codecs. Only what several files need lives here.
// Outside text is parsed with ParseDocument (core/json_parse.h), never Document::Parse.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/expected.h"
#include "core/json_parse.h"

namespace agentreplay::json {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Writes a string value from a string_view (RapidJSON wants pointer + length).
inline void String(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
inline void Key(Writer& w, std::string_view s) {
  w.Key(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

// Serialises a value compactly.
std::string Compact(const rapidjson::Value& value);

// Parses `text` into `doc`; fails with "<message> at offset N".
Status Parse(std::string_view text, rapidjson::Document& doc);

// Member accessors that tolerate absence and wrong types (wire data is untrusted).
// The member `key` of any type; null when `obj` is no object or has none.
const rapidjson::Value* Member(const rapidjson::Value& obj, std::string_view key);
std::string_view GetString(const rapidjson::Value& obj, std::string_view key,
                           std::string_view fallback = {});
int64_t GetInt(const rapidjson::Value& obj, std::string_view key, int64_t fallback = 0);
const rapidjson::Value* GetObject(const rapidjson::Value& obj, std::string_view key);
const rapidjson::Value* GetArray(const rapidjson::Value& obj, std::string_view key);

}  // namespace agentreplay::json
