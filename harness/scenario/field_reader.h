// Typed access to the members of a located JSON document, turning every violation into a
// Diagnostic at the offending value's position. Knows nothing about scenarios: the scenario
// decoder (scenario_loader.cc) says which fields exist and what they mean.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "harness/scenario/json_locator.h"
#include "harness/scenario/scenario_loader.h"

namespace agentreplay::harness {

// The member `name` of `obj` (an object), or nullptr. The first one if the name repeats.
const rapidjson::Value* FindField(const rapidjson::Value& obj, std::string_view name);
std::string_view AsView(const rapidjson::Value& string_value);
// True for the empty string and for whitespace only.
bool IsBlank(std::string_view s);
// Levenshtein distance, for "did you mean" suggestions.
std::size_t EditDistance(std::string_view a, std::string_view b);

// The problem with a whole input text, if there is one: blank (nothing but whitespace and a
// byte-order mark: "file is empty") or not JSON ("invalid JSON: ...", or "unexpected end of
// file: ..." when only whitespace follows the point of failure, i.e. the file was cut short).
std::optional<Diagnostic> SyntaxProblem(std::string_view text, const LocatedJson& json,
                                        std::string_view file);

// Collects diagnostics for one file. Each Read* function takes the containing object, its
// pointer and a member name; an absent member yields nullopt silently (CheckMembers reports
// missing required ones), a bad one is reported and yields nullopt, so decoding goes on past it
// and later problems are still found.
class FieldReader {
 public:
  FieldReader(std::string_view file, const JsonLocator& locator) : file_(file), locator_(locator) {}

  // Strings longer than `max_bytes` are refused where they stand (ReadString and everything
  // built on it). Unbounded unless set: a scenario bounds its texts, a cassette its bodies.
  void LimitStrings(std::size_t max_bytes) { max_string_bytes_ = max_bytes; }
  // A list longer than `max_items` is refused with its length; false then.
  bool CheckLength(const rapidjson::Value& list, std::string_view pointer, std::string_view item,
                   std::size_t max_items);

  // Where and what; AtValue points at the value, AtKey at the member's name.
  void AtValue(std::string_view pointer, std::string message);
  void AtKey(std::string_view pointer, std::string message);
  // AtKey's position, shown under `shown` instead of `pointer`: for a member whose name cannot
  // be printed as it is (a NUL inside), reported at the object that holds it.
  void AtKeyShownAs(std::string_view pointer, std::string_view shown, std::string message);
  // "expected an object, got an array".
  void WrongType(const rapidjson::Value& v, std::string_view pointer, std::string_view expected);
  bool ExpectObject(const rapidjson::Value& v, std::string_view pointer);
  // Every repeated member name the locator found.
  void ReportDuplicates();
  // Unknown members (with a suggestion within edit distance 2, else the allowed names) and
  // missing required ones. Members named in `reported_elsewhere` are skipped: the caller says
  // more precisely why they are out of place.
  void CheckMembers(const rapidjson::Value& obj, std::string_view pointer,
                    const ObjectFields& fields,
                    std::span<const std::string_view> reported_elsewhere = {});

  std::optional<std::string> ReadString(const rapidjson::Value& obj, std::string_view at,
                                        std::string_view name);
  // A string with something other than whitespace in it.
  std::optional<std::string> ReadNonBlank(const rapidjson::Value& obj, std::string_view at,
                                          std::string_view name);
  std::optional<double> ReadNumber(const rapidjson::Value& obj, std::string_view at,
                                   std::string_view name);
  // A number at or above `bound`, or strictly above it when `strict`.
  std::optional<double> ReadBounded(const rapidjson::Value& obj, std::string_view at,
                                    std::string_view name, double bound, bool strict);
  // A duration from 0 to kMaxInputDurationMs (one hour), given in `unit`: the bound is
  // converted, so "retry_after_s" allows 3600 and "delay_us" 3.6e9.
  enum class Unit { kSeconds, kMilliseconds, kMicroseconds };
  std::optional<double> ReadDuration(const rapidjson::Value& obj, std::string_view at,
                                     std::string_view name, Unit unit = Unit::kMilliseconds);
  // A whole number in [min, max]; like JSON Schema's "integer", 4.0 counts as one.
  std::optional<int> ReadInteger(const rapidjson::Value& obj, std::string_view at,
                                 std::string_view name, int min, int max);
  std::optional<bool> ReadBool(const rapidjson::Value& obj, std::string_view at,
                               std::string_view name);
  // A non-empty array; `item` names one element in the message ("turns must contain at least 1
  // turn").
  const rapidjson::Value* FindArray(const rapidjson::Value& obj, std::string_view at,
                                    std::string_view name, std::string_view item);
  // A non-empty array of non-empty strings; bad elements are reported and skipped.
  std::vector<std::string> ReadStringList(const rapidjson::Value& obj, std::string_view at,
                                          std::string_view name, std::string_view item);

  // In document order; several at one place keep the order they were found in.
  std::vector<Diagnostic> TakeErrors();

 private:
  void Report(std::string_view pointer, TextPosition at, std::string message);

  std::string file_;
  const JsonLocator& locator_;
  std::size_t max_string_bytes_ = static_cast<std::size_t>(-1);
  std::vector<Diagnostic> errors_;
};

}  // namespace agentreplay::harness
