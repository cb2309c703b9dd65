// Internal to the Assistants API's implementation files: one request being handled, and the
// intermediate values shared between its handlers.
#pragma once

#include <rapidjson/document.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mocks/api/assistants/assistants_api.h"

namespace agentreplay::mocks {

struct AssistantsApi::Call {
  const HttpRequest& request;
  const RequestContext& context;
  std::vector<std::string> path;  // the target's segments after "v1", without the query
  std::map<std::string, std::string, std::less<>> query;
  std::shared_ptr<const rapidjson::Document> body;  // never null; {} without a body
  TimePoint arrival{};                              // when the request reaches the server

  // Answers at the quick-reply time.
  MockResponse Fail(const OpenAiError& error) const;
  MockResponse Json(std::string body) const;

  // The body member `key` when present and not null.
  const rapidjson::Value* Body(std::string_view key) const;
  EchoSource Echo(const rapidjson::Value* value) const { return EchoSource{body, value}; }
  bool Stream() const;
};

struct AssistantsApi::NewMessage {
  std::string role;
  std::string text;
  EchoSource echo;
};

// What a run is made of, resolved from the request, the assistant and the thread.
struct AssistantsApi::RunSpec {
  std::string assistant_id;
  std::string model;
  std::optional<std::string> instructions;
  EchoSource tools;           // value: the tools array, or null
  EchoSource tool_resources;  // value: the run's tool_resources object, or null
  RequestFacts facts;
};

// The string value of `v`, or empty.
std::string_view AssistantsString(const rapidjson::Value* v);

// The exact 400s and 404s of the Assistants API.
OpenAiError NotFound(std::string_view kind, std::string_view id);  // "No <kind> found with id"

}  // namespace agentreplay::mocks
