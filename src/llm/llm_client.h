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
#include "core/time.h"
#include "ports/clock.h"
#include "ports/event_sink.h"
#include "ports/http.h"
#include "ports/tool_dispatch.h"
#include "ports/transport.h"
#include "tools/tool_spec.h"

namespace agentreplay {

enum class Runtime { kAssistants, kResponses, kChat };

// Every runtime with its name (results, options, scenario files) and a line for `list`: the one
// table a new runtime is added to, besides its client and MakeLlmClient.
struct RuntimeInfo {
  Runtime runtime;
  std::string_view name;
  std::string_view description;
};
std::span<const RuntimeInfo> Runtimes();
std::vector<std::string> RuntimeNames();

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
  size_t tool_schema_bytes = 0;   // bytes of tool definitions sent for this step
  bool used_file_search = false;  // the model searched the vector store in this step
  std::optional<Error> error;     // kFailed: why
};

// How the Assistants runtime waits for a run, and the legacy handler habits package p0
// removes. Every wait goes through the Clock port.
struct AssistantsOptions {
  std::string assistant_id = "asst_agentreplay";
  // Polling (stream=false): first wait, growth factor per poll, cap (a cap below the first
  // wait caps nothing).
  Duration poll_interval = std::chrono::milliseconds(250);
  double poll_backoff = 1.0;
  Duration poll_interval_max = std::chrono::milliseconds(250);
  // A run that has not finished after this long is abandoned (error "run_wait_timeout").
  Duration run_timeout = std::chrono::seconds(600);
  // Legacy habits (p0 off): runs.list before each run and wait while any run is open; a pause
  // before submit_tool_outputs; messages.list after every observed state change (instead of
  // once at the end).
  bool list_runs_before_create = false;
  Duration pause_before_submit{0};
  bool list_messages_each_state_change = false;
};

// Package p1: attach the vector store where the runtime takes it (file_search tool plus
// vector_store_ids / tool_resources). Without it the client sends none and logs the
// "does not support tool_resources ... falling back" warning once.
struct VectorStoreOptions {
  bool attach = false;
  std::vector<std::string> vector_store_ids = {"vs_agentreplay_kb"};
};

struct LlmClientOptions {
  std::string api_prefix = "/v1";  // path prefix in front of the endpoint paths
  std::string model = "gpt-4o-mini";
  std::string instructions;
  bool stream = true;  // package p3 (for assistants: streaming runs instead of polling)
  // Responses, streamed: ask for a background response (`background: true`), whose stream
  // survives a broken connection. A stream that breaks before its terminal event is resumed
  // with GET /responses/{id}?stream=true&starting_after=<last sequence_number>, at most
  // `max_stream_resumes` times per step; without it such a step fails. Off by default, as
  // background responses are stored for a while and bill like any other.
  bool background = false;
  int max_stream_resumes = 3;
  HttpHeaders extra_headers;  // e.g. Authorization for live endpoints
  AssistantsOptions assistants;
  VectorStoreOptions vector_store;
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
  // Asks the model again for the step just answered, offering `tools` instead (package p4's
  // wider-pack fallback when the model wanted a tool outside the pack it was offered). The
  // answered step is discarded, as if it had never happened.
  virtual Task<StepResult> RetryStep(std::span<const ToolSpec> tools) = 0;
};

std::unique_ptr<LlmClient> MakeLlmClient(Runtime runtime, LlmClientOptions options,
                                         LlmClientPorts ports);

}  // namespace agentreplay
