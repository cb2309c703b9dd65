#include "mocks/api/responses/responses_renderer.h"

#include <fmt/format.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "mocks/api/responses/responses_items.h"
#include "mocks/api/wire_json.h"
#include "sse/sse_encoder.h"

namespace agentreplay::mocks {
namespace {

struct PlannedDeltaView {
  Duration at{0};
  std::string_view text;
};

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

// Builds the stream event by event; each event is compact JSON in one SSE frame. The work is
// cut into units (the opening events, each output's opening events, each of its deltas, its
// closing events, the closing event) so that the stream can be rendered all at once or one
// chunk at a time as a server writes it: the same units in the same order give the same bytes.
// A delta kept as a span of its output's content (the deltas concatenate to it): a long
// stream's deltas then cost 16 bytes each while it plays, not a string each.
struct CompactDelta {
  Duration at{0};
  uint32_t begin = 0;
  uint32_t size = 0;
};
// Per output; an empty list: read the plan's own deltas.
using CompactDeltas = std::vector<std::vector<CompactDelta>>;

class StreamBuilder {
 public:
  // `compact`, if given, replaces the deltas of the outputs it lists.
  StreamBuilder(const StepPlan& plan, const ResponsesRenderContext& ctx,
                const CompactDeltas* compact = nullptr)
      : plan_(plan), ctx_(ctx), compact_(compact), obfuscation_rng_(ctx.obfuscation_seed) {}

  std::vector<TimedChunk> Build() {
    while (!finished_) Step();
    return std::move(chunks_);
  }

  // The next chunk, once it is complete (no later unit can add to it); false after the last.
  bool Next(TimedChunk& chunk) {
    while (!finished_ && chunks_.size() < 2) Step();
    if (chunks_.empty()) return false;
    chunk = std::move(chunks_.front());
    chunks_.erase(chunks_.begin());  // a chunk or two are pending at most
    return true;
  }

 private:
  enum class Stage { kOpen, kDeltas, kClose };

  // Renders the next unit of work.
  void Step() {
    if (!opened_) {
      opened_ = true;
      Emit(plan_.response_start, "response.created", [&](CompactJsonWriter& w) {
        WriteKey(w, "response");
        WriteResponse(w, plan_, ctx_, Phase::kInProgress);
      });
      Emit(plan_.response_start, "response.in_progress", [&](CompactJsonWriter& w) {
        WriteKey(w, "response");
        WriteResponse(w, plan_, ctx_, Phase::kInProgress);
      });
      return;
    }
    if (output_ < plan_.outputs.size()) {
      StepOutput(output_);
      return;
    }
    const bool incomplete = plan_.incomplete != Incompletion::kNone;
    Emit(plan_.end, incomplete ? "response.incomplete" : "response.completed",
         [&](CompactJsonWriter& w) {
           WriteKey(w, "response");
           WriteResponse(w, plan_, ctx_, Phase::kCompleted);
         });
    finished_ = true;
  }

  const std::vector<CompactDelta>* CompactOf(size_t i) const {
    if (compact_ == nullptr || (*compact_)[i].empty()) return nullptr;
    return &(*compact_)[i];
  }

  size_t DeltaCount(size_t i) const {
    const auto* compact = CompactOf(i);
    return compact != nullptr ? compact->size() : plan_.outputs[i].deltas.size();
  }

  PlannedDeltaView DeltaOf(size_t i, size_t d) const {
    if (const auto* compact = CompactOf(i)) {
      const CompactDelta& c = (*compact)[d];
      const std::string_view content = plan_.outputs[i].content;
      return {c.at, content.substr(c.begin, c.size)};
    }
    const PlannedDelta& delta = plan_.outputs[i].deltas[d];
    return {delta.at, delta.text};
  }

