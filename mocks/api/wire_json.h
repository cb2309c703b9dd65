// JSON output in the exact byte form OpenAI's servers use, shared by the mock's renderers.
//
// Non-streamed bodies (response objects, errors) are pretty-printed with two-space indents,
// ": " after keys, no trailing newline and non-ASCII characters escaped as \uXXXX: that is
// the only layout whose length equals the Content-Length of the recorded exchanges. SSE
// event data is compact, one line per event, as in the recorded streams.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>
#include <string_view>

namespace agentreplay::mocks {

using CompactJsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;
using PrettyJsonWriter =
    rapidjson::PrettyWriter<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::ASCII<>>;

// A pretty writer configured like OpenAI's bodies (two-space indent).
inline void ConfigurePretty(PrettyJsonWriter& writer) { writer.SetIndent(' ', 2); }

std::string PrettyJson(const rapidjson::Value& value);

// The text of a pretty writer's buffer, with RapidJSON's \uXXXX escapes lowercased
// (\u00b0, not \u00B0), as Python's json module writes them: the recorded bodies' lengths
// match that module's layout exactly, so the API very likely uses it.
std::string TakePretty(const rapidjson::StringBuffer& buffer);
std::string CompactJson(const rapidjson::Value& value);

// Whether `s` is UTF-8; ReplaceInvalidUtf8 (tools/tool_args.h) repairs it.
bool IsUtf8(std::string_view s);
std::string RepairUtf8(std::string_view s);

// Writes `s` as a JSON string (RapidJSON's std::string_view overloads are not available in
// every packaged version, so lengths are passed explicitly). Text that is not UTF-8 (a request
// target echoed in an error, say) is repaired first: the ASCII writer reads past the end of a
// cut-off sequence and leaves its nesting open on a bad one (found by fuzzing the request path).
template <typename Writer>
void WriteString(Writer& w, std::string_view s) {
  if (!IsUtf8(s)) {
    const std::string repaired = RepairUtf8(s);
    w.String(repaired.data(), static_cast<rapidjson::SizeType>(repaired.size()));
    return;
  }
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

template <typename Writer>
void WriteKey(Writer& w, std::string_view s) {
  if (!IsUtf8(s)) {
    const std::string repaired = RepairUtf8(s);
    w.Key(repaired.data(), static_cast<rapidjson::SizeType>(repaired.size()));
    return;
  }
  w.Key(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

// Member lookup that tolerates non-objects; nullptr when absent.
const rapidjson::Value* FindMember(const rapidjson::Value* obj, std::string_view key);

}  // namespace agentreplay::mocks
