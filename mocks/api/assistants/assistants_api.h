// The Assistants API (v2) of the mock back end: assistants, threads, messages, runs (polled or
// streamed), submit_tool_outputs, cancel and run steps, sans I/O.
//
// Script placement: every user message added to a thread (threads.create, messages.create,
// additional_messages, create-and-run) starts the thread's next turn (turn = user messages in
// the thread - 1, at least 0). A run creation plays step 0 of that turn; each accepted
// submit_tool_outputs plays the run's next step. The StepResolver decides per request: a
// scripted fault answers instead (the run is not created or advanced), or the step (or the
// alternative whose condition the request meets) plays. A request beyond the script is a 500.
//
// Time model: see assistants_model.h. A request arrives at the server half its quick-reply
// round trip after it was sent (arrival = sent_at + (quick.at - quick.processing) / 2); every
// check and every view (GET run, runs.list, messages.list, steps) uses the state at arrival,
// and the reply reaches the client at sent_at + quick.at. Streams follow the step plan.
//
// Runs echo the request's fields (model, instructions, tools, metadata, temperature, ...) or
// the API's defaults; tool_resources is the create-and-run call's (or {}). The run's tools offer
// the model their function names, and "file_search" when a file_search tool meets a vector
// store attached through tool_resources of the thread, the call or a stored assistant.
//
// Every request needs the header `OpenAI-Beta: assistants=v2`. Any asst_ id names an
// assistant (they are provisioned ahead); assistants created here also lend their model,
// instructions, tools and tool_resources to runs that do not override them.
//
// Prompt size (the plan's input tokens, so prefill and usage): ceil(bytes / 4) of the run's
// instructions, its tools as compact JSON, the text of the thread's messages visible when the
// step starts, and the arguments and outputs of the run's earlier tool calls: the server-side
// prompt, which the (small) request body does not carry.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "mocks/api/assistants/assistants_model.h"
#include "mocks/api/mock_ids.h"
#include "mocks/api/mock_response.h"
#include "mocks/api/openai_error.h"
#include "mocks/api/request_context.h"
#include "mocks/api/step_resolver.h"
#include "mocks/model/knowledge_base.h"
#include "mocks/model/scenario.h"

namespace agentreplay::mocks {

class AssistantsApi {
 public:
  // `scenario`, `knowledge` and `ids` must outlive the object.
  AssistantsApi(const Scenario& scenario, const KnowledgeBase& knowledge, uint64_t seed,
                MockIds& ids);
  ~AssistantsApi();
  AssistantsApi(const AssistantsApi&) = delete;
  AssistantsApi& operator=(const AssistantsApi&) = delete;

  // Whether the endpoint class (ClassifyEndpoint) belongs to this API.
  static bool Handles(std::string_view endpoint);

  MockResponse Handle(std::string_view endpoint, const HttpRequest& request,
                      const RequestContext& context);

 private:
  struct Call;
  struct NewMessage;
  struct RunSpec;

  MockResponse CreateAssistant(Call& call);
  MockResponse RetrieveAssistant(Call& call);
  MockResponse CreateThread(Call& call);
  MockResponse RetrieveThread(Call& call);
  MockResponse CreateMessage(Call& call);
  MockResponse ListMessages(Call& call);
  MockResponse RetrieveMessage(Call& call);
  MockResponse CreateRun(Call& call);
  MockResponse CreateThreadAndRun(Call& call);
  MockResponse ListRuns(Call& call);
  MockResponse RetrieveRun(Call& call);
  MockResponse SubmitToolOutputs(Call& call);
  MockResponse CancelRun(Call& call);
  MockResponse ListSteps(Call& call);
  MockResponse RetrieveStep(Call& call);

  // Lookups that answer the API's 404 through `error` when the object is unknown.
  ThreadRecord* FindThread(std::string_view id, std::optional<OpenAiError>& error);
  RunRecord* FindRun(const ThreadRecord& thread, std::string_view id,
                     std::optional<OpenAiError>& error);
  const AssistantRecord* StoredAssistant(std::string_view id) const;
  const RunRecord* ActiveRun(const ThreadRecord& thread, TimePoint at) const;
  const RunRecord* RunOf(const ThreadMessage& message) const;

  // Reads the messages of `list` (null: none) into `out`, validating each; `param` prefixes
  // the parameter names of errors ("thread.messages", "additional_messages").
  std::optional<OpenAiError> ReadMessages(const Call& call, const rapidjson::Value* list,
                                          std::string_view param, std::vector<NewMessage>& out);
  void AddMessages(ThreadRecord& thread, std::vector<NewMessage>& messages, TimePoint at);
  RunSpec ReadRunSpec(const Call& call, std::string_view assistant_id,
                      const rapidjson::Value* thread_tool_resources) const;
  // Starts a run on `thread` (after every check) and answers the request.
  MockResponse LaunchRun(Call& call, ThreadRecord& thread, RunSpec& spec, const StepScript& script,
                         size_t turn, bool announce_thread);
  // Plays `script` as the run's next segment, started by `call`.
  void PlaySegment(Call& call, RunRecord& run, ThreadRecord& thread, const StepScript& script,
                   size_t step);
  size_t PromptBytes(const RunRecord& run, const ThreadRecord& thread, TimePoint at) const;
  MockResponse SegmentResponse(const Call& call, const RunRecord& run,
                               const ThreadRecord* created_thread) const;
  std::optional<OpenAiError> CheckScripted(size_t turn, size_t step) const;

  const Scenario& scenario_;
  const KnowledgeBase& knowledge_;
  uint64_t seed_;
  MockIds& ids_;
  StepResolver resolver_;
  std::map<std::string, AssistantRecord, std::less<>> assistants_;
  std::map<std::string, ThreadRecord, std::less<>> threads_;
  std::map<std::string, RunRecord, std::less<>> runs_;
};

}  // namespace agentreplay::mocks