  // One unit of output `i`: its opening events, one delta, or its closing events.
  void StepOutput(size_t i) {
    const PlannedOutput& out = plan_.outputs[i];
    const bool streams_deltas = out.kind == PlannedOutput::Kind::kText ||
                                out.kind == PlannedOutput::Kind::kToolCall ||
                                out.kind == PlannedOutput::Kind::kReasoning;
    switch (stage_) {
      case Stage::kOpen:
        switch (out.kind) {
          case PlannedOutput::Kind::kText:
            OpenText(i);
            break;
          case PlannedOutput::Kind::kToolCall:
            EmitItem(out.first_at(), "response.output_item.added", i, false);
            break;
          case PlannedOutput::Kind::kReasoning:
            OpenReasoning(i);
            break;
          case PlannedOutput::Kind::kFileSearch:
            EmitFileSearch(i);
            break;
          case PlannedOutput::Kind::kHostedTool:
            EmitHostedTool(i);
            break;
        }
        delta_ = 0;
        stage_ = streams_deltas ? Stage::kDeltas : Stage::kOpen;
        if (!streams_deltas) ++output_;
        return;
      case Stage::kDeltas:
        if (delta_ < DeltaCount(i)) {
          const PlannedDeltaView delta = DeltaOf(i, delta_++);
          switch (out.kind) {
            case PlannedOutput::Kind::kText:
              if (plan_.refusal) {
                RefusalDelta(i, delta);
              } else {
                TextDelta(i, delta);
              }
              break;
            case PlannedOutput::Kind::kToolCall:
              ArgumentsDelta(i, delta);
              break;
            case PlannedOutput::Kind::kReasoning:
              ReasoningDelta(i, delta);
              break;
            case PlannedOutput::Kind::kFileSearch:
            case PlannedOutput::Kind::kHostedTool:
              break;
          }
          return;
        }
        stage_ = Stage::kClose;
        [[fallthrough]];
      case Stage::kClose:
        switch (out.kind) {
          case PlannedOutput::Kind::kText:
            if (plan_.refusal) {
              CloseRefusal(i);
            } else {
              CloseText(i);
            }
            break;
          case PlannedOutput::Kind::kToolCall:
            CloseFunctionCall(i);
            break;
          case PlannedOutput::Kind::kReasoning:
            CloseReasoning(i);
            break;
          case PlannedOutput::Kind::kFileSearch:
          case PlannedOutput::Kind::kHostedTool:
            break;
        }
        stage_ = Stage::kOpen;
        ++output_;
        return;
    }
  }

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
  void SummaryPart(size_t index, Duration at, std::string_view type, std::string_view text) {
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
  }

  void OpenReasoning(size_t index) {
    const PlannedOutput& out = plan_.outputs[index];
    EmitItem(out.first_at(), "response.output_item.added", index, false);
    if (out.summary) {
      SummaryPart(index, out.first_at(), "response.reasoning_summary_part.added", "");
    }
  }

  void ReasoningDelta(size_t index, const PlannedDeltaView& delta) {
    const bool summary = plan_.outputs[index].summary;
    Emit(delta.at,
         summary ? "response.reasoning_summary_text.delta" : "response.reasoning_text.delta",
         [&](CompactJsonWriter& w) {
           WriteItemRef(w, index);
           WriteKey(w, summary ? "summary_index" : "content_index");
           w.Int(0);
           WriteKey(w, "delta");
           WriteString(w, delta.text);
           WriteObfuscation(w, delta.text);
         });
  }

