// A recording as a scenario to replay verbatim: the cassette itself is attached (the mock's
// CassettePlayer answers from it), and the turns carry only what the agent needs to drive the
// conversation: each user message, in order. The user messages are read from the recorded
// requests, the way each API carries them:
//   Responses:  a request whose `input` is a string, or whose last input item is a user
//               message, starts a turn (function_call_output items continue one);
//   Chat:       a request whose last message is from the user starts a turn (tool messages
//               continue one);
//   Assistants: a user message posted to a thread (messages.create, or the messages of
//               threads.create / threads.create_and_run) starts a turn.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/expected.h"
#include "mocks/model/cassette.h"
#include "mocks/model/scenario.h"

namespace agentreplay::harness {

// The user message of a turn whose request was not recorded (a raw response capture).
inline constexpr std::string_view kUnrecordedUserMessage = "(the user message was not recorded)";

// The user messages of one conversation's recording, in order.
std::vector<std::string> RecordedUserMessages(const mocks::Cassette& conversation);

// Fails when the recording has no exchange, or was made on no known runtime. A recording
// without any user message (a response captured alone) replays as one turn with
// kUnrecordedUserMessage.
Expected<mocks::Scenario> VerbatimScenario(const mocks::Cassette& conversation);

}  // namespace agentreplay::harness
