#include "mocks/api/responses/responses_renderer.h"

#include <map>
#include <string_view>
#include <utility>
#include <vector>

#include "mocks/api/wire_json.h"
#include "mocks/model/knowledge_base.h"
#include "sse/sse_encoder.h"

namespace agentreplay::mocks {
namespace {

enum class Phase { kInProgress, kCompleted };

// The request's value of `key` when it is present and not null.
const rapidjson::Value* Echo(const ResponsesRenderContext& ctx, std::string_view key) {
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

size_t CountCodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0U) != 0x80U ? 1 : 0;
  return n;
}

// The documents the text output `index` cites: every result of the file searches before it in
// the same response, in order (see the header).
std::vector<std::string_view> CitedDocuments(const StepPlan& plan, size_t index) {
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
bool IncludesSearchResults(const ResponsesRenderContext& ctx) {
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

// One output item; `completed` selects the output_item.done form over the added form.
template <typename Writer>
void WriteItem(Writer& w, const StepPlan& plan, const ResponsesRenderContext& ctx, size_t index,
               bool completed) {
  const PlannedOutput& out = plan.outputs.at(index);
  w.StartObject();
  WriteKey(w, "id");
  WriteString(w, ctx.item_ids.at(index));
  WriteKey(w, "type");
  const bool is_text = out.kind == PlannedOutput::Kind::kText;
  if (out.kind == PlannedOutput::Kind::kFileSearch) {
    // A hosted tool call: the API runs the search itself and reports queries and status.
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
    w.EndObject();
    return;
  }
  WriteString(w, is_text ? "message" : "function_call");
  WriteKey(w, "status");
  WriteString(w, completed ? "completed" : "in_progress");
  if (is_text) {
    WriteKey(w, "content");
    w.StartArray();
    if (completed) WriteOutputText(w, out.content, CitedDocuments(plan, index));
    w.EndArray();
    WriteKey(w, "role");
    WriteString(w, "assistant");
  } else {
    WriteKey(w, "arguments");
    WriteString(w, completed ? std::string_view(out.content) : std::string_view());
    WriteKey(w, "call_id");
    WriteString(w, ctx.call_ids.at(index));
    WriteKey(w, "name");
    WriteString(w, out.tool_name);
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
  w.Int64(0);
  w.EndObject();
  WriteKey(w, "total_tokens");
  w.Int64(plan.input_tokens + plan.output_tokens);
  w.EndObject();
}

// The response object, field for field in the order of the recordings.
template <typename Writer>
void WriteResponse(Writer& w, const StepPlan& plan, const ResponsesRenderContext& ctx,
                   Phase phase) {
  const bool completed = phase == Phase::kCompleted;
  w.StartObject();
  WriteKey(w, "id");
  WriteString(w, ctx.response_id);
  WriteKey(w, "object");
  WriteString(w, "response");
  WriteKey(w, "created_at");
  w.Int64(ctx.created_at);
  WriteKey(w, "status");
  WriteString(w, completed ? "completed" : "in_progress");
  EchoOr(w, ctx, "background", [&w] { w.Bool(false); });
  WriteKey(w, "error");
  w.Null();
  WriteKey(w, "incomplete_details");
  w.Null();
  EchoOrNull(w, ctx, "instructions");
  EchoOrNull(w, ctx, "max_output_tokens");
  EchoOrNull(w, ctx, "max_tool_calls");
  WriteKey(w, "model");
  WriteString(w, ctx.model);
  WriteKey(w, "output");
  w.StartArray();
  if (completed) {
    for (size_t i = 0; i < plan.outputs.size(); ++i) WriteItem(w, plan, ctx, i, true);
  }
  w.EndArray();
  EchoOr(w, ctx, "parallel_tool_calls", [&w] { w.Bool(true); });
  EchoOrNull(w, ctx, "previous_response_id");
  EchoOrNull(w, ctx, "prompt_cache_key");
  // Present in the newest recording (December 2025), absent from older ones.
  EchoOrNull(w, ctx, "prompt_cache_retention");
  WriteKey(w, "reasoning");
  w.StartObject();
  const rapidjson::Value* reasoning = Echo(ctx, "reasoning");
  for (std::string_view key : {"effort", "summary"}) {
    WriteKey(w, key);
    if (const rapidjson::Value* v = FindMember(reasoning, key)) {
      v->Accept(w);
    } else {
      w.Null();
    }
  }
  w.EndObject();
  EchoOrNull(w, ctx, "safety_identifier");
  // The recordings say "auto" while the response runs and the tier actually used ("default")
  // once it has completed.
  WriteKey(w, "service_tier");
  const rapidjson::Value* tier = Echo(ctx, "service_tier");
  const std::string_view requested =
      tier != nullptr && tier->IsString() ? std::string_view(tier->GetString()) : "auto";
  WriteString(w, completed && requested == "auto" ? std::string_view("default") : requested);
  EchoOr(w, ctx, "store", [&w] { w.Bool(true); });
  EchoOr(w, ctx, "temperature", [&w] { w.Double(1.0); });
  WriteKey(w, "text");
  w.StartObject();
  const rapidjson::Value* text = Echo(ctx, "text");
  WriteKey(w, "format");
  if (const rapidjson::Value* format = FindMember(text, "format")) {
    format->Accept(w);
  } else {
    w.StartObject();
    WriteKey(w, "type");
    WriteString(w, "text");
    w.EndObject();
  }
  WriteKey(w, "verbosity");
  if (const rapidjson::Value* verbosity = FindMember(text, "verbosity")) {
    verbosity->Accept(w);
  } else {
    WriteString(w, "medium");
  }
  w.EndObject();
  EchoOr(w, ctx, "tool_choice", [&w] { WriteString(w, "auto"); });
  WriteTools(w, ctx);
  EchoOr(w, ctx, "top_logprobs", [&w] { w.Int(0); });
  EchoOr(w, ctx, "top_p", [&w] { w.Double(1.0); });
  EchoOr(w, ctx, "truncation", [&w] { WriteString(w, "disabled"); });
  WriteKey(w, "usage");
  if (completed) {
    WriteUsage(w, plan);
  } else {
    w.Null();
  }
  EchoOrNull(w, ctx, "user");
  EchoOr(w, ctx, "metadata", [&w] {
    w.StartObject();
    w.EndObject();
  });
  w.EndObject();
}

// Builds the stream event by event; each event is compact JSON in one SSE frame.
class StreamBuilder {
 public:
  StreamBuilder(const StepPlan& plan, const ResponsesRenderContext& ctx)
      : plan_(plan), ctx_(ctx), obfuscation_rng_(ctx.obfuscation_seed) {}

  std::vector<TimedChunk> Build() {
    Emit(plan_.response_start, "response.created", [&](CompactJsonWriter& w) {
      WriteKey(w, "response");
      WriteResponse(w, plan_, ctx_, Phase::kInProgress);
    });
    Emit(plan_.response_start, "response.in_progress", [&](CompactJsonWriter& w) {
      WriteKey(w, "response");
      WriteResponse(w, plan_, ctx_, Phase::kInProgress);
    });
    for (size_t i = 0; i < plan_.outputs.size(); ++i) {
      switch (plan_.outputs[i].kind) {
        case PlannedOutput::Kind::kText:
          EmitText(i);
          break;
        case PlannedOutput::Kind::kToolCall:
          EmitFunctionCall(i);
          break;
        case PlannedOutput::Kind::kFileSearch:
          EmitFileSearch(i);
          break;
      }
    }
    Emit(plan_.end, "response.completed", [&](CompactJsonWriter& w) {
      WriteKey(w, "response");
      WriteResponse(w, plan_, ctx_, Phase::kCompleted);
    });
    return std::move(chunks_);
  }

 private:
  // Appends one event: "type" and "sequence_number" first, then what `body` writes.
  template <typename Body>
  void Emit(Duration at, std::string_view type, Body body) {
    rapidjson::StringBuffer buffer;
    CompactJsonWriter w(buffer);
    w.StartObject();
    WriteKey(w, "type");
    WriteString(w, type);
    WriteKey(w, "sequence_number");
    w.Int64(sequence_number_++);
    body(w);
    w.EndObject();
    const std::string_view data(buffer.GetString(), buffer.GetSize());
    if (chunks_.empty() || !ctx_.group_same_instant || chunks_.back().at != at) {
      chunks_.push_back(TimedChunk{at, {}});
    }
    AppendSseEvent(chunks_.back().bytes, type, data);
  }

  void WriteItemRef(CompactJsonWriter& w, size_t index) {
    WriteKey(w, "item_id");
    WriteString(w, ctx_.item_ids.at(index));
    WriteKey(w, "output_index");
    w.Uint64(index);
  }

  void WriteObfuscation(CompactJsonWriter& w, std::string_view delta) {
    WriteKey(w, "obfuscation");
    WriteString(w, ObfuscationFiller(CountCodePoints(delta), obfuscation_rng_));
  }

  void EmitItem(Duration at, std::string_view type, size_t index, bool completed) {
    Emit(at, type, [&](CompactJsonWriter& w) {
      WriteKey(w, "output_index");
      w.Uint64(index);
      WriteKey(w, "item");
      WriteItem(w, plan_, ctx_, index, completed);
    });
  }

  void EmitPart(Duration at, std::string_view type, size_t index, std::string_view text,
                const std::vector<std::string_view>& cited = {}) {
    Emit(at, type, [&](CompactJsonWriter& w) {
      WriteItemRef(w, index);
      WriteKey(w, "content_index");
      w.Int(0);
      WriteKey(w, "part");
      WriteOutputText(w, text, cited);
    });
  }

  void EmitText(size_t index) {
    const PlannedOutput& out = plan_.outputs[index];
    EmitItem(out.first_at(), "response.output_item.added", index, false);
    EmitPart(out.first_at(), "response.content_part.added", index, "");
    for (const auto& delta : out.deltas) {
      Emit(delta.at, "response.output_text.delta", [&](CompactJsonWriter& w) {
        WriteItemRef(w, index);
        WriteKey(w, "content_index");
        w.Int(0);
        WriteKey(w, "delta");
        WriteString(w, delta.text);
        WriteKey(w, "logprobs");
        w.StartArray();
        w.EndArray();
        WriteObfuscation(w, delta.text);
      });
    }
    const std::vector<std::string_view> cited = CitedDocuments(plan_, index);
    for (size_t a = 0; a < cited.size(); ++a) {
      Emit(out.last_at(), "response.output_text.annotation.added", [&](CompactJsonWriter& w) {
        WriteItemRef(w, index);
        WriteKey(w, "content_index");
        w.Int(0);
        WriteKey(w, "annotation_index");
        w.Uint64(a);
        WriteKey(w, "annotation");
        WriteCitation(w, cited[a], CountCodePoints(out.content));
      });
    }
    Emit(out.last_at(), "response.output_text.done", [&](CompactJsonWriter& w) {
      WriteItemRef(w, index);
      WriteKey(w, "content_index");
      w.Int(0);
      WriteKey(w, "text");
      WriteString(w, out.content);
      WriteKey(w, "logprobs");
      w.StartArray();
      w.EndArray();
    });
    EmitPart(out.last_at(), "response.content_part.done", index, out.content, cited);
    EmitItem(out.last_at(), "response.output_item.done", index, true);
  }

  void EmitFunctionCall(size_t index) {
    const PlannedOutput& out = plan_.outputs[index];
    EmitItem(out.first_at(), "response.output_item.added", index, false);
    for (const auto& delta : out.deltas) {
      Emit(delta.at, "response.function_call_arguments.delta", [&](CompactJsonWriter& w) {
        WriteItemRef(w, index);
        WriteKey(w, "delta");
        WriteString(w, delta.text);
        WriteObfuscation(w, delta.text);
      });
    }
    Emit(out.last_at(), "response.function_call_arguments.done", [&](CompactJsonWriter& w) {
      WriteItemRef(w, index);
      WriteKey(w, "arguments");
      WriteString(w, out.content);
    });
    EmitItem(out.last_at(), "response.output_item.done", index, true);
  }

  // file_search_call: added and in_progress when issued, searching, then completed and done
  // when the search has finished.
  void EmitFileSearch(size_t index) {
    const PlannedOutput& out = plan_.outputs[index];
    EmitItem(out.first_at(), "response.output_item.added", index, false);
    for (const char* phase :
         {"response.file_search_call.in_progress", "response.file_search_call.searching"}) {
      Emit(out.first_at(), phase, [&](CompactJsonWriter& w) {
        WriteKey(w, "output_index");
        w.Uint64(index);
        WriteKey(w, "item_id");
        WriteString(w, ctx_.item_ids.at(index));
      });
    }
    Emit(out.completed_at, "response.file_search_call.completed", [&](CompactJsonWriter& w) {
      WriteKey(w, "output_index");
      w.Uint64(index);
      WriteKey(w, "item_id");
      WriteString(w, ctx_.item_ids.at(index));
    });
    EmitItem(out.completed_at, "response.output_item.done", index, true);
  }

  const StepPlan& plan_;
  const ResponsesRenderContext& ctx_;
  Rng obfuscation_rng_;
  int64_t sequence_number_ = 0;
  std::vector<TimedChunk> chunks_;
};

}  // namespace

std::string ObfuscationFiller(size_t delta_chars, Rng& rng) {
  static constexpr std::string_view kAlnum =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const size_t length = 16 - delta_chars % 16;
  std::string out;
  out.reserve(length);
  for (size_t i = 0; i < length; ++i) out.push_back(kAlnum[rng.Below(kAlnum.size())]);
  return out;
}

std::vector<TimedChunk> RenderResponsesStream(const StepPlan& plan,
                                              const ResponsesRenderContext& context) {
  return StreamBuilder(plan, context).Build();
}

std::string RenderResponseObject(const StepPlan& plan, const ResponsesRenderContext& context) {
  rapidjson::StringBuffer buffer;
  PrettyJsonWriter w(buffer);
  ConfigurePretty(w);
  WriteResponse(w, plan, context, Phase::kCompleted);
  return TakePretty(buffer);
}

}  // namespace agentreplay::mocks
