#include "mocks/api/assistants/assistants_model.h"

#include <chrono>

#include "mocks/api/wire_json.h"
#include "mocks/model/calendar.h"

namespace agentreplay::mocks {
namespace {

// Whether the run's cancellation (or an injected failure) stopped it before `instant`.
bool CancelledBefore(const RunRecord& run, TimePoint instant) {
  return (run.cancel_requested.has_value() && *run.cancel_requested <= instant) ||
         (run.failure.has_value() && run.failure->at <= instant);
}

// Whether an injected failure ends the run at `at` (a cancellation that came first wins).
bool FailedAt(const RunRecord& run, TimePoint at) {
  if (!run.failure || at < run.failure->at) return false;
  return !run.cancel_requested || *run.cancel_requested > run.failure->at;
}

// The run's view ignoring any cancellation.
RunView UncancelledViewAt(const RunRecord& run, TimePoint at) {
  size_t k = 0;
  for (size_t i = 0; i < run.segments.size(); ++i) {
    if (run.segments[i].begins <= at) k = i;
  }
  const Segment& seg = run.segments[k];
  RunPhase phase = RunPhase::kEnded;
  if (at < seg.At(seg.plan.first_token)) {
    phase = RunPhase::kQueued;
  } else if (at < seg.At(seg.plan.end)) {
    phase = RunPhase::kInProgress;
  }
  RunView view = ViewOfPhase(run, k, phase);
  if (view.status == "requires_action" && at >= run.ExpiresAt()) {
    view.status = "expired";
    view.required_action = nullptr;
  }
  return view;
}

}  // namespace

int64_t AssistantsEpochSeconds(TimePoint t) { return UnixSeconds(t); }

const rapidjson::Value* EchoSource::Get(std::string_view key) const {
  const rapidjson::Value* v = FindMember(value, key);
  return v != nullptr && !v->IsNull() ? v : nullptr;
}

RunView ViewOfPhase(const RunRecord& run, size_t segment, RunPhase phase) {
  const Segment& seg = run.segments.at(segment);
  RunView view;
  switch (phase) {
    case RunPhase::kQueued:
      view.status = "queued";
      break;
    case RunPhase::kInProgress:
      view.status = "in_progress";
      break;
    case RunPhase::kEnded:
      view.status = seg.requires_action ? "requires_action" : "completed";
      if (!seg.requires_action && seg.plan.incomplete != Incompletion::kNone) {
        // The answer was cut off: the run ends incomplete (the API's reasons name the token
        // limit; a content filter has no documented run reason, so it is named as such).
        view.status = "incomplete";
        view.incomplete_reason = seg.plan.incomplete == Incompletion::kContentFilter
                                     ? "content_filter"
                                     : "max_completion_tokens";
      }
      break;
  }
  // started_at is the latest start: a run queued again after submit_tool_outputs keeps the
  // previous one until it is in progress again (as recorded).
  std::optional<size_t> started;
  if (phase != RunPhase::kQueued) {
    started = segment;
  } else if (segment > 0) {
    started = segment - 1;
  }
  if (started) {
    const Segment& s = run.segments[*started];
    view.started_at = AssistantsEpochSeconds(s.At(s.plan.first_token));
  }
  if (view.status == "completed" || view.status == "incomplete") {
    // A completed run has no expiry (recorded: expires_at null); an incomplete one has no
    // completion time either.
    if (view.status == "completed") {
      view.completed_at = AssistantsEpochSeconds(seg.At(seg.plan.end));
    }
    TokenUsage usage;
    for (size_t i = 0; i <= segment; ++i) {
      usage.prompt += run.segments[i].plan.input_tokens;
      usage.completion += run.segments[i].plan.output_tokens;
    }
    view.usage = usage;
  } else {
    view.expires_at = run.created_at + kRunExpirySeconds;
  }
  if (view.status == "requires_action") view.required_action = &seg;
  return view;
}

RunView ViewAt(const RunRecord& run, TimePoint at) {
  if (FailedAt(run, at)) {
    const RunFailure& failure = *run.failure;
    RunView view = ViewOfPhase(run, failure.segment, RunPhase::kQueued);
    view.status = failure.status;
    if (failure.status == "failed") {
      view.failed_at = AssistantsEpochSeconds(failure.at);
      view.last_error = &failure;
      view.expires_at.reset();
    }
    return view;
  }
  if (run.cancel_requested && at >= *run.cancel_requested) {
    RunView view = UncancelledViewAt(run, *run.cancel_requested);
    view.required_action = nullptr;
    if (run.cancelled && at >= *run.cancelled) {
      view.status = "cancelled";
      view.cancelled_at = AssistantsEpochSeconds(*run.cancelled);
      view.expires_at.reset();
    } else {
      view.status = "cancelling";
    }
    return view;
  }
  return UncancelledViewAt(run, at);
}

bool IsActiveStatus(std::string_view status) {
  return status == "queued" || status == "in_progress" || status == "requires_action" ||
         status == "cancelling";
}

TokenUsage StepUsage(const RunRecord& run, const RunStep& step) {
  if (!step.last_of_segment) return {};
  const StepPlan& plan = run.segments.at(step.segment).plan;
  return TokenUsage{plan.input_tokens, plan.output_tokens};
}

StepView StepCreatedView() {
  StepView view;
  view.status = "in_progress";
  view.list_calls = false;
  return view;
}

StepView StepCompletedView(const RunRecord& run, const RunStep& step) {
  StepView view;
  view.status = "completed";
  if (step.completed) view.completed_at = AssistantsEpochSeconds(*step.completed);
  view.usage = StepUsage(run, step);
  return view;
}

StepView StepViewAt(const RunRecord& run, const RunStep& step, TimePoint at) {
  if (step.completed && at >= *step.completed && !CancelledBefore(run, *step.completed)) {
    return StepCompletedView(run, step);
  }
  StepView view;
  view.status = "in_progress";
  const std::string_view run_status = ViewAt(run, at).status;
  if (run_status == "cancelled" || run_status == "expired" || run_status == "failed") {
    view.status = run_status;
  }
  return view;
}

bool StepVisibleAt(const RunRecord& run, const RunStep& step, TimePoint at) {
  return at >= step.created && !CancelledBefore(run, step.created);
}

bool MessageVisibleAt(const ThreadMessage& message, const RunRecord* run, TimePoint at) {
  if (at < message.visible_at) return false;
  return run == nullptr || !CancelledBefore(*run, message.visible_at);
}

}  // namespace agentreplay::mocks
