// The items of a Responses API response (messages, function calls, reasoning, file search and
// the other hosted tool calls) and the fields around them, written the same way into the
// streamed events and the whole response object. Internal to the Responses renderer: the
// writers are templates over the compact and the pretty JSON writer.
//
// Hosted tool items (not recorded; shapes from OpenAI's API reference, openai-openapi and the
// official Python SDK's response types):
//   web_search_call        {"id","type","action":{"type":"search","query"},"status"}
//   code_interpreter_call  {"id","type","status","code","container_id","outputs"}
//   image_generation_call  {"id","type","status","result"}
//   mcp_call               {"id","type","status","approval_request_id","arguments","error",
//                           "name","output","server_label"}
// Reasoning: {"id","type":"reasoning","summary":[{"type":"summary_text","text"}]}, or with raw
// reasoning an empty summary and "content":[{"type":"reasoning_text","text"}].
#pragma once

#include <rapidjson/document.h>

#include <string_view>
#include <vector>

#include "mocks/api/responses/responses_renderer.h"
#include "mocks/api/wire_json.h"
#include "mocks/model/knowledge_base.h"

namespace agentreplay::mocks::responses_wire {

// The item type of a hosted tool ("web_search" → "web_search_call"; "mcp_call" stays).
inline std::string_view HostedItemType(std::string_view tool) {
  if (tool == "web_search") return "web_search_call";
  if (tool == "code_interpreter") return "code_interpreter_call";
  if (tool == "image_generation") return "image_generation_call";
  return "mcp_call";
}

// The request's value of `key` when it is present and not null.
inline const rapidjson::Value* Echo(const ResponsesRenderContext& ctx, std::string_view key) {
  const rapidjson::Value* v = FindMember(ctx.request, key);
  return v != nullptr && !v->IsNull() ? v : nullptr;
}

// Writes `key` with the request's value, or calls `fallback` to write the API's default.
template <typename Writer, typename Fallback>
void EchoOr(Writer& w, const ResponsesRenderContext& ctx, std::string_view key, Fallback fallback) {
  WriteKey(w, key);
  if (const rapidjson::Value* v = Echo(ctx, key)) {
    v->Accept(w);
  } else {
    fallback();
  }
}

template <typename Writer>
void EchoOrNull(Writer& w, const ResponsesRenderContext& ctx, std::string_view key) {
  EchoOr(w, ctx, key, [&w] { w.Null(); });
}

// Function tools come back normalised to the API's field order (type, description, name,
// parameters, strict) with defaults filled in; other tool types are echoed as sent.
template <typename Writer>
void WriteTools(Writer& w, const ResponsesRenderContext& ctx) {
  WriteKey(w, "tools");
  w.StartArray();
  if (const rapidjson::Value* tools = Echo(ctx, "tools"); tools != nullptr && tools->IsArray()) {
    for (const auto& tool : tools->GetArray()) {
      const rapidjson::Value* type = FindMember(&tool, "type");
      if (type == nullptr || !type->IsString() ||
          std::string_view(type->GetString()) != "function") {
        tool.Accept(w);
        continue;
      }
      w.StartObject();
      WriteKey(w, "type");
      WriteString(w, "function");
      for (std::string_view key : {"description", "name", "parameters"}) {
        WriteKey(w, key);
        if (const rapidjson::Value* v = FindMember(&tool, key)) {
          v->Accept(w);
        } else {
          w.Null();
        }
      }
      WriteKey(w, "strict");
      // Function tools are strict unless the request says otherwise.
      const rapidjson::Value* strict = FindMember(&tool, "strict");
      w.Bool(strict != nullptr && strict->IsBool() ? strict->GetBool() : true);
      w.EndObject();
    }
  }
  w.EndArray();
}

inline size_t CountCodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0U) != 0x80U ? 1 : 0;
  return n;
}

// The documents the text output `index` cites: every result of the file searches before it in
// the same response, in order (see the header).
inline std::vector<std::string_view> CitedDocuments(const StepPlan& plan, size_t index) {
  std::vector<std::string_view> cited;
  if (plan.outputs.at(index).kind != PlannedOutput::Kind::kText) return cited;
  for (size_t i = 0; i < index; ++i) {
    if (plan.outputs[i].kind != PlannedOutput::Kind::kFileSearch) continue;
    for (const auto& name : plan.outputs[i].results) cited.emplace_back(name);
  }
  return cited;
}

// A file_citation annotation pointing at `at` (code points into the text).
template <typename Writer>
void WriteCitation(Writer& w, std::string_view document, size_t at) {
  w.StartObject();
  WriteKey(w, "type");
  WriteString(w, "file_citation");
  WriteKey(w, "index");
  w.Uint64(at);
  WriteKey(w, "file_id");
  WriteString(w, DocumentFileId(document));
  WriteKey(w, "filename");
  WriteString(w, document);
  w.EndObject();
}

