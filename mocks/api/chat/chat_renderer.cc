#include "mocks/api/chat/chat_renderer.h"

#include <array>
#include <memory>
#include <optional>
#include <utility>

#include "mocks/api/wire_json.h"
#include "sse/sse_encoder.h"

namespace agentreplay::mocks {
namespace {

using Kind = PlannedOutput::Kind;

// Aliases and the snapshot the API answered with when they were recorded or documented.
constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kSnapshots = {{
    {"gpt-4o", "gpt-4o-2024-08-06"},
    {"gpt-4o-mini", "gpt-4o-mini-2024-07-18"},
    {"gpt-4.1", "gpt-4.1-2025-04-14"},
    {"gpt-4.1-mini", "gpt-4.1-mini-2025-04-14"},
    {"gpt-4.1-nano", "gpt-4.1-nano-2025-04-14"},
    {"gpt-4-turbo", "gpt-4-turbo-2024-04-09"},
    {"gpt-3.5-turbo", "gpt-3.5-turbo-0125"},
}};

// Usage in the non-streamed object, with every detail the current API reports.
template <typename Writer>
void WriteFullUsage(Writer& w, const StepPlan& plan) {
  w.StartObject();
  WriteKey(w, "prompt_tokens");
  w.Int64(plan.input_tokens);
  WriteKey(w, "completion_tokens");
  w.Int64(plan.output_tokens);
  WriteKey(w, "total_tokens");
  w.Int64(plan.input_tokens + plan.output_tokens);
  WriteKey(w, "prompt_tokens_details");
  w.StartObject();
  for (std::string_view key : {"cached_tokens", "audio_tokens"}) {
    WriteKey(w, key);
    w.Int(0);
  }
  w.EndObject();
  WriteKey(w, "completion_tokens_details");
  w.StartObject();
  WriteKey(w, "reasoning_tokens");
  w.Int64(plan.reasoning_tokens);
  for (std::string_view key :
       {"audio_tokens", "accepted_prediction_tokens", "rejected_prediction_tokens"}) {
    WriteKey(w, key);
    w.Int(0);
  }
  w.EndObject();
  w.EndObject();
}

// Builds the stream chunk by chunk; each chunk is compact JSON in one SSE data line. The work
// is cut into units (an output's opening chunks, each of its deltas, the closing chunks) so
// that the stream can be rendered all at once or one TimedChunk at a time as a server writes
// it: the same units in the same order give the same bytes.
class ChunkStream {
 public:
  ChunkStream(const StepPlan& plan, const ChatRenderContext& ctx) : plan_(plan), ctx_(ctx) {}

  std::vector<TimedChunk> Build() {
    while (!finished_) Step();
    return std::move(chunks_);
  }

  // The next TimedChunk, once it is complete (no later unit can add to it); false after the
  // last.
  bool Next(TimedChunk& chunk) {
    while (!finished_ && chunks_.size() < 2) Step();
    if (chunks_.empty()) return false;
    chunk = std::move(chunks_.front());
    chunks_.erase(chunks_.begin());  // a chunk or two are pending at most
    return true;
  }

 private:
  // Renders the next unit of work (which may render nothing: an empty argument piece).
  void Step() {
    while (output_ < plan_.outputs.size()) {
      const PlannedOutput& out = plan_.outputs[output_];
      if (out.kind == Kind::kFileSearch || out.kind == Kind::kHostedTool ||
          out.kind == Kind::kReasoning) {
        // Chat offers no file_search nor hosted tools, and OpenAI's Chat Completions does not
        // stream reasoning: their time has been planned and passes without a chunk (reasoning
        // tokens are still counted in the usage).
        ++output_;
        continue;
      }
      if (!opened_) {
        if (!started_) {
          EmitRole(out.first_at(), out.kind == Kind::kText);
          started_ = true;
        }
        if (out.kind == Kind::kToolCall) EmitCallHead(out, ctx_.call_ids.at(output_));
        opened_ = true;
        delta_ = 0;
        return;
      }
      if (delta_ < out.deltas.size()) {
        const PlannedDelta& delta = out.deltas[delta_++];
        if (out.kind == Kind::kText) {
          EmitDelta(delta.at, [&](CompactJsonWriter& w) {
            WriteKey(w, plan_.refusal ? "refusal" : "content");
            WriteString(w, delta.text);
          });
        } else if (!delta.text.empty()) {  // empty arguments: the first chunk said it all
          EmitToolCallDelta(delta.at, call_index_, [&](CompactJsonWriter& w) {
            WriteKey(w, "function");
            w.StartObject();
            WriteKey(w, "arguments");
            WriteString(w, delta.text);
            w.EndObject();
          });
        }
        return;
      }
      if (out.kind == Kind::kToolCall) ++call_index_;
      opened_ = false;
      ++output_;
    }
    if (!started_) EmitRole(plan_.first_token, true);  // a step with no output at all
    EmitDelta(
        plan_.end, [](CompactJsonWriter&) {}, FinishReason(plan_));
    if (ctx_.include_usage) EmitUsage();
    Append(plan_.end, "[DONE]");
    finished_ = true;
  }

