#include "llm/llm_client.h"

#include "llm/assistants_client.h"
#include "llm/chat_client.h"
#include "llm/responses_client.h"

namespace agentreplay {

std::string_view RuntimeName(Runtime runtime) {
  switch (runtime) {
    case Runtime::kAssistants:
      return "assistants";
    case Runtime::kResponses:
      return "responses";
    case Runtime::kChat:
      return "chat";
  }
  return "responses";
}

std::optional<Runtime> ParseRuntime(std::string_view name) {
  for (Runtime r : {Runtime::kAssistants, Runtime::kResponses, Runtime::kChat}) {
    if (RuntimeName(r) == name) return r;
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
