#include "tools/tool_args.h"

#include <fmt/format.h>
#include <rapidjson/error/en.h>

#include <cmath>
#include <exception>
#include <limits>

#include "json/json_text.h"
#include "tools/workspace.h"

namespace agentreplay {
namespace {

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string Join(std::initializer_list<std::string_view> values) {
  std::string out;
  for (std::string_view v : values) {
    if (!out.empty()) out += ", ";
    out += v;
  }
  return out;
}

// A value of the model's echoed in a message: shortened, so an error stays small.
std::string Echo(std::string_view value) {
  constexpr size_t kMax = 60;
  if (value.size() <= kMax) return std::string(value);
  const size_t cut = ScanUtf8(value.substr(0, kMax)).valid;  // never split a character
  return std::string(value.substr(0, cut)) + "...";
}

std::string IntegerRange(int64_t min, int64_t max) {
  if (max == std::numeric_limits<int64_t>::max()) {
    return min == 1 ? "a positive integer" : fmt::format("an integer of at least {}", min);
  }
  return fmt::format("an integer from {} to {}", min, max);
}

}  // namespace

Status ParseUntrustedJson(std::string_view text, rapidjson::Document& doc) {
  const auto error = json::ParseDocument<rapidjson::kParseValidateEncodingFlag>(text, doc);
  if (!error) return {};
  const size_t offset = error->offset;
  size_t line = 1;
  size_t column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return Fail(
      fmt::format("{} at offset {} (line {}, column {})", error->what, offset, line, column));
}

Utf8Scan ScanUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto lead = static_cast<unsigned char>(s[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    size_t length = 0;
    uint32_t code = 0;
    uint32_t min = 0;
    if ((lead & 0xE0) == 0xC0) {
      length = 2;
      code = lead & 0x1Fu;
      min = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      code = lead & 0x0Fu;
      min = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      code = lead & 0x07u;
      min = 0x10000;
    } else {
      return {i, false};
    }
    size_t j = 1;
    for (; j < length && i + j < s.size(); ++j) {
      const auto next = static_cast<unsigned char>(s[i + j]);
      if ((next & 0xC0) != 0x80) return {i, false};
      code = (code << 6) | (next & 0x3Fu);
    }
    if (j < length) return {i, true};  // the text ends inside this character
    // Overlong forms, UTF-16 surrogates and code points past Unicode are not UTF-8.
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return {i, false};
    i += length;
  }
  return {i, false};
}

std::string ReplaceInvalidUtf8(std::string_view text) {
  std::string out;
  while (!text.empty()) {
    const size_t valid = ScanUtf8(text).valid;
    out.append(text.substr(0, valid));
    text.remove_prefix(valid);
    if (!text.empty()) {
      out += "\xEF\xBF\xBD";
      text.remove_prefix(1);
    }
  }
  return out;
}

void ArgReader::Fail(std::string message) {
  if (error_.empty()) error_ = std::move(message);
}

ToolResult ArgReader::Error() const { return ToolError("invalid_arguments", error_); }

const rapidjson::Value* ArgReader::Find(std::string_view key, Need need) {
  if (!ok()) return nullptr;
  const auto it = object_.FindMember(
      rapidjson::StringRef(key.data(), static_cast<rapidjson::SizeType>(key.size())));
  if (it == object_.MemberEnd() || it->value.IsNull()) {
    if (need == Need::kRequired) Fail("missing required argument " + Name(key));
    return nullptr;
  }
  return &it->value;
}

void ArgReader::OnlyKeys(std::initializer_list<std::string_view> allowed, std::string_view noun) {
  if (!ok()) return;
  for (const auto& member : object_.GetObject()) {
    const std::string_view key(member.name.GetString(), member.name.GetStringLength());
    bool known = false;
    for (std::string_view a : allowed) known = known || a == key;
    if (!known) {
      Fail(fmt::format("unknown {} '{}'; allowed {}s: {}", noun, Echo(key), noun, Join(allowed)));
      return;
    }
  }
}

std::optional<std::string> ArgReader::String(std::string_view key, Need need, size_t min_length,
                                             size_t max_length) {
  const auto* v = Find(key, need);
  if (v == nullptr) return std::nullopt;
  if (!v->IsString()) {
    Fail(Name(key) + " must be a string");
    return std::nullopt;
  }
  std::string value(v->GetString(), v->GetStringLength());
  const size_t length = CodePoints(value);
  if (length < min_length) {
    Fail(min_length == 1 ? Name(key) + " must not be empty"
                         : fmt::format("{} must be at least {} characters", Name(key), min_length));
    return std::nullopt;
  }
  if (length > max_length) {
    Fail(fmt::format("{} is longer than {} characters", Name(key), max_length));
    return std::nullopt;
  }
  return value;
}

std::optional<int64_t> ArgReader::Integer(std::string_view key, Need need, int64_t min,
                                          int64_t max) {
  const auto* v = Find(key, need);
  if (v == nullptr) return std::nullopt;
  std::optional<int64_t> value;
  if (v->IsInt64()) {
    value = v->GetInt64();
  } else if (v->IsDouble()) {
    // JSON Schema counts 20.0 as an integer; models sometimes write numbers that way.
    const double d = v->GetDouble();
    if (std::trunc(d) == d && std::fabs(d) < 9.0e15) value = static_cast<int64_t>(d);
  }
  if (!value || *value < min || *value > max) {
    Fail(fmt::format("{} must be {} (got {})", Name(key), IntegerRange(min, max),
                     Echo(json::Compact(*v))));
    return std::nullopt;
  }
  return value;
}

std::optional<bool> ArgReader::Bool(std::string_view key) {
  const auto* v = Find(key, Need::kOptional);
  if (v == nullptr) return std::nullopt;
  if (!v->IsBool()) {
    Fail(Name(key) + " must be true or false");
    return std::nullopt;
  }
  return v->GetBool();
}

std::optional<std::string> ArgReader::Enum(std::string_view key, Need need,
                                           std::initializer_list<std::string_view> values) {
  const auto* v = Find(key, need);
  if (v == nullptr) return std::nullopt;
  if (v->IsString()) {
    const std::string_view s(v->GetString(), v->GetStringLength());
    for (std::string_view allowed : values) {
      if (s == allowed) return std::string(s);
    }
  }
  Fail(fmt::format("{} must be one of: {} (got {})", Name(key), Join(values),
                   Echo(json::Compact(*v))));
  return std::nullopt;
}

std::optional<std::vector<std::string>> ArgReader::StringList(std::string_view key,
                                                              size_t max_items, size_t max_length) {
  const auto* v = Find(key, Need::kOptional);
  if (v == nullptr) return std::nullopt;
  if (!v->IsArray()) {
    Fail(Name(key) + " must be an array of strings");
    return std::nullopt;
  }
  if (v->Size() > max_items) {
    Fail(fmt::format("{} has more than {} items", Name(key), max_items));
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& item : v->GetArray()) {
    const std::string_view s = item.IsString()
                                   ? std::string_view(item.GetString(), item.GetStringLength())
                                   : std::string_view();
    if (!item.IsString() || s.empty() || CodePoints(s) > max_length) {
      Fail(fmt::format("{} must hold non-empty strings of at most {} characters", Name(key),
                       max_length));
      return std::nullopt;
    }
    out.emplace_back(s);
  }
  return out;
}

const rapidjson::Value* ArgReader::Object(std::string_view key) {
  const auto* v = Find(key, Need::kOptional);
  if (v == nullptr) return nullptr;
  if (!v->IsObject()) {
    Fail(Name(key) + " must be an object");
    return nullptr;
  }
  return v;
}

Task<ToolResult> WorkspaceTool::Run(std::string arguments, ToolContext& context) {
  co_return RunNow(arguments, context);
}

ToolResult WorkspaceTool::RunNow(std::string_view arguments, const ToolContext& context) {
  rapidjson::Document doc;
  if (auto parsed = ParseUntrustedJson(arguments, doc); !parsed) {
    return ToolError(
        "invalid_arguments",
        fmt::format("the arguments are not valid JSON: {}; send one JSON object", parsed.error()));
  }
  if (!doc.IsObject()) return ToolError("invalid_arguments", "the arguments must be a JSON object");
  Workspace* workspace = context.GetWorkspace();
  if (workspace == nullptr) {
    return ToolError("no_workspace", "this agent has no workspace; data and file tools are off");
  }
  try {
    ArgReader args(doc);
    return Execute(args, *workspace, context);
  } catch (const std::exception& e) {
    // A bug or an exhausted resource must not take the turn down: the model hears of it.
    return ToolError("storage_error", fmt::format("{} failed: {}", spec_.name, e.what()));
  }
}

}  // namespace agentreplay
