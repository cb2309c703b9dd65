#include "llm/responses_hosted.h"

#include <fmt/format.h>

#include <array>
#include <utility>

#include "json/json_text.h"

namespace agentreplay {
namespace {

// Every event family of hosted tool progress: "<prefix><suffix>", where the suffix is the
// phase. A family with a `sub` name streams a part of the call (the code, the MCP arguments,
// a shell command or its output); its phases are "<sub>_<suffix>" ("code_delta").
struct Family {
  std::string_view prefix;
  std::string_view tool;
  std::string_view sub;
};

constexpr std::array kFamilies = {
    Family{"response.web_search_call.", "web_search", ""},
    Family{"response.file_search_call.", "file_search", ""},
    Family{"response.code_interpreter_call.", "code_interpreter", ""},
    Family{"response.code_interpreter_call_code.", "code_interpreter", "code"},
    Family{"response.mcp_call.", "mcp_call", ""},
    Family{"response.mcp_call_arguments.", "mcp_call", "arguments"},
    Family{"response.mcp_list_tools.", "mcp_list_tools", ""},
    Family{"response.image_generation_call.", "image_generation", ""},
    Family{"response.shell_call_command.", "shell", "command"},
    Family{"response.shell_call_output_content.", "shell", "output"},
};

// Output item type → the tool it reports.
constexpr std::array<std::pair<std::string_view, std::string_view>, 15> kItems = {{
    {"web_search_call", "web_search"},
    {"file_search_call", "file_search"},
    {"code_interpreter_call", "code_interpreter"},
    {"mcp_call", "mcp_call"},
    {"mcp_list_tools", "mcp_list_tools"},
    {"mcp_approval_request", "mcp_approval_request"},
    {"image_generation_call", "image_generation"},
    {"tool_search_call", "tool_search"},
    {"local_shell_call", "local_shell"},
    {"local_shell_call_output", "local_shell"},
    {"shell_call", "shell"},
    {"shell_call_output", "shell"},
    {"apply_patch_call", "apply_patch"},
    {"apply_patch_call_output", "apply_patch"},
    {"computer_call", "computer"},
}};

// The string items of `array`, joined.
std::string Join(const rapidjson::Value* array, std::string_view separator) {
  std::string out;
  if (array == nullptr) return out;
  for (const auto& v : array->GetArray()) {
    if (!v.IsString() || v.GetStringLength() == 0) continue;
    if (!out.empty()) out += separator;
    out.append(v.GetString(), v.GetStringLength());
  }
  return out;
}

std::string WebSearchText(const rapidjson::Value& item) {
  const auto* action = json::GetObject(item, "action");
  if (action == nullptr) return {};
  // A search names its query (or several), open_page a URL, find a pattern on a page.
  for (std::string_view key : {"query", "url", "pattern"}) {
    if (auto value = json::GetString(*action, key); !value.empty()) return std::string(value);
  }
  return Join(json::GetArray(*action, "queries"), "; ");
}

std::string McpText(const rapidjson::Value& item, bool done) {
  if (done) {
    if (auto output = json::GetString(item, "output"); !output.empty()) return std::string(output);
    if (const auto* error = json::Member(item, "error"); error != nullptr && !error->IsNull()) {
      return error->IsString() ? std::string(error->GetString(), error->GetStringLength())
                               : json::Compact(*error);
    }
  }
  return fmt::format("{}: {}", json::GetString(item, "server_label"),
                     json::GetString(item, "name"));
}

}  // namespace

std::string_view HostedToolOfItem(std::string_view item_type) {
  for (const auto& [type, tool] : kItems) {
    if (type == item_type) return tool;
  }
  return {};
}

std::string HostedItemText(const rapidjson::Value& item, bool done) {
  const std::string_view type = json::GetString(item, "type");
  if (type == "web_search_call") return WebSearchText(item);
  if (type == "file_search_call") return Join(json::GetArray(item, "queries"), "; ");
  if (type == "code_interpreter_call") return std::string(json::GetString(item, "code"));
  if (type == "mcp_call" || type == "mcp_approval_request") return McpText(item, done);
  if (type == "mcp_list_tools") return std::string(json::GetString(item, "server_label"));
  if (type == "image_generation_call") {
    return std::string(json::GetString(item, "revised_prompt"));  // never `result`: base64
  }
  if (const auto* action = json::GetObject(item, "action")) {
    if (type == "local_shell_call") return Join(json::GetArray(*action, "command"), " ");
    if (type == "shell_call") return Join(json::GetArray(*action, "commands"), "\n");
  }
  return {};
}

std::optional<HostedActivity> HostedActivityOfEvent(std::string_view type,
                                                    const rapidjson::Value& event) {
  for (const Family& family : kFamilies) {
    if (!type.starts_with(family.prefix)) continue;
    const std::string_view suffix = type.substr(family.prefix.size());
    if (suffix.empty() || suffix.find('.') != std::string_view::npos) return std::nullopt;
    HostedActivity activity;
    activity.tool = family.tool;
    activity.phase =
        family.sub.empty() ? std::string(suffix) : fmt::format("{}_{}", family.sub, suffix);
    if (const auto* delta = json::Member(event, "delta"); delta != nullptr && delta->IsObject()) {
      // Shell output deltas carry stdout and stderr pieces.
      activity.text =
          fmt::format("{}{}", json::GetString(*delta, "stdout"), json::GetString(*delta, "stderr"));
    } else if (suffix == "delta") {
      activity.text = json::GetString(event, "delta");
    } else if (family.sub == "code") {
      activity.text = json::GetString(event, "code");
    } else if (family.sub == "arguments") {
      activity.text = json::GetString(event, "arguments");
    } else if (family.sub == "command") {
      activity.text = json::GetString(event, "command");
    } else if (suffix == "partial_image") {
      // How many partial images have come (the index counts from 0); the image itself is
      // base64 bytes a text stream has no use for.
      activity.text = fmt::format("{}", json::GetInt(event, "partial_image_index") + 1);
    }
    return activity;
  }
  return std::nullopt;
}

}  // namespace agentreplay
