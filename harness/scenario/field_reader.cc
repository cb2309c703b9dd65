#include "harness/scenario/field_reader.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <tuple>
#include <utility>

#include "core/time.h"

namespace agentreplay::harness {

std::optional<Diagnostic> SyntaxProblem(std::string_view text, const LocatedJson& json,
                                        std::string_view file) {
  const std::string_view bom = "\xEF\xBB\xBF";
  if (IsBlank(text.starts_with(bom) ? text.substr(bom.size()) : text)) {
    return Diagnostic{std::string(file), "", 1, 1, "file is empty"};
  }
  if (!json.error) return std::nullopt;
  const JsonSyntaxError& e = *json.error;
  const TextPosition at = json.locator.PositionOf(e.offset);
  const bool truncated = IsBlank(text.substr(std::min(e.offset, text.size())));
  return Diagnostic{
      std::string(file), e.pointer, at.line, at.column,
      fmt::format("{}: {}", truncated ? "unexpected end of file" : "invalid JSON", e.message)};
}
namespace {

using rapidjson::Value;

std::string_view TypeName(const Value& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType:
      return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
      return "a boolean";
    case rapidjson::kObjectType:
      return "an object";
    case rapidjson::kArrayType:
      return "an array";
    case rapidjson::kStringType:
      return "a string";
    case rapidjson::kNumberType:
      return "a number";
  }
  return "a value";
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

const Value* FindField(const Value& obj, std::string_view name) {
  const Value key(rapidjson::StringRef(name.data(), static_cast<rapidjson::SizeType>(name.size())));
  auto it = obj.FindMember(key);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::string_view AsView(const Value& string_value) {
  return {string_value.GetString(), string_value.GetStringLength()};
}

bool IsBlank(std::string_view s) { return std::all_of(s.begin(), s.end(), IsSpace); }

std::size_t EditDistance(std::string_view a, std::string_view b) {
  // One row of the dynamic-programming table; names are short.
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitute});
    }
  }
  return row[b.size()];
}

void FieldReader::Report(std::string_view pointer, TextPosition at, std::string message) {
  errors_.push_back({file_, std::string(pointer), at.line, at.column, std::move(message)});
}

void FieldReader::AtValue(std::string_view pointer, std::string message) {
  Report(pointer, locator_.ValuePosition(pointer), std::move(message));
}

void FieldReader::AtKey(std::string_view pointer, std::string message) {
  Report(pointer, locator_.KeyPosition(pointer), std::move(message));
}

void FieldReader::AtKeyShownAs(std::string_view pointer, std::string_view shown,
                               std::string message) {
  Report(shown, locator_.KeyPosition(pointer), std::move(message));
}

void FieldReader::WrongType(const Value& v, std::string_view pointer, std::string_view expected) {
  AtValue(pointer, fmt::format("expected {}, got {}", expected, TypeName(v)));
}

bool FieldReader::ExpectObject(const Value& v, std::string_view pointer) {
  if (!v.IsObject()) WrongType(v, pointer, "an object");
  return v.IsObject();
}

void FieldReader::ReportDuplicates() {
  for (const auto& dup : locator_.DuplicateKeys()) {
    const TextPosition first = locator_.PositionOf(dup.first_offset);
    Report(
        dup.pointer, locator_.PositionOf(dup.offset),
        fmt::format("duplicate field '{}' (first at {}:{})", dup.name, first.line, first.column));
  }
}