 private:
  void Append(Duration at, std::string_view data) {
    if (chunks_.empty() || !ctx_.group_same_instant || chunks_.back().at != at) {
      chunks_.push_back(TimedChunk{at, {}});
    }
    AppendSseEvent(chunks_.back().bytes, {}, data);
  }

  // A chunk: the envelope, then what `rest` writes (choices, usage).
  template <typename Rest>
  void Emit(Duration at, Rest rest) {
    rapidjson::StringBuffer buffer;
    CompactJsonWriter w(buffer);
    w.StartObject();
    WriteKey(w, "id");
    WriteString(w, ctx_.completion_id);
    WriteKey(w, "object");
    WriteString(w, "chat.completion.chunk");
    WriteKey(w, "created");
    w.Int64(ctx_.created);
    WriteKey(w, "model");
    WriteString(w, ctx_.model);
    WriteKey(w, "system_fingerprint");
    WriteString(w, ctx_.system_fingerprint);
    WriteKey(w, "choices");
    rest(w);
    w.EndObject();
    Append(at, std::string_view(buffer.GetString(), buffer.GetSize()));
  }

  // A chunk with one choice whose delta `delta` writes the members of.
  template <typename Delta>
  void EmitDelta(Duration at, Delta delta, std::optional<std::string_view> finish = {}) {
    Emit(at, [&](CompactJsonWriter& w) {
      w.StartArray();
      w.StartObject();
      WriteKey(w, "index");
      w.Int(0);
      WriteKey(w, "delta");
      w.StartObject();
      delta(w);
      w.EndObject();
      WriteKey(w, "logprobs");
      w.Null();
      WriteKey(w, "finish_reason");
      if (finish) {
        WriteString(w, *finish);
      } else {
        w.Null();
      }
      w.EndObject();
      w.EndArray();
    });
  }

  // The recordings differ by what follows: a text answer announces an empty content and no
  // refusal, a step that starts with a call a null content and no refusal key.
  void EmitRole(Duration at, bool text) {
    EmitDelta(at, [this, text](CompactJsonWriter& w) {
      WriteKey(w, "role");
      WriteString(w, "assistant");
      WriteKey(w, "content");
      if (text && plan_.refusal) {
        // A refusal streams in `refusal` instead: content stays null.
        w.Null();
        WriteKey(w, "refusal");
        WriteString(w, "");
      } else if (text) {
        WriteString(w, "");
        WriteKey(w, "refusal");
        w.Null();
      } else {
        w.Null();
      }
    });
  }

  void EmitCallHead(const PlannedOutput& out, const std::string& call_id) {
    // id, type and name come once, with empty arguments; the pieces follow in chunks of their
    // own (the first at the same instant).
    EmitToolCallDelta(out.first_at(), call_index_, [&](CompactJsonWriter& w) {
      WriteKey(w, "id");
      WriteString(w, call_id);
      WriteKey(w, "type");
      WriteString(w, "function");
      WriteKey(w, "function");
      w.StartObject();
      WriteKey(w, "name");
      WriteString(w, out.tool_name);
      WriteKey(w, "arguments");
      WriteString(w, "");
      w.EndObject();
    });
  }

  template <typename Body>
  void EmitToolCallDelta(Duration at, int64_t index, Body body) {
    EmitDelta(at, [&](CompactJsonWriter& w) {
      WriteKey(w, "tool_calls");
      w.StartArray();
      w.StartObject();
      WriteKey(w, "index");
      w.Int64(index);
      body(w);
      w.EndObject();
      w.EndArray();
    });
  }

  // The usage chunk, in the recordings' shape (which predates prompt_tokens_details).
  void EmitUsage() {
    Emit(plan_.end, [&](CompactJsonWriter& w) {
      w.StartArray();
      w.EndArray();
      WriteKey(w, "usage");
      w.StartObject();
      WriteKey(w, "prompt_tokens");
      w.Int64(plan_.input_tokens);
      WriteKey(w, "completion_tokens");
      w.Int64(plan_.output_tokens);
      WriteKey(w, "total_tokens");
      w.Int64(plan_.input_tokens + plan_.output_tokens);
      WriteKey(w, "completion_tokens_details");
      w.StartObject();
      WriteKey(w, "reasoning_tokens");
      w.Int64(plan_.reasoning_tokens);
      w.EndObject();
      w.EndObject();
    });
  }

