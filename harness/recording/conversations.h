// Which API and which conversation each exchange of a recording belongs to.
//
// A recording often holds several agent sessions (an SDK test suite, a browser session), and a
// cassette is lifted into one scenario per conversation, so the importers name each exchange's
// conversation and SplitConversations cuts a cassette along them. The rules follow how each
// API carries its state:
//   Assistants: the thread id, from the path (/threads/{id}/...) or from the response that
//               created the thread (POST /threads, POST /threads/runs);
//   Responses:  the `conversation` a request names, else the chain of previous_response_id
//               (a response continues the conversation of the response it names), else a
//               request whose `input` array extends an earlier request's joins its conversation;
//   Chat:       a request whose `messages` array extends the history of a conversation (the
//               `messages` of its latest request) continues it; comparing only the latest
//               history keeps a second run of the same opening out of a finished conversation.
// An exchange no rule places (creating an assistant, listing models) joins the conversation of
// the next exchange that has one, or else the previous one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mocks/model/cassette.h"

namespace agentreplay::harness {

// "assistants", "responses" or "chat" for a request target of that API (under /v1/ or an
// Azure-style /openai/ prefix), "" for anything else.
std::string_view RuntimeOfTarget(std::string_view target);
// Whether the target is an OpenAI API call at all: a known resource under /v1/ (responses,
// chat/completions, threads, assistants, files, models, ...).
bool IsOpenAiApiTarget(std::string_view target);

// Names the conversation of every exchange whose conversation is empty. Ids: the thread id,
// the conversation id or the first response id of a chain, "chat-1", "chat-2", ... for Chat and
// "responses-1", ... for stateless Responses conversations.
void AssignConversations(mocks::Cassette& cassette);

// One cassette per conversation, in the order the conversations start. Each keeps the header of
// `cassette` with the name "<name>-<conversation>" (characters other than letters, digits, '.',
// '_' and '-' become '_', so the name is safe as a file name; the name alone for exchanges
// without a conversation) and its exchanges in order, with send times shifted so that its first
// request is sent at 0. A cassette with a single conversation comes back unchanged.
std::vector<mocks::Cassette> SplitConversations(const mocks::Cassette& cassette);

// The model the requests asked for: the first "model" of a JSON request body, else of a
// response (a JSON body, or an SSE event's data or its "response" object); "" when none says.
std::string DetectModel(const mocks::Cassette& cassette);

}  // namespace agentreplay::harness
