#include "app/record_proxy.h"

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <utility>

#include "harness/recording/cassette_format.h"
#include "harness/recording/conversations.h"
#include "harness/recording/wall_time.h"
#include "mocks/server/http_server.h"

namespace agentreplay::app {
namespace {

// The proxy's own base path: clients take http://HOST:PORT/v1 as their base URL.
constexpr std::string_view kProxyBase = "/v1";

// The API a cassette says when no request named one (the current OpenAI default).
constexpr std::string_view kFallbackRuntime = "responses";

bool Named(std::string_view name, std::string_view wanted) {
  return harness::EqualsIgnoreCase(name, wanted);
}

// What goes upstream of the client's headers. Not passed on: hop-by-hop headers; Host and
// Content-Length (the transport sets the upstream's); Expect (the proxy's server answered it);
// Accept-Encoding, so the upstream answers uncompressed and the cassette holds readable text.
HttpHeaders ToUpstream(const HttpHeaders& headers) {
  HttpHeaders out;
  for (HttpHeader& h : net::WithoutHopByHopHeaders(headers)) {
    if (Named(h.name, "host") || Named(h.name, "content-length") || Named(h.name, "expect") ||
        Named(h.name, "accept-encoding")) {
      continue;
    }
    out.push_back(std::move(h));
  }
  return out;
}

// The request line for logs: no headers, and no query (it may carry a key).
std::string LogLine(std::string_view method, std::string_view target) {
  const std::size_t query = target.find('?');
  return fmt::format("{} {}{}", method, target.substr(0, query),
                     query == std::string_view::npos ? "" : "?...");
}

// OpenAI's error shape, so an SDK reports what happened.
std::string GatewayErrorBody(const Error& error) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  const std::string message =
      fmt::format("agentreplay record: no response from the upstream ({})", error.reason);
  w.StartObject();
  w.Key("error");
  w.StartObject();
  w.Key("message");
  w.String(message.c_str());
  w.Key("type");
  w.String("upstream_error");
  w.Key("param");
  w.Null();
  w.Key("code");
  w.String(error.reason.c_str());
  w.EndObject();
  w.EndObject();
  return buffer.GetString();
}

// A whole answer of the proxy's own.
Task<Status> Reply(net::ResponseWriter& out, int status, std::string_view content_type,
                   std::string_view body) {
  HttpHeaders headers = {{"Content-Type", std::string(content_type)},
                         {"Content-Length", std::to_string(body.size())}};
  Status s = co_await out.Start(status, std::move(headers));
  if (s) s = co_await out.Write(body);
  if (s) s = co_await out.Finish();
  co_return s;
}

std::string CassetteName(const std::string& file) {
  std::string name = std::filesystem::path(file).filename().string();
  if (name.ends_with(harness::kCassetteExtension)) {
    name.resize(name.size() - harness::kCassetteExtension.size());
  } else if (const std::size_t dot = name.rfind('.'); dot != std::string::npos && dot > 0) {
    name.resize(dot);
  }
  return name.empty() ? "recording" : name;
}

std::string NowRfc3339() {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch).count();
  // Milliseconds are precise enough for when a recording started.
  return harness::FormatRfc3339(ns - ns % 1'000'000);
}

}  // namespace

std::string UpstreamTarget(std::string_view client_target, std::string_view upstream_path) {
  if (client_target.starts_with(kProxyBase)) {
    const std::string_view rest = client_target.substr(kProxyBase.size());
    if (rest.empty() || rest.front() == '/' || rest.front() == '?') {
      std::string target = std::string(upstream_path) + std::string(rest);
      return target.empty() || target.front() != '/' ? "/" + target : target;
    }
  }
  return std::string(client_target);
}

CassetteSink::CassetteSink(const RecordOptions& options, harness::RedactionRules rules)
    : options_(options), rules_(std::move(rules)) {}

void CassetteSink::OnSend(const std::string& client_target, const HttpRequest& request) {
  if (recorded_at_.empty()) recorded_at_ = NowRfc3339();
  if (writer_ || failed_) return;
  const std::string_view runtime = harness::RuntimeOfTarget(client_target);
  if (runtime.empty()) return;
  mocks::Cassette probe;
  mocks::CassetteExchange first;
  first.request.body = request.body;
  probe.exchanges.push_back(std::move(first));
  Open(std::string(runtime), harness::DetectModel(probe));
}

void CassetteSink::Open(std::string runtime, std::string model) {
  mocks::Cassette header;
  header.name = options_.name.empty() ? CassetteName(options_.out_file) : options_.name;
  header.runtime = std::move(runtime);
  header.model = std::move(model);
  header.source.kind = "record";
  header.source.origin = options_.upstream;
  header.source.recorded_at = recorded_at_.empty() ? NowRfc3339() : recorded_at_;
  header.redacted = harness::RedactionNames(rules_);
  harness::CassetteWriterOptions writer_options;
  writer_options.fsync = options_.fsync;
  auto writer = harness::CassetteWriter::Open(options_.out_file, header, writer_options);
  if (!writer) {
    spdlog::error("agentreplay record: {}", writer.error());
    failed_ = true;
    return;
  }
  writer_.emplace(std::move(*writer));
  std::vector<mocks::CassetteExchange> waiting = std::move(waiting_);
  waiting_.clear();
  for (const auto& exchange : waiting) Append(exchange);
}

