// The two halves of `agentreplay record` (record_command.cc runs them): RecordingProxy answers
// each client request by forwarding it to the upstream through a CaptureTransport and relaying
// the answer piece by piece as it arrives; CassetteSink appends each finished exchange to the
// cassette file.
//
// The cassette's header line comes first in the file but names the API (runtime) and model,
// which only the traffic reveals. So the file is created when the first request of a known API
// (/responses, /chat/completions, /threads, /assistants) is sent, with that request's model;
// exchanges that end before it (GET /models, say) wait in memory and follow the header. After
// that every exchange is appended the moment its body ends, so a killed proxy loses only the
// exchanges in flight.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/options.h"
#include "core/expected.h"
#include "core/task.h"
#include "harness/recording/capture_transport.h"
#include "harness/recording/cassette_writer.h"
#include "harness/recording/redaction.h"
#include "mocks/model/cassette.h"
#include "net/http_server.h"
#include "ports/clock.h"
#include "ports/transport.h"

namespace agentreplay::app {

class CassetteSink {
 public:
  CassetteSink(const RecordOptions& options, harness::RedactionRules rules);

  // A request is about to be sent: the first one of a known API creates the file.
  void OnSend(const std::string& client_target, const HttpRequest& request);
  // A finished exchange (already redacted).
  void OnExchange(mocks::CassetteExchange exchange);
  // Writes what waits (creating the file if no request named an API: runtime "responses") and
  // closes it. Fails when any write failed.
  Status Close();

  std::size_t written() const;
  bool failed() const { return failed_; }

 private:
  void Open(std::string runtime, std::string model);
  void Append(const mocks::CassetteExchange& exchange);

  RecordOptions options_;
  harness::RedactionRules rules_;
  std::string recorded_at_;  // wall time of the first request
  std::optional<harness::CassetteWriter> writer_;
  std::vector<mocks::CassetteExchange> waiting_;  // ended before the file existed
  bool failed_ = false;
};

class RecordingProxy {
 public:
  // `upstream_path` is the path of the upstream's base URL ("/v1", or empty): client requests
  // under the proxy's /v1 map onto it.
  RecordingProxy(Transport& upstream, std::string upstream_path, Clock& clock,
                 harness::RedactionRules rules, CassetteSink& sink);

  // The HttpServer handler.
  Task<void> Handle(net::IncomingRequest request, net::ResponseWriter& writer);

  // Records the exchanges still streaming as they stand (see CaptureTransport::FlushInFlight).
  void FlushInFlight();

 private:
  harness::CaptureTransport& Capture();

  Transport& upstream_;
  std::string upstream_path_;
  Clock& clock_;
  harness::RedactionRules rules_;
  CassetteSink& sink_;
  // Made at the first request, so the recording starts (sent_at 0) when the traffic does.
  std::unique_ptr<harness::CaptureTransport> capture_;
};

// The target to send upstream for a client's target: "/v1/x?q" → upstream_path + "/x?q"; a
// target outside /v1 goes as it is.
std::string UpstreamTarget(std::string_view client_target, std::string_view upstream_path);

}  // namespace agentreplay::app
