#include "harness/recording/capture_transport.h"

#include <algorithm>
#include <unordered_set>
#include <utility>
#include <vector>

#include "net/http_server.h"

namespace agentreplay::harness {

namespace {

// One exchange on its way: filled in as the response arrives, handed to the sink once.
struct Record {
  mocks::CassetteExchange exchange;
  TimePoint sent{};
  bool responded = false;  // the status and headers arrived
  bool emitted = false;
};

Duration NonNegative(Duration d) { return std::max(d, Duration::zero()); }

}  // namespace

struct CaptureTransport::Shared {
  Shared(Transport& i, Clock& c, TimePoint s, RedactionRules r, Sink k)
      : inner(i), clock(c), start(s), rules(std::move(r)), sink(std::move(k)) {}

  // The exchange is over (ended, broke, abandoned, or flushed): redact the response as a whole
  // and hand it on. Later pieces of its body are passed through but not recorded.
  void Emit(Record& record, std::string_view error) {
    if (record.emitted) return;
    record.emitted = true;
    open.erase(&record);
    mocks::CassetteExchange out = std::move(record.exchange);
    mocks::CassetteResponse& response = out.response;
    Duration end = NonNegative(clock.Now() - record.sent);
    end = std::max(end, response.headers_at);
    if (!response.chunks.empty()) end = std::max(end, response.chunks.back().at);
    response.end_at = end;
    response.error = std::string(error);
    RedactResponse(response, rules, redacted);
    ++captured;
    if (sink) sink(std::move(out));
  }

  Transport& inner;
  Clock& clock;
  TimePoint start;
  RedactionRules rules;
  Sink sink;
  ConversationLabel label;
  std::set<std::string> redacted;
  std::unordered_set<Record*> open;  // sent and not yet emitted; each owned by its Send/body
  std::uint64_t captured = 0;
};

namespace {

class CaptureBody : public BodyStream {
 public:
  CaptureBody(std::shared_ptr<CaptureTransport::Shared> shared, std::unique_ptr<BodyStream> inner,
              std::shared_ptr<Record> record)
      : shared_(std::move(shared)), inner_(std::move(inner)), record_(std::move(record)) {}

  // A body dropped before its end: the reader gave up on it (or the recording stops).
  ~CaptureBody() override { shared_->Emit(*record_, kAbandonedReason); }

  CaptureBody(const CaptureBody&) = delete;
  CaptureBody& operator=(const CaptureBody&) = delete;

  Task<BodyChunk> Next() override {
    BodyChunk chunk = co_await inner_->Next();
    if (record_->emitted) co_return chunk;
    if (!chunk.bytes.empty()) {
      const Duration at = NonNegative(shared_->clock.Now() - record_->sent);
      record_->exchange.response.chunks.push_back(mocks::CassetteChunk{at, chunk.bytes});
    }
    if (chunk.error) {
      shared_->Emit(*record_, chunk.error->reason);
    } else if (chunk.end) {
      shared_->Emit(*record_, "");
    }
    co_return chunk;
  }

 private:
  std::shared_ptr<CaptureTransport::Shared> shared_;
  std::unique_ptr<BodyStream> inner_;
  std::shared_ptr<Record> record_;
};

}  // namespace

CaptureTransport::CaptureTransport(Transport& inner, Clock& clock, TimePoint recording_start,
                                   RedactionRules rules, Sink sink)
    : shared_(std::make_shared<Shared>(inner, clock, recording_start, std::move(rules),
                                       std::move(sink))) {}

CaptureTransport::~CaptureTransport() = default;

void CaptureTransport::SetConversationLabel(ConversationLabel label) {
  shared_->label = std::move(label);
}

Task<HttpResponse> CaptureTransport::Send(HttpRequest request) {
  std::shared_ptr<Shared> shared = shared_;  // the bodies may outlive this transport
  auto record = std::make_shared<Record>();
  record->sent = shared->clock.Now();
  mocks::CassetteExchange& exchange = record->exchange;
  exchange.sent_at = NonNegative(record->sent - shared->start);
  exchange.request.method = request.method;
  exchange.request.target = request.target;
  exchange.request.headers = net::WithoutHopByHopHeaders(request.headers);
  exchange.request.body = request.body;
  RedactRequest(exchange.request, shared->rules, shared->redacted);
  if (shared->label) exchange.conversation = shared->label(exchange.request);
  shared->open.insert(record.get());
  // A Send abandoned before its response (its frame destroyed) must not stay listed: the
  // record dies with the frame.
  struct Unlist {
    Shared& s;
    Record& r;
    ~Unlist() {
      if (!r.responded) s.open.erase(&r);
    }
  } unlist{*shared, *record};

  HttpResponse response = co_await shared->inner.Send(std::move(request));
  exchange.response.headers_at = NonNegative(shared->clock.Now() - record->sent);
  if (response.error) {
    exchange.response.status = response.error->kind == ErrorKind::kTimeout ? 504 : 502;
    shared->Emit(*record, response.error->reason);
    co_return response;
  }
  record->responded = true;
  exchange.response.status = response.status;
  exchange.response.headers = net::WithoutHopByHopHeaders(response.headers);
  response.body = std::make_unique<CaptureBody>(shared, std::move(response.body), record);
  co_return response;
}

void CaptureTransport::FlushInFlight(std::string_view reason) {
  std::vector<Record*> responded;
  for (Record* r : shared_->open) {
    if (r->responded) responded.push_back(r);
  }
  // In the order they were sent, as a recording reads best.
  std::sort(responded.begin(), responded.end(),
            [](const Record* a, const Record* b) { return a->sent < b->sent; });
  for (Record* r : responded) shared_->Emit(*r, reason);
}

std::size_t CaptureTransport::in_flight() const { return shared_->open.size(); }
std::uint64_t CaptureTransport::captured() const { return shared_->captured; }
const std::set<std::string>& CaptureTransport::redacted() const { return shared_->redacted; }

}  // namespace agentreplay::harness