template <typename Writer>
void WriteOutputText(Writer& w, std::string_view text,
                     const std::vector<std::string_view>& cited = {}) {
  w.StartObject();
  WriteKey(w, "type");
  WriteString(w, "output_text");
  WriteKey(w, "annotations");
  w.StartArray();
  for (std::string_view document : cited) WriteCitation(w, document, CountCodePoints(text));
  w.EndArray();
  WriteKey(w, "logprobs");
  w.StartArray();
  w.EndArray();
  WriteKey(w, "text");
  WriteString(w, text);
  w.EndObject();
}

// Whether the request asked for file_search results in the response ("include").
inline bool IncludesSearchResults(const ResponsesRenderContext& ctx) {
  const rapidjson::Value* include = Echo(ctx, "include");
  if (include == nullptr || !include->IsArray()) return false;
  for (const auto& v : include->GetArray()) {
    if (v.IsString() &&
        std::string_view(v.GetString(), v.GetStringLength()) == "file_search_call.results") {
      return true;
    }
  }
  return false;
}

template <typename Writer>
void WriteSearchResults(Writer& w, const PlannedOutput& out, const ResponsesRenderContext& ctx) {
  w.StartArray();
  for (size_t i = 0; i < out.results.size(); ++i) {
    const std::string& name = out.results[i];
    w.StartObject();
    WriteKey(w, "attributes");
    w.StartObject();
    w.EndObject();
    WriteKey(w, "file_id");
    WriteString(w, DocumentFileId(name));
    WriteKey(w, "filename");
    WriteString(w, name);
    WriteKey(w, "score");
    w.Double(i < out.scores.size() ? out.scores[i] : 0.0);
    WriteKey(w, "text");
    std::string_view text;
    if (ctx.documents != nullptr) {
      if (const auto doc = ctx.documents->find(name); doc != ctx.documents->end()) {
        text = doc->second;
      }
    }
    WriteString(w, text);
    w.EndObject();
  }
  w.EndArray();
}

// A hosted tool call item (web_search_call, code_interpreter_call, image_generation_call,
// mcp_call) after its `id`: the fields of the API reference, in its order.
template <typename Writer>
void WriteHostedToolFields(Writer& w, const PlannedOutput& out, bool completed) {
  const HostedToolScript& tool = out.hosted;
  const std::string_view status = !completed ? "in_progress" : tool.fails ? "failed" : "completed";
  WriteKey(w, "type");
  WriteString(w, HostedItemType(out.tool_name));
  if (out.tool_name == "web_search") {
    WriteKey(w, "action");
    w.StartObject();
    WriteKey(w, "type");
    WriteString(w, "search");
    WriteKey(w, "query");
    WriteString(w, out.content);
    w.EndObject();
    WriteKey(w, "status");
    WriteString(w, status);
  } else if (out.tool_name == "code_interpreter") {
    WriteKey(w, "status");
    WriteString(w, status);
    WriteKey(w, "code");
    WriteString(w, completed ? std::string_view{out.content} : std::string_view{});
    WriteKey(w, "container_id");
    WriteString(w, "cntr_scripted");
    WriteKey(w, "outputs");
    if (completed && !tool.output.empty()) {
      w.StartArray();
      w.StartObject();
      WriteKey(w, "type");
      WriteString(w, "logs");
      WriteKey(w, "logs");
      WriteString(w, tool.output);
      w.EndObject();
      w.EndArray();
    } else {
      w.Null();
    }
  } else if (out.tool_name == "image_generation") {
    WriteKey(w, "status");
    WriteString(w, status);
    WriteKey(w, "result");
    if (completed && !tool.fails && !tool.output.empty()) {
      WriteString(w, tool.output);
    } else {
      w.Null();
    }
  } else {  // mcp_call
    WriteKey(w, "status");
    WriteString(w, status);
    WriteKey(w, "approval_request_id");
    w.Null();
    WriteKey(w, "arguments");
    WriteString(w, completed ? std::string_view{out.content} : std::string_view{});
    WriteKey(w, "error");
    if (completed && tool.fails) {
      WriteString(w, tool.output.empty() ? std::string_view("tool failed") : tool.output);
    } else {
      w.Null();
    }
    WriteKey(w, "name");
    WriteString(w, tool.name);
    WriteKey(w, "output");
    if (completed && !tool.fails) {
      WriteString(w, tool.output);
    } else {
      w.Null();
    }
    WriteKey(w, "server_label");
    WriteString(w, tool.server_label);
  }
}

