#include "harness/measure/probe.h"

#include "llm/endpoints.h"

namespace agentreplay::harness {

class Probe::ProbedClock : public Clock {
 public:
  ProbedClock(Clock& inner, TurnTimeline& timeline) : inner_(inner), timeline_(timeline) {}
  TimePoint Now() const override { return inner_.Now(); }
  // Every sleep the core asks for is a deliberate wait: that is what sleep_ms counts.
  // A zero wait is a yield, not a deliberate wait: on a real event loop it still takes a
  // few microseconds, which must not show up as sleep_ms of a package that removed sleeps.
  Task<void> Sleep(Duration d) override {
    const TimePoint start = inner_.Now();
    co_await inner_.Sleep(d);
    if (d > Duration::zero()) timeline_.sleeps.push_back({start, inner_.Now()});
  }
  // A timeout's timer runs beside the work it bounds: not a deliberate wait, not sleep_ms.
  Task<bool> SleepUnlessCancelled(Duration d, WaitCanceller& canceller) override {
    return inner_.SleepUnlessCancelled(d, canceller);
  }

 private:
  Clock& inner_;
  TurnTimeline& timeline_;
};

class Probe::ProbedBody : public BodyStream {
 public:
  ProbedBody(std::unique_ptr<BodyStream> inner, Clock& clock, TurnTimeline& timeline, size_t index)
      : inner_(std::move(inner)), clock_(clock), timeline_(timeline), index_(index) {}
  // A client that stopped reading at its stream's terminal event is done waiting for this
  // request when it drops the body; the unread rest is no wait of the turn's.
  ~ProbedBody() override {
    if (index_ < timeline_.requests.size() && !timeline_.requests[index_].completed) {
      timeline_.requests[index_].done_at = clock_.Now();
      timeline_.requests[index_].completed = true;
    }
  }
  ProbedBody(const ProbedBody&) = delete;
  ProbedBody& operator=(const ProbedBody&) = delete;

  Task<BodyChunk> Next() override {
    BodyChunk chunk = co_await inner_->Next();
    // The timeline may have been reset between turns while a body was still open.
    if (index_ < timeline_.requests.size()) {
      RequestRecord& rec = timeline_.requests[index_];
      rec.bytes_down += chunk.bytes.size();
      if (chunk.end || chunk.error) {
        rec.done_at = clock_.Now();
        rec.completed = true;
      }
    }
    co_return chunk;
  }

 private:
  std::unique_ptr<BodyStream> inner_;
  Clock& clock_;
  TurnTimeline& timeline_;
  size_t index_;
};

class Probe::ProbedTransport : public Transport {
 public:
  ProbedTransport(Transport& inner, Clock& clock, TurnTimeline& timeline)
      : inner_(inner), clock_(clock), timeline_(timeline) {}

  Task<HttpResponse> Send(HttpRequest request) override {
    RequestRecord rec;
    rec.endpoint = ClassifyEndpoint(request.method, request.target);
    rec.sent_at = clock_.Now();
    rec.bytes_up = request.body.size();
    for (const auto& h : request.headers) rec.bytes_up += h.name.size() + h.value.size() + 4;
    const size_t index = timeline_.requests.size();
    timeline_.requests.push_back(rec);

    HttpResponse response = co_await inner_.Send(std::move(request));
    if (index < timeline_.requests.size()) {
      RequestRecord& stored = timeline_.requests[index];
      stored.headers_at = clock_.Now();
      stored.status = response.status;
      if (response.error || !response.body) {
        stored.done_at = stored.headers_at;
        stored.completed = true;
      }
    }
    if (response.body) {
      response.body =
          std::make_unique<ProbedBody>(std::move(response.body), clock_, timeline_, index);
    }
    co_return response;
  }

 private:
  Transport& inner_;
  Clock& clock_;
  TurnTimeline& timeline_;
};

class Probe::ProbedDispatcher : public ToolDispatcher {
 public:
  ProbedDispatcher(ToolDispatcher& inner, Clock& clock, TurnTimeline& timeline)
      : inner_(inner), clock_(clock), timeline_(timeline) {}

  Task<ToolOutput> Dispatch(const ToolCall& call) override {
    ToolRecord rec;
    rec.call_id = call.call_id;
    rec.name = call.name;
    rec.dispatched_at = clock_.Now();
    ToolOutput out = co_await inner_.Dispatch(call);
    rec.returned_at = clock_.Now();
    rec.exec_time = out.exec_time;
    rec.is_error = out.is_error;
    timeline_.tools.push_back(std::move(rec));
    co_return out;
  }
  void SetProgressListener(ToolProgressListener* listener) override {
    inner_.SetProgressListener(listener);
  }

 private:
  ToolDispatcher& inner_;
  Clock& clock_;
  TurnTimeline& timeline_;
};

Probe::Probe(Clock& clock)
    : inner_clock_(clock), clock_(std::make_unique<ProbedClock>(clock, timeline_)) {}

Probe::~Probe() = default;

Clock& Probe::clock() { return *clock_; }

Transport& Probe::WrapTransport(Transport& inner) {
  transport_ = std::make_unique<ProbedTransport>(inner, inner_clock_, timeline_);
  return *transport_;
}

ToolDispatcher& Probe::WrapDispatcher(ToolDispatcher& inner) {
  dispatcher_ = std::make_unique<ProbedDispatcher>(inner, inner_clock_, timeline_);
  return *dispatcher_;
}

void Probe::BeginTurn() {
  timeline_ = TurnTimeline{};
  timeline_.t0 = inner_clock_.Now();
}

TurnTimeline Probe::TakeTimeline() {
  TurnTimeline out = std::move(timeline_);
  timeline_ = TurnTimeline{};
  return out;
}

void Probe::OnEvent(const AgentEvent& event) { timeline_.events.push_back(event); }

}  // namespace agentreplay::harness
