// AssistantsClient: following a run after runs.create or submit_tool_outputs, by polling
// (stream=false) or by reading the run's event stream (stream=true, package p3).
#include <fmt/format.h>

#include <algorithm>

#include "llm/assistants_client.h"
#include "llm/assistants_stream.h"
#include "sse/sse_decoder.h"

namespace agentreplay {
namespace {

constexpr std::string_view kFinalMessagesQuery = "?order=desc&limit=1";

// The next poll interval: grown by the backoff factor, capped. A cap below the first interval
// caps nothing (p0's cap of 0 with a fixed interval set by `run --set poll_interval_ms=50`
// polls every 50 ms, not once after 50 ms and then back to back).
Duration NextInterval(Duration interval, const AssistantsOptions& opt) {
  const auto grown =
      std::chrono::duration_cast<Duration>(std::chrono::duration<double, Duration::period>(
          static_cast<double>(interval.count()) * opt.poll_backoff));
  return std::max(opt.poll_interval, std::min(grown, opt.poll_interval_max));
}

}  // namespace

Task<StepResult> AssistantsClient::FollowByPolling(RunSnapshot run) {
  const AssistantsOptions& opt = options_.assistants;
  run_id_ = run.id;
  const TimePoint start = ports_.clock.Now();
  Duration interval = opt.poll_interval;
  // Polls are paced by the clock, not by the answers: the k-th poll is due at the instant the
  // run was first seen plus the first k intervals, however long the polls (and the message
  // lists between them) took. A slow answer then does not push every later poll back, and the
  // real world, whose answers take a little longer than the simulated ones, polls at the same
  // instants and so sees the same states. A poll that is overdue goes out at once, and the
  // schedule restarts from there rather than bursting to catch up.
  TimePoint next_poll = start;
  for (;;) {
    const RunPhase phase = PhaseOfStatus(run.status);
    const bool changed = run.status != last_status_;
    if (changed) {
      last_status_ = run.status;
      Emit(AgentEventType::kStatus, run.status);
    }
    if (phase == RunPhase::kRequiresAction) {
      if (!run.has_required_action) {
        co_return FailedStep(Error{ErrorKind::kProtocol, "bad_required_action",
                                   "run at requires_action without submit_tool_outputs.tool_calls",
                                   0});
      }
      // Polling learns of a call only whole: it starts and is ready at the same instant.
      for (const auto& call : run.required_calls) {
        Emit(AgentEventType::kToolCallStarted, {}, call.call_id, call.name);
        Emit(AgentEventType::kToolCallReady, call.arguments, call.call_id, call.name);
      }
    }
    std::optional<AssistantAnswer> answer;
    bool fetched = false;
    if (changed && opt.list_messages_each_state_change) {
      if (auto err = co_await ListMessages({}, answer)) co_return FailedStep(std::move(*err));
      fetched = true;
    }

    switch (phase) {
      case RunPhase::kWaiting:
        break;
      case RunPhase::kRequiresAction: {
        StepResult result;
        result.outcome = StepResult::Outcome::kToolCalls;
        result.tool_calls = std::move(run.required_calls);
        co_return result;
      }
      case RunPhase::kCompleted: {
        if (!fetched) {
          if (auto err = co_await ListMessages(std::string(kFinalMessagesQuery), answer)) {
            co_return FailedStep(std::move(*err));
          }
        }
        StepResult result;
        result.outcome = StepResult::Outcome::kCompleted;
        result.usage = run.usage;
        if (answer) {
          result.text = std::move(answer->text);
          result.used_file_search = answer->cites_files;
          // The whole answer at once: this is the first instant the UI could show any of it.
          if (!result.text.empty()) Emit(AgentEventType::kTextDelta, result.text);
          Emit(AgentEventType::kTextDone, result.text);
        }
        co_return result;
      }
      case RunPhase::kFailed: {
        StepResult result = FailedStep(RunFailureError(run));
        result.usage = run.usage;
        co_return result;
      }
    }

    if (ports_.clock.Now() - start >= opt.run_timeout) {
      co_return FailedStep(Error{ErrorKind::kTimeout, "run_wait_timeout",
                                 fmt::format("run {} still '{}' after {} ms", run.id, run.status,
                                             ToMillis(opt.run_timeout)),
                                 0});
    }
    next_poll = std::max(next_poll + interval, ports_.clock.Now());
    co_await ports_.clock.Sleep(next_poll - ports_.clock.Now());
    interval = NextInterval(interval, opt);
    JsonReply reply =
        co_await CallJson("GET", fmt::format("/threads/{}/runs/{}", thread_id_, run_id_), {});
    if (reply.error) co_return FailedStep(std::move(*reply.error));
    if (!ParseRun(reply.doc, run)) {
      co_return FailedStep(
          Error{ErrorKind::kProtocol, "bad_run_json", "runs.retrieve answered no run", 0});
    }
  }
}

Task<StepResult> AssistantsClient::FollowStream(HttpResponse response) {
  AssistantsStreamState state(ports_.sink, ports_.clock);
  SseDecoder decoder;
  std::vector<SseEvent> events;
  for (;;) {
    BodyChunk chunk = co_await response.body->Next();
    if (!chunk.bytes.empty()) {
      decoder.Feed(chunk.bytes, events);
      // One event at a time: the legacy handler listed messages right after each status
      // event, before it looked at the next one.
      for (const auto& ev : events) {
        const bool status_event = state.OnEvent(ev);
        if (!state.run_id().empty()) run_id_ = state.run_id();
        if (status_event && options_.assistants.list_messages_each_state_change) {
          std::optional<AssistantAnswer> ignored;
          if (auto err = co_await ListMessages({}, ignored)) co_return FailedStep(std::move(*err));
        }
      }
      events.clear();
    }
    if (decoder.overflowed()) co_return FailedStep(SseOverflow(decoder));
    if (chunk.error) {
      // A break after the step's terminal event loses nothing; before it, the step failed.
      if (!state.terminal()) co_return FailedStep(std::move(*chunk.error));
      break;
    }
    if (chunk.end) {
      decoder.Finish();
      break;
    }
    // The step ends at its terminal event (requires_action, a terminal run status), not at
    // the body's end: a server holding the body open after it must not hold the turn. The
    // unread rest (the `done` event) closes the connection when the body is dropped.
    if (state.terminal()) break;
  }
  if (!state.terminal()) {
    co_return FailedStep(Error{ErrorKind::kProtocol, "stream_truncated",
                               "the run stream ended before requires_action or a terminal status",
                               response.status});
  }
  co_return state.TakeResult();
}

}  // namespace agentreplay