// A reasoning item after its `id`: the summary (or the raw reasoning as `content`) once done.
template <typename Writer>
void WriteReasoningFields(Writer& w, const PlannedOutput& out, bool completed) {
  WriteKey(w, "type");
  WriteString(w, "reasoning");
  WriteKey(w, "summary");
  w.StartArray();
  if (completed && out.summary) {
    w.StartObject();
    WriteKey(w, "type");
    WriteString(w, "summary_text");
    WriteKey(w, "text");
    WriteString(w, out.content);
    w.EndObject();
  }
  w.EndArray();
  if (!out.summary) {
    WriteKey(w, "content");
    w.StartArray();
    if (completed) {
      w.StartObject();
      WriteKey(w, "type");
      WriteString(w, "reasoning_text");
      WriteKey(w, "text");
      WriteString(w, out.content);
      w.EndObject();
    }
    w.EndArray();
  }
}

// A message's content part: output_text, or a refusal when the plan is one.
template <typename Writer>
void WriteContentPart(Writer& w, const StepPlan& plan, std::string_view text,
                      const std::vector<std::string_view>& cited = {}) {
  if (!plan.refusal) {
    WriteOutputText(w, text, cited);
    return;
  }
  w.StartObject();
  WriteKey(w, "type");
  WriteString(w, "refusal");
  WriteKey(w, "refusal");
  WriteString(w, text);
  w.EndObject();
}

// One output item; `completed` selects the output_item.done form over the added form.
template <typename Writer>
void WriteItem(Writer& w, const StepPlan& plan, const ResponsesRenderContext& ctx, size_t index,
               bool completed) {
  const PlannedOutput& out = plan.outputs.at(index);
  w.StartObject();
  WriteKey(w, "id");
  WriteString(w, ctx.item_ids.at(index));
  switch (out.kind) {
    case PlannedOutput::Kind::kReasoning:
      WriteReasoningFields(w, out, completed);
      break;
    case PlannedOutput::Kind::kHostedTool:
      WriteHostedToolFields(w, out, completed);
      break;
    case PlannedOutput::Kind::kFileSearch:
      // A hosted tool call: the API runs the search itself and reports queries and status.
      WriteKey(w, "type");
      WriteString(w, "file_search_call");
      WriteKey(w, "status");
      WriteString(w, completed ? "completed" : "in_progress");
      WriteKey(w, "queries");
      w.StartArray();
      WriteString(w, out.content);
      w.EndArray();
      WriteKey(w, "results");
      if (completed && IncludesSearchResults(ctx)) {
        WriteSearchResults(w, out, ctx);
      } else {
        w.Null();
      }
      break;
    case PlannedOutput::Kind::kText:
      WriteKey(w, "type");
      WriteString(w, "message");
      WriteKey(w, "status");
      // A message cut off by max_output_tokens stays incomplete in the response's output.
      WriteString(w, !completed                               ? "in_progress"
                     : plan.incomplete != Incompletion::kNone ? "incomplete"
                                                              : "completed");
      WriteKey(w, "content");
      w.StartArray();
      if (completed) WriteContentPart(w, plan, out.content, CitedDocuments(plan, index));
      w.EndArray();
      WriteKey(w, "role");
      WriteString(w, "assistant");
      break;
    case PlannedOutput::Kind::kToolCall:
      WriteKey(w, "type");
      WriteString(w, "function_call");
      WriteKey(w, "status");
      WriteString(w, completed ? "completed" : "in_progress");
      WriteKey(w, "arguments");
      WriteString(w, completed ? std::string_view{out.content} : std::string_view{});
      WriteKey(w, "call_id");
      WriteString(w, ctx.call_ids.at(index));
      WriteKey(w, "name");
      WriteString(w, out.tool_name);
      break;
  }
  w.EndObject();
}

template <typename Writer>
void WriteUsage(Writer& w, const StepPlan& plan) {
  w.StartObject();
  WriteKey(w, "input_tokens");
  w.Int64(plan.input_tokens);
  WriteKey(w, "input_tokens_details");
  w.StartObject();
  WriteKey(w, "cached_tokens");
  w.Int64(0);
  w.EndObject();
  WriteKey(w, "output_tokens");
  w.Int64(plan.output_tokens);
  WriteKey(w, "output_tokens_details");
  w.StartObject();
  WriteKey(w, "reasoning_tokens");
  w.Int64(plan.reasoning_tokens);
  w.EndObject();
  WriteKey(w, "total_tokens");
  w.Int64(plan.input_tokens + plan.output_tokens);
  w.EndObject();
}

}  // namespace agentreplay::mocks::responses_wire
