#include "agent/delta_batcher.h"

namespace agentreplay {

void DeltaBatchingSink::Flush(TimePoint at) {
  if (pending_.empty()) return;
  AgentEvent batch;
  batch.type = AgentEventType::kTextDelta;
  batch.at = at;
  batch.text = std::move(pending_);
  batch.detail = pending_detail_;
  pending_.clear();
  inner_.OnEvent(batch);
}

void DeltaBatchingSink::OnEvent(const AgentEvent& event) {
  if (event.type != AgentEventType::kTextDelta) {
    Flush(event.at);
    if (event.type == AgentEventType::kTextDone) first_of_message_ = true;
    inner_.OnEvent(event);
    return;
  }
  if (first_of_message_) {
    // The first words go out at once: batching exists to cut event rate, not to delay TTFT.
    first_of_message_ = false;
    inner_.OnEvent(event);
    return;
  }
  // A batch is one kind of text: commentary and the answer never share one.
  if (!pending_.empty() && event.detail != pending_detail_) Flush(event.at);
  if (pending_.empty()) {
    first_at_ = event.at;
    pending_detail_ = event.detail;
  }
  pending_ += event.text;
  if (pending_.size() >= config_.max_chars || event.at - first_at_ >= config_.max_age) {
    Flush(event.at);
  }
}

}  // namespace agentreplay