  void CloseReasoning(size_t index) {
    const PlannedOutput& out = plan_.outputs[index];
    Emit(out.last_at(),
         out.summary ? "response.reasoning_summary_text.done" : "response.reasoning_text.done",
         [&](CompactJsonWriter& w) {
           WriteItemRef(w, index);
           WriteKey(w, out.summary ? "summary_index" : "content_index");
           w.Int(0);
           WriteKey(w, "text");
           WriteString(w, out.content);
         });
    if (out.summary) {
      SummaryPart(index, out.last_at(), "response.reasoning_summary_part.done", out.content);
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

  void OpenText(size_t index) {
    const PlannedOutput& out = plan_.outputs[index];
    EmitItem(out.first_at(), "response.output_item.added", index, false);
    EmitPart(out.first_at(), "response.content_part.added", index, "");
  }

  void TextDelta(size_t index, const PlannedDeltaView& delta) {
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

  void CloseText(size_t index) {
    const PlannedOutput& out = plan_.outputs[index];
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

  // A refusal message: after its added events (OpenText), refusal deltas, then done.
  void RefusalDelta(size_t index, const PlannedDeltaView& delta) {
    Emit(delta.at, "response.refusal.delta", [&](CompactJsonWriter& w) {
      WriteItemRef(w, index);
      WriteKey(w, "content_index");
      w.Int(0);
      WriteKey(w, "delta");
      WriteString(w, delta.text);
      WriteObfuscation(w, delta.text);
    });
  }

  void CloseRefusal(size_t index) {
    const PlannedOutput& out = plan_.outputs[index];
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

  void ArgumentsDelta(size_t index, const PlannedDeltaView& delta) {
    Emit(delta.at, "response.function_call_arguments.delta", [&](CompactJsonWriter& w) {
      WriteItemRef(w, index);
      WriteKey(w, "delta");
      WriteString(w, delta.text);
      WriteObfuscation(w, delta.text);
    });
  }

  void CloseFunctionCall(size_t index) {
    const PlannedOutput& out = plan_.outputs[index];
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
  const CompactDeltas* compact_;
  Rng obfuscation_rng_;
  int64_t sequence_number_ = 0;
  std::vector<TimedChunk> chunks_;  // rendered, not yet handed out
  bool opened_ = false;             // the opening events are out
  size_t output_ = 0;               // the output being rendered
  Stage stage_ = Stage::kOpen;
  size_t delta_ = 0;       // its next delta
  bool finished_ = false;  // the closing event is out
};

// The request as a stream echoes it, in a pool of its own: a parsed request's pool grows in
// 64 KiB steps, which a thousand open streams would each keep.
struct RequestCopy {
  explicit RequestCopy(const rapidjson::Value& request) : pool(1024), document(&pool) {
    document.CopyFrom(request, pool);
  }
  rapidjson::MemoryPoolAllocator<> pool;
  rapidjson::Document document;
};

// A stream rendered as it is read: owns what the builder refers to.
class ResponsesStreamSource final : public ChunkSource {
 public:
  ResponsesStreamSource(StepPlan plan, ResponsesRenderContext context)
      : plan_(Compacted(std::move(plan), compact_)),
        context_(std::move(context)),
        request_(context_.request != nullptr ? std::make_unique<RequestCopy>(*context_.request)
                                             : nullptr),
        builder_(plan_, context_, &compact_) {
    context_.request = request_ != nullptr ? &request_->document : nullptr;
  }

  bool Next(TimedChunk& chunk) override { return builder_.Next(chunk); }

 private:
  // The plan with each output's deltas as spans of its content (`compact`), keeping only the
  // first and the last (first_at and last_at read them).
  static StepPlan Compacted(StepPlan plan, CompactDeltas& compact) {
    compact.resize(plan.outputs.size());
    for (size_t i = 0; i < plan.outputs.size(); ++i) {
      PlannedOutput& out = plan.outputs[i];
      if (out.deltas.size() <= 2 || out.content.size() > UINT32_MAX) continue;
      std::vector<CompactDelta> spans;
      spans.reserve(out.deltas.size());
      size_t offset = 0;
      for (const PlannedDelta& delta : out.deltas) {
        if (out.content.compare(offset, delta.text.size(), delta.text) != 0) break;
        spans.push_back(CompactDelta{delta.at, static_cast<uint32_t>(offset),
                                     static_cast<uint32_t>(delta.text.size())});
        offset += delta.text.size();
      }
      if (spans.size() != out.deltas.size()) {  // not spans of the content: keep them
        out.deltas.shrink_to_fit();
        continue;
      }
      compact[i] = std::move(spans);
      // Swapped, not assigned: assignment would keep the planner's whole allocation.
      std::vector<PlannedDelta> ends{out.deltas.front(), out.deltas.back()};
      out.deltas.swap(ends);
    }
    return plan;
  }

  CompactDeltas compact_;  // first: the plan's initialiser fills it
  const StepPlan plan_;
  ResponsesRenderContext context_;
  const std::unique_ptr<const RequestCopy> request_;
  StreamBuilder builder_;  // last: refers to the members above
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

std::shared_ptr<ChunkSource> MakeResponsesStreamSource(StepPlan plan,
                                                       ResponsesRenderContext context) {
  return std::make_shared<ResponsesStreamSource>(std::move(plan), std::move(context));
}

std::string RenderResponseObject(const StepPlan& plan, const ResponsesRenderContext& context) {
  rapidjson::StringBuffer buffer;
  PrettyJsonWriter w(buffer);
  ConfigurePretty(w);
  WriteResponse(w, plan, context, Phase::kCompleted);
  return TakePretty(buffer);
}

}  // namespace agentreplay::mocks
