// Reading a tool's arguments (the model's untrusted JSON) against the tool's schema, and the
// base class of the workspace tools.
//
// The model sees an error's message and retries, so each message names the field and says
// what is allowed. Only the first problem is reported: one fix at a time is what a model
// manages best. A JSON null for an optional field counts as absent (models often send one).
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/expected.h"
#include "json/json_text.h"
#include "tools/tool_catalog.h"

namespace agentreplay {

class Workspace;

enum class Need { kOptional, kRequired };

class ArgReader {
 public:
  // `prefix` names a nested object's fields in messages, e.g. "filters.".
  explicit ArgReader(const rapidjson::Value& object, std::string prefix = {})
      : object_(object), prefix_(std::move(prefix)) {}

  // Fails on any member not in `allowed`; `noun` says what they are ("argument", "filter").
  void OnlyKeys(std::initializer_list<std::string_view> allowed,
                std::string_view noun = "argument");
  // Lengths count Unicode code points, as JSON Schema's minLength and maxLength do.
  std::optional<std::string> String(std::string_view key, Need need, size_t min_length,
                                    size_t max_length);
  std::optional<int64_t> Integer(std::string_view key, Need need, int64_t min, int64_t max);
  std::optional<bool> Bool(std::string_view key);
  std::optional<std::string> Enum(std::string_view key, Need need,
                                  std::initializer_list<std::string_view> values);
  std::optional<std::vector<std::string>> StringList(std::string_view key, size_t max_items,
                                                     size_t max_length);
  // An optional object member (nullptr when absent; a failure when not an object).
  const rapidjson::Value* Object(std::string_view key);

  // Records a failure found by the caller (e.g. a combination of fields).
  void Fail(std::string message);
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  // The invalid_arguments error for the first failure.
  ToolResult Error() const;

 private:
  const rapidjson::Value* Find(std::string_view key, Need need);
  std::string Name(std::string_view key) const { return "'" + prefix_ + std::string(key) + "'"; }

  const rapidjson::Value& object_;
  std::string prefix_;
  std::string error_;
};

// Parses untrusted JSON text: iteratively (deep nesting cannot exhaust the stack) and
// validating UTF-8 (so every string read from it can be written back into JSON output).
// Fails with "<message> at offset N (line L, column C)".
Status ParseUntrustedJson(std::string_view text, rapidjson::Document& doc);

// UTF-8 validation of bytes from elsewhere (files), which may be binary.
struct Utf8Scan {
  size_t valid = 0;              // length of the longest valid prefix
  bool incomplete_tail = false;  // what follows is a valid but unfinished sequence
};
Utf8Scan ScanUtf8(std::string_view text);
inline bool IsValidUtf8(std::string_view text) { return ScanUtf8(text).valid == text.size(); }
// `text` with every byte that is not part of valid UTF-8 replaced by U+FFFD.
std::string ReplaceInvalidUtf8(std::string_view text);

// The data and file tools: Run parses the arguments, refuses what is not a JSON object, needs
// a workspace, and turns any escaped exception into a structured error, so Execute only deals
// with fields. The work is synchronous (SQLite, the file system): it never suspends.
class WorkspaceTool : public Tool {
 public:
  WorkspaceTool(std::string name, std::string description, std::string parameters)
      : spec_{std::move(name), std::move(description), std::move(parameters)} {}
  const ToolSpec& spec() const final { return spec_; }
  Task<ToolResult> Run(std::string arguments, ToolContext& context) final;

 protected:
  virtual ToolResult Execute(ArgReader& args, Workspace& workspace, const ToolContext& context) = 0;

 private:
  ToolResult RunNow(std::string_view arguments, const ToolContext& context);
  ToolSpec spec_;
};

// Builds {"...": ...} outputs: a writer over a buffer, then the text.
struct JsonOutput {
  rapidjson::StringBuffer buffer;
  json::Writer writer{buffer};
  ToolResult Result() const {
    return ToolResult{std::string(buffer.GetString(), buffer.GetSize()), false};
  }
};

}  // namespace agentreplay
