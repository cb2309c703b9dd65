// Hosted tool activity in the Responses API: output items the API runs itself (web search, file
// search, code interpreter, MCP, image generation, hosted shell) and their progress events,
// reduced to what a UI shows (AgentEventType::kHostedToolActivity). The agent runs none of
// these, so the decoder only reports them; keeping the event families in one table here is
// what lets the decoder tell a known event it has nothing to add from one it does not know.
// Pure functions over decoded JSON, shared by the streamed and the whole-response paths.
//
// Wire shapes: OpenAI's OpenAPI description (the ResponseStreamEvent and OutputItem schemas)
// and the recordings in tests/fixtures/recorded (SOURCES.md).
#pragma once

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>

namespace agentreplay {

// One moment of a hosted tool's life.
struct HostedActivity {
  std::string tool;   // "web_search", "file_search", "code_interpreter", "mcp_call", ...
  std::string phase;  // "in_progress", "searching", "code_delta", "completed", ...
  std::string text;   // what the phase says (a query, a code delta), or empty
};

// The tool an output item of `item_type` reports, or empty for an item that is not hosted
// tool activity (message, reasoning, function_call, custom_tool_call, unknown types).
// Client-side calls of kinds the agent cannot run (local_shell_call, shell_call,
// apply_patch_call, computer_call) are reported here too: the agent never offers those
// tools, so they only appear in traffic another client asked for.
std::string_view HostedToolOfItem(std::string_view item_type);

// What a hosted tool item says about itself when it is added or done: its query, code, MCP
// tool or output (never an image's base64 bytes).
std::string HostedItemText(const rapidjson::Value& item, bool done);

// Decodes a hosted tool progress event (response.web_search_call.searching,
// response.code_interpreter_call_code.delta, response.mcp_call_arguments.done, ...).
// nullopt when `type` is not one. The item id is the event's `item_id` (the shell command
// events carry only `output_index`; the caller maps that to the item).
std::optional<HostedActivity> HostedActivityOfEvent(std::string_view type,
                                                    const rapidjson::Value& event);

}  // namespace agentreplay
