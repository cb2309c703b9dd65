// The `responses` runtime: POST /responses, streamed or not; function calls come back as
// function_call items and are answered with function_call_output items chained by
// previous_response_id (custom tool calls likewise, with custom_tool_call_output). A
// background response's stream that breaks is resumed where it broke (LlmClientOptions).
#pragma once

#include <optional>
#include <set>
#include <string>

#include "llm/llm_client.h"

namespace agentreplay {

class ResponsesStreamState;

class ResponsesClient : public LlmClient {
 public:
  ResponsesClient(LlmClientOptions options, LlmClientPorts ports)
      : options_(std::move(options)), ports_(ports) {}

  Task<StepResult> StartTurn(std::string user_message, std::span<const ToolSpec> tools) override;
  Task<StepResult> SubmitToolOutputs(std::vector<ToolOutput> outputs,
                                     std::span<const ToolSpec> tools) override;
  Task<StepResult> RetryStep(std::span<const ToolSpec> tools) override;

  // The id that the next request continues from; empty before the first response.
  const std::string& previous_response_id() const { return previous_response_id_; }

 private:
  // Writes the request body around `write_input`, which writes the "input" array's items.
  template <typename WriteInput>
  std::string BuildBody(std::span<const ToolSpec> tools, size_t& schema_bytes,
                        WriteInput&& write_input);
  Task<StepResult> Post(std::string body, size_t schema_bytes);
  // Reads the rest of a background response's broken stream into `state`: GET with
  // starting_after, again while it breaks and attempts are left. Returns the error that ends
  // the step when the stream could not be completed, or nullopt.
  Task<std::optional<Error>> Resume(ResponsesStreamState& state, Error broke);

  LlmClientOptions options_;
  LlmClientPorts ports_;
  std::string previous_response_id_;
  // What the last request continued from and sent as input, so a step can be asked again.
  std::string step_previous_id_;
  std::string step_input_;  // the JSON items of the "input" array, without brackets
  // Calls of the last step that were custom tool calls (answered as custom_tool_call_output).
  std::set<std::string> custom_call_ids_;
};

}  // namespace agentreplay