void CassetteSink::OnExchange(mocks::CassetteExchange exchange) {
  if (writer_) {
    Append(exchange);
  } else if (!failed_) {
    waiting_.push_back(std::move(exchange));
  }
}

void CassetteSink::Append(const mocks::CassetteExchange& exchange) {
  if (Status s = writer_->Append(exchange); !s) {
    if (!failed_) spdlog::error("agentreplay record: {}", s.error());
    failed_ = true;
  }
}

Status CassetteSink::Close() {
  if (!writer_ && !waiting_.empty() && !failed_) {
    spdlog::warn("agentreplay record: no request named an API; the cassette says runtime '{}'",
                 kFallbackRuntime);
    Open(std::string(kFallbackRuntime), "");
  }
  if (writer_) {
    if (Status s = writer_->Close(); !s) {
      spdlog::error("agentreplay record: {}", s.error());
      failed_ = true;
    }
  }
  if (failed_) return Fail(fmt::format("{}: the recording is incomplete", options_.out_file));
  return {};
}

std::size_t CassetteSink::written() const { return writer_ ? writer_->exchanges_written() : 0; }

RecordingProxy::RecordingProxy(Transport& upstream, std::string upstream_path, Clock& clock,
                               harness::RedactionRules rules, CassetteSink& sink)
    : upstream_(upstream),
      upstream_path_(std::move(upstream_path)),
      clock_(clock),
      rules_(std::move(rules)),
      sink_(sink) {}

harness::CaptureTransport& RecordingProxy::Capture() {
  if (!capture_) {
    capture_ = std::make_unique<harness::CaptureTransport>(
        upstream_, clock_, clock_.Now(), rules_,
        [this](mocks::CassetteExchange exchange) { sink_.OnExchange(std::move(exchange)); });
    // Clients of the mock name their session; real clients send nothing and the exchanges
    // stay in the cassette's one conversation (lifting can split them by their ids).
    capture_->SetConversationLabel([](const mocks::CassetteRequest& request) {
      return std::string(FindHeader(request.headers, mocks::kSessionHeader).value_or(""));
    });
  }
  return *capture_;
}

void RecordingProxy::FlushInFlight() {
  if (capture_) capture_->FlushInFlight();
}

Task<void> RecordingProxy::Handle(net::IncomingRequest in, net::ResponseWriter& out) {
  const std::string line = LogLine(in.method, in.target);
  spdlog::info("agentreplay record: {}", line);
  if (!in.target.starts_with('/')) {
    // A reverse proxy serves paths; absolute-form targets are for forward proxies.
    const Status replied = co_await Reply(
        out, 400, "text/plain", "agentreplay record: the request target must be a path\n");
    if (!replied) spdlog::debug("agentreplay record: {}: {}", line, replied.error());
    co_return;
  }
  HttpRequest request;
  request.method = in.method;
  request.target = UpstreamTarget(in.target, upstream_path_);
  request.headers = ToUpstream(in.headers);
  request.body = std::move(in.body);
  sink_.OnSend(in.target, request);  // may create the file: before the clock starts
  harness::CaptureTransport& capture = Capture();
  HttpResponse response = co_await capture.Send(std::move(request));

  if (response.error) {
    spdlog::warn("agentreplay record: {}: no response from the upstream: {}", line,
                 response.error->reason);
    const int status = response.error->kind == ErrorKind::kTimeout ? 504 : 502;
    const std::string body = GatewayErrorBody(*response.error);
    const Status replied = co_await Reply(out, status, "application/json", body);
    if (!replied) spdlog::debug("agentreplay record: {}: {}", line, replied.error());
    co_return;
  }

  // The head goes to the client at once, then every piece of the body as it arrives. When the
  // client is gone, the body is dropped (and recorded as abandoned).
  HttpHeaders headers = net::WithoutHopByHopHeaders(response.headers);
  Status relayed = co_await out.Start(response.status, std::move(headers));
  while (relayed) {
    BodyChunk chunk = co_await response.body->Next();
    if (!chunk.bytes.empty()) relayed = co_await out.Write(chunk.bytes);
    if (chunk.error) {
      // The upstream broke mid-body: so does the client's answer.
      spdlog::warn("agentreplay record: {}: the upstream's body broke: {}", line,
                   chunk.error->reason);
      out.Abort();
      co_return;
    }
    if (chunk.end) {
      relayed = co_await out.Finish();
      break;
    }
  }
  if (!relayed) spdlog::debug("agentreplay record: {}: {}", line, relayed.error());
}

}  // namespace agentreplay::app
