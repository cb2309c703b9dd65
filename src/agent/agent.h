// The agent core's turn loop: one user message in, the model's steps and the tool calls they
// ask for run until the answer, every UI-visible moment delivered to the event sink.
// The same code runs in the simulated and the real world; it only sees the ports.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/delta_batcher.h"
#include "agent/tool_selection.h"
#include "core/error.h"
#include "core/task.h"
#include "llm/llm_client.h"
#include "llm/retry.h"
#include "ports/clock.h"
#include "ports/event_sink.h"
#include "ports/tool_dispatch.h"
#include "ports/transport.h"
#include "tools/tool_spec.h"

namespace agentreplay {

struct AgentOptions {
  Runtime runtime = Runtime::kResponses;
  LlmClientOptions llm;
  // A model that keeps asking for tools must not spin forever.
  int max_tool_rounds = 16;
  bool parallel_tools = false;  // package px: one step's calls run concurrently...
  int max_parallel_tools = 4;   // ...on at most this many workers
  RetryPolicy retry;            // package pr
  DeltaBatching batching;       // package pb
  // A tool call that has not returned after this long is abandoned: the model gets a
  // structured "tool_timeout" error output and the turn goes on (the call itself finishes in
  // the background and its output is dropped). Non-positive: no bound.
  Duration tool_timeout = std::chrono::seconds(30);
  std::map<std::string, Duration> tool_timeouts;  // per tool name, overriding tool_timeout
  // Package p4: offer the intent's tool packs, widening to every tool (and asking the model
  // again) when it wants one outside them. Unset: every tool, every time.
  std::optional<ToolPacks> tool_packs;
};

struct AgentPorts {
  Clock& clock;
  Transport& transport;
  ToolDispatcher& tools;
  EventSink& sink;
};

struct TurnResult {
  bool ok = false;
  std::optional<Error> error;
  std::string answer;                // text of the final step
  std::vector<ToolCall> tool_calls;  // every call the model made, in order
  std::vector<ToolOutput> tool_outputs;
  Usage usage;                    // summed over the turn's steps
  size_t tool_schema_bytes = 0;   // tool definitions sent, summed over requests
  int steps = 0;                  // model responses in the turn
  int64_t retries = 0;            // requests repeated by the retry policy
  bool used_file_search = false;  // the model searched the vector store
  int64_t tool_fallbacks = 0;     // steps asked again with every tool (p4's wider pack)
  TimePoint started{};
  TimePoint finished{};
};

class Agent : private ToolProgressListener {
 public:
  ~Agent() override;
  // Fails (returns null) when the runtime has no client.
  static std::unique_ptr<Agent> Create(AgentOptions options, AgentPorts ports,
                                       std::vector<ToolSpec> tools);

  Task<TurnResult> RunTurn(std::string user_message);

 private:
  Agent(AgentOptions options, AgentPorts ports, std::vector<ToolSpec> tools);
  Task<ToolOutput> RunTool(const ToolCall& call);
  Duration ToolTimeout(const std::string& name) const;
  void OnToolProgress(const std::string& call_id, std::string_view note) override;
  Task<std::vector<ToolOutput>> RunTools(const std::vector<ToolCall>& calls);
  void Emit(AgentEventType type, std::string text = {}, std::string call_id = {},
            std::string tool_name = {}, std::string detail = {});

  AgentOptions options_;
  AgentPorts ports_;
  // Decorators the options ask for sit between the core and the ports.
  std::unique_ptr<RetryingTransport> retrying_;
  std::unique_ptr<DeltaBatchingSink> batching_;
  EventSink* sink_ = nullptr;  // where events go: the batcher or the port itself
  std::vector<ToolSpec> tools_;
  std::unique_ptr<LlmClient> client_;
  // Calls the agent is waiting for: progress of an abandoned (timed-out) call is not news.
  std::set<std::string> running_calls_;
};

}  // namespace agentreplay
