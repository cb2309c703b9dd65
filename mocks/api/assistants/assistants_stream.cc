// The thread.* event stream of one run segment (see assistants_renderer.h for the order).
#include <fmt/format.h>

#include <utility>

#include "mocks/api/assistants/assistants_renderer.h"
#include "sse/sse_encoder.h"

namespace agentreplay::mocks {
namespace {

class RunStreamBuilder {
 public:
  RunStreamBuilder(const RunRecord& run, size_t segment, const AssistantsStreamOptions& options)
      : run_(run), k_(segment), seg_(run.segments.at(segment)), options_(options) {}

  std::vector<TimedChunk> Build() {
    const StepPlan& plan = seg_.plan;
    if (options_.created_thread != nullptr) {
      Emit(plan.response_start, "thread.created",
           [&](CompactJsonWriter& w) { WriteThreadObject(w, *options_.created_thread); });
    }
    if (k_ > 0) {
      // The outputs this submit delivered complete the previous segment's tool_calls step.
      if (const auto& previous = run_.segments[k_ - 1].function_step) {
        const RunStep& step = run_.steps.at(*previous);
        EmitStep(plan.response_start, "thread.run.step.completed", step,
                 StepCompletedView(run_, step));
      }
    } else {
      EmitRun(plan.response_start, "thread.run.created", RunPhase::kQueued);
    }
    EmitRun(plan.response_start, "thread.run.queued", RunPhase::kQueued);
    if (run_.failure && run_.failure->segment == k_) {
      // An injected failure: the run ends where its output would have begun.
      const RunFailure& failure = *run_.failure;
      const Duration at = Offset(failure.at);
      Emit(at, failure.status == "failed" ? "thread.run.failed" : "thread.run.expired",
           [&](CompactJsonWriter& w) { WriteRunObject(w, run_, ViewAt(run_, failure.at)); });
      Append(at, "done", "[DONE]");
      return std::move(chunks_);
    }
    EmitRun(plan.first_token, "thread.run.in_progress", RunPhase::kInProgress);
    for (size_t index : seg_.steps) {
      const RunStep& step = run_.steps.at(index);
      if (step.message_creation) {
        EmitMessageStep(step);
      } else if (!step.calls.empty() && step.calls[0].kind != PlannedOutput::Kind::kToolCall) {
        EmitHostedStep(step);
      } else {
        EmitFunctionStep(step);
      }
    }
    const RunView ended = ViewOfPhase(run_, k_, RunPhase::kEnded);
    Emit(plan.end, fmt::format("thread.run.{}", ended.status),
         [&](CompactJsonWriter& w) { WriteRunObject(w, run_, ended); });
    Append(plan.end, "done", "[DONE]");
    return std::move(chunks_);
  }

 private:
  Duration Offset(TimePoint instant) const { return instant - seg_.sent_at; }

  void Append(Duration at, std::string_view type, std::string_view data) {
    if (chunks_.empty() || !options_.group_same_instant || chunks_.back().at != at) {
      chunks_.push_back(TimedChunk{at, {}});
    }
    AppendSseEvent(chunks_.back().bytes, type, data);
  }

  template <typename Body>
  void Emit(Duration at, std::string_view type, Body body) {
    rapidjson::StringBuffer buffer;
    CompactJsonWriter w(buffer);
    body(w);
    Append(at, type, std::string_view(buffer.GetString(), buffer.GetSize()));
  }

  void EmitRun(Duration at, std::string_view type, RunPhase phase) {
    const RunView view = ViewOfPhase(run_, k_, phase);
    Emit(at, type, [&](CompactJsonWriter& w) { WriteRunObject(w, run_, view); });
  }

  void EmitStep(Duration at, std::string_view type, const RunStep& step, const StepView& view) {
    Emit(at, type, [&](CompactJsonWriter& w) { WriteStepObject(w, run_, step, view); });
  }

  void EmitStepStart(const RunStep& step) {
    const Duration at = Offset(step.created);
    EmitStep(at, "thread.run.step.created", step, StepCreatedView());
    EmitStep(at, "thread.run.step.in_progress", step, StepCreatedView());
  }

  // {"id":<step>,"object":"thread.run.step.delta","delta":{"step_details":{"type":
  // "tool_calls","tool_calls":[<call>]}}}, the call written by `call`.
  template <typename Call>
  void EmitStepDelta(Duration at, const RunStep& step, Call call) {
    Emit(at, "thread.run.step.delta", [&](CompactJsonWriter& w) {
      w.StartObject();
      WriteKey(w, "id");
      WriteString(w, step.id);
      WriteKey(w, "object");
      WriteString(w, "thread.run.step.delta");
      WriteKey(w, "delta");
      w.StartObject();
      WriteKey(w, "step_details");
      w.StartObject();
      WriteKey(w, "type");
      WriteString(w, "tool_calls");
      WriteKey(w, "tool_calls");
      w.StartArray();
      call(w);
      w.EndArray();
      w.EndObject();
      w.EndObject();
      w.EndObject();
    });
  }

  ThreadMessage AssistantMessage(const RunStep& step, const PlannedOutput& out) const {
    ThreadMessage message;
    message.id = step.message_id;
    message.thread_id = run_.thread_id;
    message.role = "assistant";
    message.text = out.content;
    message.created_at = AssistantsEpochSeconds(step.created);
    message.assistant_id = run_.assistant_id;
    message.run_id = run_.id;
    message.citations = step.citations;
    message.refusal = seg_.plan.refusal;
    message.incomplete = seg_.plan.incomplete != Incompletion::kNone;
    return message;
  }

