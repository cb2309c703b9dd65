#include "llm/llm_client.h"

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
    case Runtime::kAssistants:
    case Runtime::kChat:
      // These runtimes arrive with the next milestone; callers check for null.
      return nullptr;
  }
  return nullptr;
}

}  // namespace agentreplay
