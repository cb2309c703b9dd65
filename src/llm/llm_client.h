// The LLMClient seam: one interface, one implementation per runtime (assistants, responses,
// chat). A client turns the agent's "next step" into that runtime's requests, decodes what
// comes back into AgentEvents as it arrives, and reports the step's outcome.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/task.h"
#include "ports/clock.h"
#include "ports/event_sink.h"
#include "ports/http.h"
#include "ports/tool_dispatch.h"
#include "ports/transport.h"
#include "tools/tool_spec.h"

namespace agentreplay {

enum class Runtime { kAssistants, kResponses, kChat };

std::string_view RuntimeName(Runtime runtime);
std::optional<Runtime> ParseRuntime(std::string_view name);

struct Usage {
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  bool reported = false;  // the API sent usage (otherwise counts are zero)

  Usage& operator+=(const Usage& other) {
    input_tokens += other.input_tokens;
    output_tokens += other.output_tokens;
    reported = reported || other.reported;
    return *this;
  }
};

struct StepResult {
  enum class Outcome { kToolCalls, kCompleted, kFailed };
  Outcome outcome = Outcome::kFailed;
  std::vector<ToolCall> tool_calls;  // kToolCalls: what the model wants run, in order
  std::string text;                  // assistant text produced in this step
  Usage usage;
  size_t tool_schema_bytes = 0;  // bytes of tool definitions sent for this step
  std::optional<Error> error;    // kFailed: why
};

struct LlmClientOptions {
  std::string api_prefix = "/v1";  // path prefix in front of the endpoint paths
  std::string model = "gpt-4o-mini";
  std::string instructions;
  bool stream = true;
  HttpHeaders extra_headers;  // e.g. Authorization for live endpoints
};

// The ports a client uses. Owned by whoever owns the client.
struct LlmClientPorts {
  Clock& clock;
  Transport& transport;
  EventSink& sink;
};

class LlmClient {
 public:
  virtual ~LlmClient() = default;
  // Starts a user turn and runs it to the first stopping point (tool calls or the answer).
  virtual Task<StepResult> StartTurn(std::string user_message, std::span<const ToolSpec> tools) = 0;
  // Hands the outputs of the previous step's tool calls back and runs to the next stop.
  virtual Task<StepResult> SubmitToolOutputs(std::vector<ToolOutput> outputs,
                                             std::span<const ToolSpec> tools) = 0;
};

std::unique_ptr<LlmClient> MakeLlmClient(Runtime runtime, LlmClientOptions options,
                                         LlmClientPorts ports);

}  // namespace agentreplay
