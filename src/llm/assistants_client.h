// The `assistants` runtime (Assistants API v2): a thread per conversation, a message and a
// run per user turn, and the run followed either by polling (GET the run) or by streaming
// (thread.* events). Tool calls surface at requires_action and are answered with
// submit_tool_outputs on the same run.
//
// The legacy handler habits that package p0 removes (runs.list before each run, a pause
// before submit_tool_outputs, messages.list after every state change) are options, so the
// same code measures both the slow and the lean handler.
#pragma once

#include <optional>
#include <string>

#include "llm/assistants_wire.h"
#include "llm/llm_client.h"

namespace agentreplay {

class AssistantsClient : public LlmClient {
 public:
  AssistantsClient(LlmClientOptions options, LlmClientPorts ports)
      : options_(std::move(options)), ports_(ports) {}

  Task<StepResult> StartTurn(std::string user_message, std::span<const ToolSpec> tools) override;
  Task<StepResult> SubmitToolOutputs(std::vector<ToolOutput> outputs,
                                     std::span<const ToolSpec> tools) override;
  Task<StepResult> RetryStep(std::span<const ToolSpec> tools) override;

  // The conversation's thread; empty until the first turn created it.
  const std::string& thread_id() const { return thread_id_; }
  // The run waiting for tool outputs; empty when no run is at requires_action.
  const std::string& run_id() const { return run_id_; }

 private:
  // A JSON object answer, or why there is none.
  struct JsonReply {
    rapidjson::Document doc;
    std::optional<Error> error;
  };

  HttpRequest MakeRequest(std::string_view method, std::string path, std::string body,
                          bool accept_stream) const;
  Task<JsonReply> CallJson(std::string method, std::string path, std::string body);
  Task<std::optional<Error>> EnsureThread();
  // Legacy (p0 off): lists the thread's runs until none is open.
  Task<std::optional<Error>> WaitWhileRunsOpen();
  // messages.list; `answer` receives the newest assistant message of the current run, if any.
  Task<std::optional<Error>> ListMessages(std::string query,
                                          std::optional<AssistantAnswer>& answer);
  std::string RunCreateBody(std::span<const ToolSpec> tools, size_t& schema_bytes) const;
  // Sends a runs.create or submit_tool_outputs request and follows the run to its next stop.
  Task<StepResult> RunStep(HttpRequest request);
  Task<StepResult> FollowByPolling(RunSnapshot run);
  Task<StepResult> FollowStream(HttpResponse response);
  void Emit(AgentEventType type, std::string text = {}, std::string call_id = {},
            std::string tool_name = {});

  LlmClientOptions options_;
  LlmClientPorts ports_;
  std::string thread_id_;
  std::string run_id_;
  std::string last_status_;  // the current run's status as last observed (polling)
};

}  // namespace agentreplay
