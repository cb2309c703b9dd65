// Parsing JSON text that came from a file (a results document, a journal line, a gate file):
// json::ParseDocument's bounded depth (a file nested a few hundred thousand levels deep would
// otherwise kill `report`, `compare` or `--gate`), full-precision numbers, text that must be UTF-8
// (the results writer never produces anything else, and XML and metrics reports could not carry
// it), and the error placed as a Diagnostic with line and column.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <optional>
#include <string_view>

#include "core/expected.h"

namespace agentreplay::results {

// Parses `text` into `doc` (nullopt), or fails naming `file_name` and the line (counted from
// `first_line`) and byte column where the text stops being JSON. Numbers keep full precision.
std::optional<Failure> ParseJsonInput(std::string_view text, std::string_view file_name,
                                      int first_line, rapidjson::Document& doc);

}  // namespace agentreplay::results
