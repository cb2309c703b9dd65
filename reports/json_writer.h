// The JSON writer the tool formats (gbench, github-benchmark, bencher) share: RapidJSON's pretty
// writer with two-space indentation and doubles limited to six decimals, so values computed from
// integer nanoseconds print exactly and arithmetic noise stays out of golden files. Kept in one
// place so the heavy header is included by the reporters' .cc files only.
#pragma once

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <cmath>
#include <string_view>

namespace agentreplay::reports {

class JsonWriter {
 public:
  JsonWriter() : writer_(buffer_) {
    writer_.SetIndent(' ', 2);
    writer_.SetMaxDecimalPlaces(6);
  }

  void StartObject() { writer_.StartObject(); }
  void EndObject() { writer_.EndObject(); }
  void StartArray() { writer_.StartArray(); }
  void EndArray() { writer_.EndArray(); }
  void Key(std::string_view key) {
    writer_.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()), true);
  }
  void String(std::string_view value) {
    writer_.String(value.data(), static_cast<rapidjson::SizeType>(value.size()), true);
  }
  // Not-finite numbers are not JSON: written as null.
  void Double(double value) {
    if (std::isfinite(value)) {
      writer_.Double(value);
    } else {
      writer_.Null();
    }
  }
  void Int(int64_t value) { writer_.Int64(value); }
  void Bool(bool value) { writer_.Bool(value); }

  // The document so far, with a final newline.
  std::string Text() const { return std::string(buffer_.GetString(), buffer_.GetSize()) + "\n"; }

 private:
  rapidjson::StringBuffer buffer_;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer_;
};

}  // namespace agentreplay::reports
