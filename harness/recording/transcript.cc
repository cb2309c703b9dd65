#include "harness/recording/transcript.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <utility>

#include "harness/recording/conversations.h"
#include "harness/recording/transcript_decode.h"

namespace agentreplay::harness {

std::string TranscriptStep::Text() const {
  std::string out;
  for (const auto& piece : text) out += piece.text;
  return out;
}

namespace transcript {

AttemptLog::Turn& AttemptLog::TurnAt(std::size_t key, const std::string& user) {
  auto it =
      std::find_if(turns_.begin(), turns_.end(), [key](const Turn& t) { return t.key == key; });
  if (it == turns_.end()) {
    turns_.push_back(Turn{key, user, {}});
    return turns_.back();
  }
  if (it->user.empty()) it->user = user;
  return *it;
}

void AttemptLog::Step(Place place, const std::string& user, TranscriptStep step) {
  Slot& slot = TurnAt(place.turn, user).slots[place.step];
  if (slot.step) slot.replaced.push_back(slot.step->exchange);
  slot.errors_before_step = slot.errors.size();
  slot.step = std::move(step);
}

void AttemptLog::Error(Place place, const std::string& user, FailedAttempt error) {
  TurnAt(place.turn, user).slots[place.step].errors.push_back(std::move(error));
}

std::vector<TranscriptTurn> AttemptLog::Finish(std::vector<std::string>& notes) {
  std::vector<TranscriptTurn> turns;
  for (Turn& t : turns_) {
    TranscriptTurn turn;
    turn.user = std::move(t.user);
    const std::size_t n = turns.size() + 1;
    std::size_t expected_step = 0;
    for (auto& [index, slot] : t.slots) {
      if (index != expected_step) {
        notes.push_back(
            fmt::format("turn {}: the recording has no step {} (the steps are "
                        "renumbered)",
                        n, expected_step + 1));
      }
      expected_step = index + 1;
      if (!slot.replaced.empty()) {
        notes.push_back(fmt::format(
            "turn {} step {}: the successful attempt{} at exchange {} {} replaced by the later "
            "attempt at exchange {} (a retry, or p4 asking again with every tool)",
            n, turn.steps.size() + 1, slot.replaced.size() == 1 ? "" : "s",
            fmt::join(slot.replaced, ", "), slot.replaced.size() == 1 ? "is" : "are",
            slot.step ? slot.step->exchange : 0));
      }
      if (!slot.step) {
        const bool last = &slot == &t.slots.rbegin()->second;
        if (last) {
          turn.unanswered = std::move(slot.errors);
        } else {
          notes.push_back(
              fmt::format("turn {}: {} error answer{} at a step that never "
                          "succeeded, before later steps, dropped",
                          n, slot.errors.size(), slot.errors.size() == 1 ? "" : "s"));
        }
        continue;
      }
      TranscriptStep step = std::move(*slot.step);
      if (slot.errors.size() > slot.errors_before_step) {
        notes.push_back(
            fmt::format("turn {} step {}: error answers after its successful "
                        "attempt are dropped",
                        n, turn.steps.size() + 1));
      }
      slot.errors.resize(slot.errors_before_step);
      step.faults = std::move(slot.errors);
      turn.steps.push_back(std::move(step));
    }
    turns.push_back(std::move(turn));
  }
  return turns;
}

Failure Context::Fail(std::size_t index, std::string_view pointer, std::string_view message) const {
  const auto& exchange = cassette.exchanges.at(index);
  return Failure(
      Diagnostic{.file = cassette.source_path.empty() ? cassette.name : cassette.source_path,
                 .pointer = fmt::format("/exchanges/{}{}", index, pointer),
                 .message = fmt::format("exchange {} ({} {}): {}", index, exchange.request.method,
                                        exchange.request.target, message)});
}

}  // namespace transcript

Expected<Transcript> DecodeTranscript(const mocks::Cassette& conversation) {
  Transcript out;
  out.name = conversation.name;
  out.runtime = conversation.runtime;
  out.source = conversation.source;
  out.model = conversation.model.empty() ? DetectModel(conversation) : conversation.model;
  const std::string file =
      conversation.source_path.empty() ? conversation.name : conversation.source_path;

  transcript::AttemptLog attempts;
  transcript::Context ctx{conversation, out, attempts};
  Status decoded;
  if (conversation.runtime == "responses") {
    decoded = transcript::DecodeResponses(ctx);
  } else if (conversation.runtime == "chat") {
    decoded = transcript::DecodeChat(ctx);
  } else if (conversation.runtime == "assistants") {
    decoded = transcript::DecodeAssistants(ctx);
  } else {
    return FailIn(file, fmt::format("cannot decode a recording of runtime '{}' (expected "
                                    "assistants, responses or chat)",
                                    conversation.runtime));
  }
  if (!decoded) return decoded.failure();
  if (attempts.empty()) {
    return FailIn(file, fmt::format("conversation '{}' has no request to the model ({} "
                                    "exchange{}), so there is nothing to decode",
                                    conversation.name, conversation.exchanges.size(),
                                    conversation.exchanges.size() == 1 ? "" : "s"));
  }
  out.turns = attempts.Finish(out.notes);
  return out;
}

}  // namespace agentreplay::harness
