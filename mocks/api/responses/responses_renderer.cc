#include "mocks/api/responses/responses_renderer.h"

#include <fmt/format.h>

#include <map>
#include <string_view>
#include <utility>
#include <vector>

#include "mocks/api/responses/responses_items.h"
#include "mocks/api/wire_json.h"
#include "sse/sse_encoder.h"

namespace agentreplay::mocks {
namespace {

using namespace responses_wire;  // NOLINT(google-build-using-namespace): the renderer's own parts

enum class Phase { kInProgress, kCompleted };

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
  const bool incomplete = completed && plan.incomplete != Incompletion::kNone;
  WriteKey(w, "status");
  WriteString(w, incomplete ? "incomplete" : completed ? "completed" : "in_progress");
  EchoOr(w, ctx, "background", [&w] { w.Bool(false); });
  WriteKey(w, "error");
  w.Null();
  WriteKey(w, "incomplete_details");
  if (incomplete) {
    w.StartObject();
    WriteKey(w, "reason");
    WriteString(w, plan.incomplete == Incompletion::kContentFilter ? "content_filter"
                                                                   : "max_output_tokens");
    w.EndObject();
  } else {
    w.Null();
  }
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
        case PlannedOutput::Kind::kReasoning:
          EmitReasoning(i);
          break;
        case PlannedOutput::Kind::kHostedTool:
          EmitHostedTool(i);
          break;
      }
    }
    const bool incomplete = plan_.incomplete != Incompletion::kNone;
    Emit(plan_.end, incomplete ? "response.incomplete" : "response.completed",
         [&](CompactJsonWriter& w) {
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
      WriteContentPart(w, plan_, text, cited);
    });
  }

  // An event that names only its item (the progress events of hosted tool calls).
  void EmitItemEvent(Duration at, std::string_view type, size_t index) {
    Emit(at, type, [&](CompactJsonWriter& w) {
      WriteKey(w, "output_index");
      w.Uint64(index);
      WriteKey(w, "item_id");
      WriteString(w, ctx_.item_ids.at(index));
    });
  }

  // A reasoning item: its summary part (or raw reasoning text) streamed delta by delta.
  void EmitReasoning(size_t index) {
    const PlannedOutput& out = plan_.outputs[index];
    EmitItem(out.first_at(), "response.output_item.added", index, false);
    const std::string_view delta_type =
        out.summary ? "response.reasoning_summary_text.delta" : "response.reasoning_text.delta";
    const std::string_view done_type =
        out.summary ? "response.reasoning_summary_text.done" : "response.reasoning_text.done";
    const std::string_view position = out.summary ? "summary_index" : "content_index";
    auto summary_part = [&](Duration at, std::string_view type, std::string_view text) {
      Emit(at, type, [&](CompactJsonWriter& w) {
        WriteItemRef(w, index);
        WriteKey(w, "part");
        w.StartObject();
        WriteKey(w, "type");
        WriteString(w, "summary_text");
        WriteKey(w, "text");
        WriteString(w, text);
        w.EndObject();
        WriteKey(w, "summary_index");
        w.Int(0);
      });
    };
    if (out.summary) summary_part(out.first_at(), "response.reasoning_summary_part.added", "");
    for (const auto& delta : out.deltas) {
      Emit(delta.at, delta_type, [&](CompactJsonWriter& w) {
        WriteItemRef(w, index);
        WriteKey(w, position);
        w.Int(0);
        WriteKey(w, "delta");
        WriteString(w, delta.text);
        WriteObfuscation(w, delta.text);
      });
    }
    Emit(out.last_at(), done_type, [&](CompactJsonWriter& w) {
      WriteItemRef(w, index);
      WriteKey(w, position);
      w.Int(0);
      WriteKey(w, "text");
      WriteString(w, out.content);
    });
    if (out.summary) {
      summary_part(out.last_at(), "response.reasoning_summary_part.done", out.content);
    }
    EmitItem(out.last_at(), "response.output_item.done", index, true);
  }

  // A hosted tool call: added and in_progress when issued, the tool's own progress (its code
  // or MCP arguments, searching, interpreting, generating), then completed (or failed) and done
  // when the call has finished.
  void EmitHostedTool(size_t index) {
    const PlannedOutput& out = plan_.outputs[index];
    const std::string prefix = fmt::format("response.{}.", HostedItemType(out.tool_name));
    const Duration issued = out.first_at();
    EmitItem(issued, "response.output_item.added", index, false);
    EmitItemEvent(issued, prefix + "in_progress", index);
    if (out.tool_name == "code_interpreter" || out.tool_name == "mcp_call") {
      const bool code = out.tool_name == "code_interpreter";
      const std::string stem =
          code ? "response.code_interpreter_call_code." : "response.mcp_call_arguments.";
      Emit(issued, stem + "delta", [&](CompactJsonWriter& w) {
        WriteItemRef(w, index);
        WriteKey(w, "delta");
        WriteString(w, out.content);
        if (!code) WriteObfuscation(w, out.content);
      });
      Emit(issued, stem + "done", [&](CompactJsonWriter& w) {
        WriteItemRef(w, index);
        WriteKey(w, code ? "code" : "arguments");
        WriteString(w, out.content);
      });
    }
    if (out.tool_name == "web_search") EmitItemEvent(issued, prefix + "searching", index);
    if (out.tool_name == "code_interpreter") EmitItemEvent(issued, prefix + "interpreting", index);
    if (out.tool_name == "image_generation") EmitItemEvent(issued, prefix + "generating", index);
    const bool failed = out.hosted.fails;
    // Only MCP calls have a failed event; the other kinds report failure in the item's status.
    EmitItemEvent(out.completed_at,
                  prefix + (failed && out.tool_name == "mcp_call" ? "failed" : "completed"), index);
    EmitItem(out.completed_at, "response.output_item.done", index, true);
  }

  void EmitText(size_t index) {
    const PlannedOutput& out = plan_.outputs[index];
    EmitItem(out.first_at(), "response.output_item.added", index, false);
    EmitPart(out.first_at(), "response.content_part.added", index, "");
    if (plan_.refusal) {
      EmitRefusal(index);
      return;
    }
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

  // The rest of a refusal message (after its added events): refusal deltas, then done.
  void EmitRefusal(size_t index) {
    const PlannedOutput& out = plan_.outputs[index];
    for (const auto& delta : out.deltas) {
      Emit(delta.at, "response.refusal.delta", [&](CompactJsonWriter& w) {
        WriteItemRef(w, index);
        WriteKey(w, "content_index");
        w.Int(0);
        WriteKey(w, "delta");
        WriteString(w, delta.text);
        WriteObfuscation(w, delta.text);
      });
    }
    Emit(out.last_at(), "response.refusal.done", [&](CompactJsonWriter& w) {
      WriteItemRef(w, index);
      WriteKey(w, "content_index");
      w.Int(0);
      WriteKey(w, "refusal");
      WriteString(w, out.content);
    });
    EmitPart(out.last_at(), "response.content_part.done", index, out.content);
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