  void EmitMessageStep(const RunStep& step) {
    const PlannedOutput& out = seg_.plan.outputs.at(step.output_index);
    const ThreadMessage message = AssistantMessage(step, out);
    const Duration first = out.first_at();
    const Duration last = out.last_at();
    EmitStepStart(step);
    for (std::string_view type : {"thread.message.created", "thread.message.in_progress"}) {
      Emit(first, type, [&](CompactJsonWriter& w) {
        WriteMessageObject(w, message, MessageForm::kStreamInProgress);
      });
    }
    bool first_delta = true;
    for (const auto& delta : out.deltas) {
      Emit(delta.at, "thread.message.delta", [&](CompactJsonWriter& w) {
        w.StartObject();
        WriteKey(w, "id");
        WriteString(w, message.id);
        WriteKey(w, "object");
        WriteString(w, "thread.message.delta");
        WriteKey(w, "delta");
        w.StartObject();
        WriteKey(w, "content");
        w.StartArray();
        w.StartObject();
        WriteKey(w, "index");
        w.Int(0);
        if (message.refusal) {
          // {"index":0,"type":"refusal","refusal":<delta>} (the API's RefusalDeltaBlock).
          WriteKey(w, "type");
          WriteString(w, "refusal");
          WriteKey(w, "refusal");
          WriteString(w, delta.text);
        } else {
          WriteKey(w, "type");
          WriteString(w, "text");
          WriteKey(w, "text");
          w.StartObject();
          WriteKey(w, "value");
          WriteString(w, delta.text);
          // Only the first delta of a message carries the (empty) annotations (as recorded).
          if (first_delta) {
            WriteKey(w, "annotations");
            w.StartArray();
            w.EndArray();
          }
          w.EndObject();
        }
        w.EndObject();
        w.EndArray();
        w.EndObject();
        w.EndObject();
      });
      first_delta = false;
    }
    const int64_t completed_at = AssistantsEpochSeconds(seg_.At(last));
    Emit(last, message.incomplete ? "thread.message.incomplete" : "thread.message.completed",
         [&](CompactJsonWriter& w) {
           WriteMessageObject(w, message, MessageForm::kStreamCompleted, completed_at);
         });
    EmitStep(last, "thread.run.step.completed", step, StepCompletedView(run_, step));
  }

  // A file_search or code_interpreter step: announced when issued, completed when done.
  void EmitHostedStep(const RunStep& step) {
    const StepToolCall& call = step.calls.front();
    const bool search = call.kind == PlannedOutput::Kind::kFileSearch;
    EmitStepStart(step);
    EmitStepDelta(Offset(step.created), step, [&](CompactJsonWriter& w) {
      w.StartObject();
      WriteKey(w, "index");
      w.Int(0);
      WriteKey(w, "id");
      WriteString(w, call.id);
      WriteKey(w, "type");
      WriteString(w, search ? "file_search" : "code_interpreter");
      WriteKey(w, search ? "file_search" : "code_interpreter");
      w.StartObject();
      if (!search) {
        WriteKey(w, "input");
        WriteString(w, call.arguments);
        WriteKey(w, "outputs");
        w.StartArray();
        w.EndArray();
      }
      w.EndObject();
      w.EndObject();
    });
    EmitStep(Offset(*step.completed), "thread.run.step.completed", step,
             StepCompletedView(run_, step));
  }

  void EmitFunctionStep(const RunStep& step) {
    EmitStepStart(step);
    for (size_t i = 0; i < step.calls.size(); ++i) {
      const StepToolCall& call = step.calls[i];
      const PlannedOutput& out = seg_.plan.outputs.at(call.output_index);
      const auto index = static_cast<int64_t>(i);
      // The call is announced with empty arguments, then each piece follows (as recorded).
      EmitStepDelta(out.first_at(), step, [&](CompactJsonWriter& w) {
        w.StartObject();
        WriteKey(w, "index");
        w.Int64(index);
        WriteKey(w, "id");
        WriteString(w, call.id);
        WriteKey(w, "type");
        WriteString(w, "function");
        WriteKey(w, "function");
        w.StartObject();
        WriteKey(w, "name");
        WriteString(w, call.name);
        WriteKey(w, "arguments");
        WriteString(w, "");
        WriteKey(w, "output");
        w.Null();
        w.EndObject();
        w.EndObject();
      });
      for (const auto& delta : out.deltas) {
        EmitStepDelta(delta.at, step, [&](CompactJsonWriter& w) {
          w.StartObject();
          WriteKey(w, "index");
          w.Int64(index);
          WriteKey(w, "type");
          WriteString(w, "function");
          WriteKey(w, "function");
          w.StartObject();
          WriteKey(w, "arguments");
          WriteString(w, delta.text);
          w.EndObject();
          w.EndObject();
        });
      }
    }
  }

  const RunRecord& run_;
  const size_t k_;
  const Segment& seg_;
  const AssistantsStreamOptions& options_;
  std::vector<TimedChunk> chunks_;
};

}  // namespace

std::vector<TimedChunk> RenderRunStream(const RunRecord& run, size_t segment,
                                        const AssistantsStreamOptions& options) {
  return RunStreamBuilder(run, segment, options).Build();
}

}  // namespace agentreplay::mocks
