#include "mocks/api/mock_backend.h"

#include <fmt/format.h>

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "llm/endpoints.h"
#include "mocks/api/assistants/assistants_api.h"
#include "mocks/api/cassette_player.h"
#include "mocks/api/chat/chat_api.h"
#include "mocks/api/fault_injector.h"
#include "mocks/api/mock_ids.h"
#include "mocks/api/openai_error.h"
#include "mocks/api/request_context.h"
#include "mocks/api/responses/responses_api.h"
#include "mocks/model/knowledge_base.h"
#include "mocks/model/step_planner.h"

namespace agentreplay::mocks {

namespace {

// A lazy body that counts its bytes into its request's log entry as they are pulled.
class CountingSource final : public ChunkSource {
 public:
  CountingSource(std::shared_ptr<ChunkSource> inner, std::vector<RequestLogEntry>& log,
                 size_t index)
      : inner_(std::move(inner)), log_(log), index_(index) {}

  bool Next(TimedChunk& chunk) override {
    if (!inner_->Next(chunk)) return false;
    log_[index_].response_bytes += chunk.bytes.size();
    return true;
  }

 private:
  std::shared_ptr<ChunkSource> inner_;
  std::vector<RequestLogEntry>& log_;
  size_t index_;
};

// The mock's own answer to a setup request, moved to when the recording's answer arrived.
void Retime(MockResponse& response, const CassettePlayer::Timing& timing) {
  const Duration body = timing.body_end - timing.headers_at;
  response.headers_at = timing.headers_at;
  for (auto& chunk : response.chunks) chunk.at = timing.headers_at + body;
}

}  // namespace

class MockBackend::Impl {
 public:
  Impl(std::shared_ptr<const Scenario> scenario, uint64_t seed)
      : owned_(std::move(scenario)),
        scenario_(*owned_),
        seed_(seed),
        knowledge_(scenario_.documents),
        ids_(seed),
        responses_(scenario_, knowledge_, seed, ids_),
        chat_(scenario_, seed, ids_),
        assistants_(scenario_, knowledge_, seed, ids_),
        faults_(scenario_.faults, DeriveSeed(seed, "faults")) {
    if (scenario_.recording) player_.emplace(*scenario_.recording);
  }

  MockResponse Handle(const HttpRequest& request, TimePoint sent_at) {
    RequestContext context;
    context.sent_at = sent_at;
    context.index = log_.size();
    context.request_id = ids_.RequestId();
    context.states = &states_;
    Rng quick_rng(DeriveSeed(seed_, fmt::format("request:{}", context.index)));
    context.quick = PlanQuickReply(scenario_.latency, quick_rng);

    const std::string_view endpoint = ClassifyEndpoint(request.method, request.target);
    FaultHits hits;
    if (faults_.enabled()) hits = faults_.Select(endpoint);
    context.in_band = hits.RunFault();
    MockResponse response;
    if (const FaultRule* error = hits.Find(FaultKind::kHttpError)) {
      // Rejected before the API sees it (a gateway's 429 or 5xx): no state changes.
      response = RenderFault(HttpErrorScript(*error), context);
    } else if (player_ && CassettePlayer::IsSetup(endpoint)) {
      response = assistants_.Handle(endpoint, request, context);
      if (auto timing = player_->TakeSetupTiming(endpoint)) Retime(response, *timing);
    } else if (auto played = player_ ? player_->Handle(request, endpoint, sent_at)
                                     : std::optional<MockResponse>()) {
      response = std::move(*played);
    } else if (endpoint == "responses.create") {
      response = responses_.Create(request, context);
    } else if (endpoint == "responses.retrieve") {
      response = responses_.Retrieve(request, context);
    } else if (endpoint == "chat.completions.create") {
      response = chat_.Create(request, context);
    } else if (AssistantsApi::Handles(endpoint)) {
      response = assistants_.Handle(endpoint, request, context);
    } else {
      response = MakeErrorResponse(InvalidUrl(request.method, request.target), context.request_id,
                                   context.quick.at, context.quick.processing);
    }

    if (!hits.empty()) {
      Materialize(response);  // faults edit the whole body
      FaultInjector::Apply(hits, endpoint, response);
    }

    RequestLogEntry entry;
    entry.sent_at = sent_at;
    entry.method = request.method;
    entry.target = request.target;
    entry.endpoint = std::string(endpoint);
    entry.request_bytes = request.body.size();
    for (const auto& chunk : response.chunks) entry.response_bytes += chunk.bytes.size();
    entry.status = response.status;
    entry.fault = hits.Names();
    log_.push_back(std::move(entry));
    if (response.lazy != nullptr) {
      response.lazy =
          std::make_shared<CountingSource>(std::move(response.lazy), log_, log_.size() - 1);
    }
    return response;
  }

  void set_lazy_bodies(bool lazy) {
    responses_.set_lazy_streams(lazy);
    chat_.set_lazy_streams(lazy);
  }
  const std::vector<RequestLogEntry>& log() const { return log_; }
  const std::vector<StateTransition>& states() const { return states_; }

 private:
  // Owned (a copy, or shared with other back ends), so the caller's scenario may go away while
  // the back end lives.
  const std::shared_ptr<const Scenario> owned_;
  const Scenario& scenario_;
  const uint64_t seed_;
  // Built once and shared, like the scenario: file_search reads it from every runtime.
  const KnowledgeBase knowledge_;
  MockIds ids_;
  ResponsesApi responses_;
  ChatApi chat_;
  AssistantsApi assistants_;
  FaultInjector faults_;
  std::optional<CassettePlayer> player_;  // a verbatim replay
  std::vector<RequestLogEntry> log_;
  std::vector<StateTransition> states_;
};

MockBackend::MockBackend(const Scenario& scenario, uint64_t seed)
    : impl_(std::make_unique<Impl>(std::make_shared<const Scenario>(scenario), seed)) {}

MockBackend::MockBackend(std::shared_ptr<const Scenario> scenario, uint64_t seed)
    : impl_(std::make_unique<Impl>(std::move(scenario), seed)) {}

MockBackend::~MockBackend() = default;

MockResponse MockBackend::Handle(const HttpRequest& request, TimePoint sent_at) {
  return impl_->Handle(request, sent_at);
}

void MockBackend::set_lazy_bodies(bool lazy) { impl_->set_lazy_bodies(lazy); }

const std::vector<RequestLogEntry>& MockBackend::request_log() const { return impl_->log(); }

const std::vector<StateTransition>& MockBackend::state_log() const { return impl_->states(); }

}  // namespace agentreplay::mocks
