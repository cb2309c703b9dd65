#include "llm/llm_client.h"

#include "llm/assistants_client.h"
#include "llm/chat_client.h"
#include "llm/responses_client.h"

namespace agentreplay {

namespace {

constexpr RuntimeInfo kRuntimes[] = {
    {Runtime::kAssistants, "assistants", "Assistants API v2: threads and runs, polled or streamed"},
    {Runtime::kResponses, "responses", "Responses API, streamed or not"},
    {Runtime::kChat, "chat", "Chat Completions, streamed or not"},
};

}  // namespace

std::span<const RuntimeInfo> Runtimes() { return kRuntimes; }

std::vector<std::string> RuntimeNames() {
  std::vector<std::string> names;
  for (const auto& r : kRuntimes) names.emplace_back(r.name);
  return names;
}

std::string_view RuntimeName(Runtime runtime) {
  for (const auto& r : kRuntimes) {
    if (r.runtime == runtime) return r.name;
  }
  return "unknown";
}

std::optional<Runtime> ParseRuntime(std::string_view name) {
  for (const auto& r : kRuntimes) {
    if (r.name == name) return r.runtime;
  }
  return std::nullopt;
}

std::unique_ptr<LlmClient> MakeLlmClient(Runtime runtime, LlmClientOptions options,
                                         LlmClientPorts ports) {
  switch (runtime) {
    case Runtime::kResponses:
      return std::make_unique<ResponsesClient>(std::move(options), ports);
    case Runtime::kChat:
      return std::make_unique<ChatClient>(std::move(options), ports);
    case Runtime::kAssistants:
      return std::make_unique<AssistantsClient>(std::move(options), ports);
  }
  return nullptr;
}

}  // namespace agentreplay