  const StepPlan& plan_;
  const ChatRenderContext& ctx_;
  std::vector<TimedChunk> chunks_;  // rendered, not yet handed out
  size_t output_ = 0;               // the output being rendered
  bool opened_ = false;             // its opening chunks are out
  size_t delta_ = 0;                // its next delta
  bool started_ = false;            // the role chunk is out
  int64_t call_index_ = 0;          // the index of the next tool call
  bool finished_ = false;           // [DONE] is out
};

// A stream rendered as it is read: owns what the builder refers to.
class ChatStreamSource final : public ChunkSource {
 public:
  ChatStreamSource(StepPlan plan, ChatRenderContext context)
      : plan_(Trimmed(std::move(plan))), context_(std::move(context)), stream_(plan_, context_) {}

  bool Next(TimedChunk& chunk) override { return stream_.Next(chunk); }

 private:
  // Without the spare capacity the planner's vectors grew.
  static StepPlan Trimmed(StepPlan plan) {
    for (PlannedOutput& out : plan.outputs) out.deltas.shrink_to_fit();
    return plan;
  }

  const StepPlan plan_;
  const ChatRenderContext context_;
  ChunkStream stream_;  // last: refers to the members above
};

}  // namespace

std::string ReportedModel(std::string_view model) {
  for (const auto& [alias, snapshot] : kSnapshots) {
    if (alias == model) return std::string(snapshot);
  }
  return std::string(model);
}

std::string_view FinishReason(const StepPlan& plan) {
  // Chat's names for an answer cut off: "length" for the token limit.
  if (plan.incomplete == Incompletion::kMaxOutputTokens) return "length";
  if (plan.incomplete == Incompletion::kContentFilter) return "content_filter";
  for (const auto& out : plan.outputs) {
    if (out.kind == Kind::kToolCall) return "tool_calls";
  }
  return "stop";
}

std::vector<TimedChunk> RenderChatStream(const StepPlan& plan, const ChatRenderContext& context) {
  return ChunkStream(plan, context).Build();
}

std::shared_ptr<ChunkSource> MakeChatStreamSource(StepPlan plan, ChatRenderContext context) {
  return std::make_shared<ChatStreamSource>(std::move(plan), std::move(context));
}

std::string RenderChatCompletion(const StepPlan& plan, const ChatRenderContext& context) {
  std::string text;
  bool has_text = false;
  for (const auto& out : plan.outputs) {
    if (out.kind != Kind::kText) continue;
    text += out.content;
    has_text = true;
  }

  rapidjson::StringBuffer buffer;
  PrettyJsonWriter w(buffer);
  ConfigurePretty(w);
  w.StartObject();
  WriteKey(w, "id");
  WriteString(w, context.completion_id);
  WriteKey(w, "object");
  WriteString(w, "chat.completion");
  WriteKey(w, "created");
  w.Int64(context.created);
  WriteKey(w, "model");
  WriteString(w, context.model);
  WriteKey(w, "choices");
  w.StartArray();
  w.StartObject();
  WriteKey(w, "index");
  w.Int(0);
  WriteKey(w, "message");
  w.StartObject();
  WriteKey(w, "role");
  WriteString(w, "assistant");
  WriteKey(w, "content");
  const bool calls = FinishReason(plan) == "tool_calls";
  if ((has_text || !calls) && !plan.refusal) {
    WriteString(w, text);
  } else {
    w.Null();
  }
  if (calls) {
    WriteKey(w, "tool_calls");
    w.StartArray();
    for (size_t i = 0; i < plan.outputs.size(); ++i) {
      const PlannedOutput& out = plan.outputs[i];
      if (out.kind != Kind::kToolCall) continue;
      w.StartObject();
      WriteKey(w, "id");
      WriteString(w, context.call_ids.at(i));
      WriteKey(w, "type");
      WriteString(w, "function");
      WriteKey(w, "function");
      w.StartObject();
      WriteKey(w, "name");
      WriteString(w, out.tool_name);
      WriteKey(w, "arguments");
      WriteString(w, out.content);
      w.EndObject();
      w.EndObject();
    }
    w.EndArray();
  }
  WriteKey(w, "refusal");
  if (plan.refusal) {
    WriteString(w, text);
  } else {
    w.Null();
  }
  WriteKey(w, "annotations");
  w.StartArray();
  w.EndArray();
  w.EndObject();
  WriteKey(w, "logprobs");
  w.Null();
  WriteKey(w, "finish_reason");
  WriteString(w, FinishReason(plan));
  w.EndObject();
  w.EndArray();
  WriteKey(w, "usage");
  WriteFullUsage(w, plan);
  WriteKey(w, "service_tier");
  WriteString(w, "default");
  WriteKey(w, "system_fingerprint");
  WriteString(w, context.system_fingerprint);
  w.EndObject();
  return TakePretty(buffer);
}

}  // namespace agentreplay::mocks
