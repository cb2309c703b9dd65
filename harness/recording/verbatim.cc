#include "harness/recording/verbatim.h"

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <memory>
#include <string_view>

#include "json/json_text.h"
#include "llm/endpoints.h"
#include "llm/llm_client.h"

namespace agentreplay::harness {
namespace {

using rapidjson::Value;

// The text of a message's content: a string, or the text parts of an array of parts
// ({"type": "input_text"|"text", "text": ...}).
std::string ContentText(const Value& content) {
  if (content.IsString()) return std::string(content.GetString(), content.GetStringLength());
  std::string text;
  if (!content.IsArray()) return text;
  for (const auto& part : content.GetArray()) {
    if (!part.IsObject()) continue;
    const std::string_view type = json::GetString(part, "type");
    if (type == "input_text" || type == "text" || type == "output_text") {
      const auto* t = json::Member(part, "text");
      if (t != nullptr && t->IsString()) text.append(t->GetString(), t->GetStringLength());
      // Assistants nests it: {"type": "text", "text": {"value": ...}}.
      if (t != nullptr && t->IsObject()) text += json::GetString(*t, "value");
    }
  }
  return text;
}

std::optional<std::string> UserOfResponsesRequest(const Value& body) {
  const Value* input = json::Member(body, "input");
  if (input == nullptr) return std::nullopt;
  if (input->IsString()) return std::string(input->GetString(), input->GetStringLength());
  if (!input->IsArray() || input->Empty()) return std::nullopt;
  const Value& last = (*input)[input->Size() - 1];
  if (!last.IsObject() || json::GetString(last, "role") != "user") return std::nullopt;
  const Value* content = json::Member(last, "content");
  return content == nullptr ? std::string() : ContentText(*content);
}

std::optional<std::string> UserOfChatRequest(const Value& body) {
  const Value* messages = json::Member(body, "messages");
  if (messages == nullptr || !messages->IsArray() || messages->Empty()) return std::nullopt;
  const Value& last = (*messages)[messages->Size() - 1];
  if (!last.IsObject() || json::GetString(last, "role") != "user") return std::nullopt;
  const Value* content = json::Member(last, "content");
  return content == nullptr ? std::string() : ContentText(*content);
}

// The last user message of a thread's initial messages (threads.create, create_and_run).
std::optional<std::string> UserOfThreadMessages(const Value* messages) {
  if (messages == nullptr || !messages->IsArray()) return std::nullopt;
  std::optional<std::string> user;
  for (const auto& m : messages->GetArray()) {
    if (!m.IsObject() || json::GetString(m, "role") != "user") continue;
    const Value* content = json::Member(m, "content");
    user = content == nullptr ? std::string() : ContentText(*content);
  }
  return user;
}

std::optional<std::string> UserOfRequest(const mocks::CassetteRequest& request) {
  const std::string_view endpoint = ClassifyEndpoint(request.method, request.target);
  rapidjson::Document body;
  if (!json::Parse(request.body, body) || !body.IsObject()) return std::nullopt;
  if (endpoint == "responses.create") return UserOfResponsesRequest(body);
  if (endpoint == "chat.completions.create") return UserOfChatRequest(body);
  if (endpoint == "messages.create") {
    if (json::GetString(body, "role", "user") != "user") return std::nullopt;
    const Value* content = json::Member(body, "content");
    return content == nullptr ? std::string() : ContentText(*content);
  }
  if (endpoint == "threads.create") return UserOfThreadMessages(json::Member(body, "messages"));
  if (endpoint == "threads.create_and_run") {
    const Value* thread = json::Member(body, "thread");
    return thread == nullptr || !thread->IsObject()
               ? std::nullopt
               : UserOfThreadMessages(json::Member(*thread, "messages"));
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string> RecordedUserMessages(const mocks::Cassette& conversation) {
  std::vector<std::string> users;
  for (const auto& exchange : conversation.exchanges) {
    if (auto user = UserOfRequest(exchange.request)) users.push_back(std::move(*user));
  }
  return users;
}

Expected<mocks::Scenario> VerbatimScenario(const mocks::Cassette& conversation) {
  const std::string& file =
      conversation.source_path.empty() ? conversation.name : conversation.source_path;
  if (!ParseRuntime(conversation.runtime)) {
    return FailIn(file, fmt::format("conversation '{}' was recorded on no runtime agentreplay "
                                    "knows ('{}'): it cannot be replayed verbatim",
                                    conversation.name, conversation.runtime));
  }
  std::vector<std::string> users = RecordedUserMessages(conversation);
  if (users.empty() && conversation.exchanges.empty()) {
    return FailIn(file,
                  fmt::format("conversation '{}' has no exchange to replay", conversation.name));
  }
  // A capture of a response alone (a raw SSE body) has no user message: the agent still needs
  // one to start the turn, and the recording answers it whatever it says.
  if (users.empty()) users.push_back(std::string(kUnrecordedUserMessage));
  mocks::Scenario s;
  s.name = conversation.name;
  s.description = conversation.description.empty()
                      ? fmt::format("{} replayed verbatim", conversation.name)
                      : conversation.description;
  if (!conversation.model.empty()) s.model = conversation.model;
  for (const auto& user : users) {
    mocks::TurnScript turn;
    turn.user = user;
    s.turns.push_back(std::move(turn));
  }
  s.source_path = conversation.source_path;
  s.source_kind = "cassette";
  s.source_origin = fmt::format("{} {}", conversation.source.kind, conversation.source.origin);
  s.recording = std::make_shared<const mocks::Cassette>(conversation);
  return s;
}

}  // namespace agentreplay::harness
