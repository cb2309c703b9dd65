#include "results/json_input.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "core/json_parse.h"

namespace agentreplay::results {

std::optional<Failure> ParseJsonInput(std::string_view text, std::string_view file_name,
                                      int first_line, rapidjson::Document& doc) {
  constexpr unsigned kFlags =
      rapidjson::kParseFullPrecisionFlag | rapidjson::kParseValidateEncodingFlag;
  const auto error = json::ParseDocument<kFlags>(text, doc);
  if (!error) return std::nullopt;
  // The line and byte column of the offset where parsing stopped.
  const std::size_t offset = std::min(error->offset, text.size());
  const std::string_view before = text.substr(0, offset);
  const std::size_t line = static_cast<std::size_t>(first_line) +
                           static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
  const std::size_t line_start = before.rfind('\n');
  const std::size_t column =
      line_start == std::string_view::npos ? offset + 1 : offset - line_start;
  return Failure(Diagnostic{std::string(file_name), std::nullopt, static_cast<int>(line),
                            static_cast<int>(column),
                            fmt::format("invalid JSON: {}", error->what)});
}

}  // namespace agentreplay::results