void FieldReader::CheckMembers(const Value& obj, std::string_view pointer,
                               const ObjectFields& fields,
                               std::span<const std::string_view> reported_elsewhere) {
  auto contains = [](std::span<const std::string_view> names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  std::set<std::string_view> seen;
  for (const auto& member : obj.GetObject()) {
    const std::string_view name = AsView(member.name);
    if (!seen.insert(name).second) continue;  // a repeat: ReportDuplicates covers it
    if (contains(fields.known, name) || contains(reported_elsewhere, name)) continue;
    std::string_view closest;
    std::size_t best = 3;  // suggest only within edit distance 2
    for (std::string_view known : fields.known) {
      if (const std::size_t d = EditDistance(name, known); d < best) {
        best = d;
        closest = known;
      }
    }
    AtKey(AppendPointer(pointer, name),
          closest.empty()
              ? fmt::format("unknown field '{}' (allowed: {})", name, fmt::join(fields.known, ", "))
              : fmt::format("unknown field '{}'; did you mean '{}'?", name, closest));
  }
  for (std::string_view name : fields.required) {
    if (!FindField(obj, name)) AtValue(pointer, fmt::format("missing required field '{}'", name));
  }
}

std::optional<std::string> FieldReader::ReadString(const Value& obj, std::string_view at,
                                                   std::string_view name) {
  const Value* v = FindField(obj, name);
  if (!v) return std::nullopt;
  if (!v->IsString()) {
    WrongType(*v, AppendPointer(at, name), "a string");
    return std::nullopt;
  }
  if (v->GetStringLength() > max_string_bytes_) {
    AtValue(AppendPointer(at, name),
            fmt::format("{} is {} bytes long; at most {} bytes are allowed", name,
                        v->GetStringLength(), max_string_bytes_));
    return std::nullopt;
  }
  return std::string(AsView(*v));
}

bool FieldReader::CheckLength(const Value& list, std::string_view pointer, std::string_view item,
                              std::size_t max_items) {
  if (list.Size() <= max_items) return true;
  AtValue(pointer, fmt::format("{} {}s; at most {} are allowed", list.Size(), item, max_items));
  return false;
}

std::optional<std::string> FieldReader::ReadNonBlank(const Value& obj, std::string_view at,
                                                     std::string_view name) {
  auto v = ReadString(obj, at, name);
  if (v && IsBlank(*v)) {
    AtValue(AppendPointer(at, name), fmt::format("{} must not be empty", name));
    return std::nullopt;
  }
  return v;
}

std::optional<double> FieldReader::ReadNumber(const Value& obj, std::string_view at,
                                              std::string_view name) {
  const Value* v = FindField(obj, name);
  if (!v) return std::nullopt;
  if (!v->IsNumber()) {
    WrongType(*v, AppendPointer(at, name), "a number");
    return std::nullopt;
  }
  return v->GetDouble();
}

std::optional<double> FieldReader::ReadBounded(const Value& obj, std::string_view at,
                                               std::string_view name, double bound, bool strict) {
  auto v = ReadNumber(obj, at, name);
  if (v && (strict ? *v <= bound : *v < bound)) {
    AtValue(AppendPointer(at, name),
            fmt::format("{} must be {} {:g}, got {:g}", name, strict ? ">" : ">=", bound, *v));
    return std::nullopt;
  }
  return v;
}

std::optional<double> FieldReader::ReadDuration(const Value& obj, std::string_view at,
                                                std::string_view name, Unit unit) {
  auto v = ReadBounded(obj, at, name, 0, false);
  const double max = unit == Unit::kSeconds        ? kMaxInputDurationMs / 1000
                     : unit == Unit::kMicroseconds ? kMaxInputDurationMs * 1000
                                                   : kMaxInputDurationMs;
  if (v && *v > max) {
    AtValue(AppendPointer(at, name),
            fmt::format("{} must be at most {:.0f} (one hour), got {:g}", name, max, *v));
    return std::nullopt;
  }
  return v;
}

std::optional<int> FieldReader::ReadInteger(const Value& obj, std::string_view at,
                                            std::string_view name, int min, int max) {
  const Value* v = FindField(obj, name);
  if (!v) return std::nullopt;
  const std::string pointer = AppendPointer(at, name);
  if (!v->IsNumber()) {
    WrongType(*v, pointer, "an integer");
    return std::nullopt;
  }
  const double n = v->GetDouble();
  if (n != std::floor(n) || n < min || n > max) {
    // An open upper end reads better than "from 1 to 2147483647".
    AtValue(pointer,
            max == std::numeric_limits<int>::max()
                ? fmt::format("{} must be an integer >= {}, got {:g}", name, min, n)
                : fmt::format("{} must be an integer from {} to {}, got {:g}", name, min, max, n));
    return std::nullopt;
  }
  return static_cast<int>(n);
}

std::optional<bool> FieldReader::ReadBool(const Value& obj, std::string_view at,
                                          std::string_view name) {
  const Value* v = FindField(obj, name);
  if (!v) return std::nullopt;
  if (!v->IsBool()) {
    WrongType(*v, AppendPointer(at, name), "a boolean");
    return std::nullopt;
  }
  return v->GetBool();
}

const Value* FieldReader::FindArray(const Value& obj, std::string_view at, std::string_view name,
                                    std::string_view item) {
  const Value* v = FindField(obj, name);
  if (!v) return nullptr;
  const std::string pointer = AppendPointer(at, name);
  if (!v->IsArray()) {
    WrongType(*v, pointer, "an array");
    return nullptr;
  }
  if (v->Empty()) {
    AtValue(pointer, fmt::format("{} must contain at least 1 {}", name, item));
    return nullptr;
  }
  return v;
}

std::vector<std::string> FieldReader::ReadStringList(const Value& obj, std::string_view at,
                                                     std::string_view name, std::string_view item) {
  std::vector<std::string> out;
  const Value* list = FindArray(obj, at, name, item);
  if (!list) return out;
  const std::string pointer = AppendPointer(at, name);
  for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
    const Value& v = (*list)[i];
    if (!v.IsString()) {
      WrongType(v, AppendPointer(pointer, i), "a string");
    } else if (v.GetStringLength() == 0) {
      AtValue(AppendPointer(pointer, i), fmt::format("{} must not be empty", item));
    } else if (v.GetStringLength() > max_string_bytes_) {
      AtValue(AppendPointer(pointer, i),
              fmt::format("{} is {} bytes long; at most {} bytes are allowed", item,
                          v.GetStringLength(), max_string_bytes_));
    } else {
      out.emplace_back(AsView(v));
    }
  }
  return out;
}

std::vector<Diagnostic> FieldReader::TakeErrors() {
  std::stable_sort(errors_.begin(), errors_.end(), [](const auto& a, const auto& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  return std::move(errors_);
}

}  // namespace agentreplay::harness
