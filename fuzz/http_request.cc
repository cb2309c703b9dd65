// The mock server's request handling on raw bytes from a connection: Beast's request parser set
// up as the server's connections set it up (mocks/server/), then every request it parses
// answered by the mock back end (mocks/api/mock_backend.h) playing a shipped scenario, so the
// request bodies' JSON is read too. Several requests may follow each other on the one
// keep-alive connection, against the one back end, as on the server.
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "core/time.h"
#include "fuzz/fuzz_support.h"
#include "harness/scenario/scenario_loader.h"
#include "mocks/api/mock_backend.h"
#include "mocks/api/mock_response.h"
#include "ports/http.h"

namespace agentreplay::fuzz {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

// The server's request body limit (mocks/server/).
constexpr uint64_t kBodyLimit = 64u << 20;
// Enough requests for a whole Assistants turn; more only repeat what these reach.
constexpr int kMaxRequests = 16;

std::shared_ptr<const mocks::Scenario>& SharedScenario() {
  static std::shared_ptr<const mocks::Scenario> scenario;
  return scenario;
}

std::string ToString(beast::string_view s) { return {s.data(), s.size()}; }

// The request as the server hands it to the back end.
HttpRequest ToHttpRequest(http::request<http::string_body>&& in) {
  HttpRequest out;
  out.method = ToString(in.method_string());
  out.target = ToString(in.target());
  for (const auto& field : in) {
    out.headers.push_back({ToString(field.name_string()), ToString(field.value())});
  }
  out.body = std::move(in.body());
  return out;
}

// Parses the next request from `rest` (consuming its bytes) the way http::async_read does on a
// connection whose peer sent exactly `rest` and then closed it. False when no whole request is
// there (the server answers 400 or 413 itself, or closes).
bool ParseNext(std::string_view& rest, http::request_parser<http::string_body>& parser) {
  parser.eager(true);
  parser.body_limit(kBodyLimit);
  beast::error_code ec;
  while (!parser.is_done()) {
    const size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
    rest.remove_prefix(used);
    if (ec == http::error::need_more) {
      ec = {};
    } else if (ec) {
      break;
    }
    if (used == 0) {
      // It can take nothing more from what there is: on a socket it would wait for more, and
      // the peer has sent all it will.
      parser.put_eof(ec);
      break;
    }
  }
  return !ec && parser.is_done();
}

void Serve(std::string_view bytes) {
  mocks::MockBackend backend(SharedScenario(), 1);
  backend.set_lazy_bodies(true);  // as the server's sessions do
  std::string_view rest = bytes;
  for (int i = 0; i < kMaxRequests && !rest.empty(); ++i) {
    http::request_parser<http::string_body> parser;
    if (!ParseNext(rest, parser)) break;
    const bool keep_alive = parser.get().keep_alive();
    const HttpRequest request = ToHttpRequest(parser.release());
    try {
      mocks::MockResponse response = backend.Handle(request, TimePoint(std::chrono::seconds(i)));
      mocks::Materialize(response);
    } catch (const std::exception&) {
      // The server answers 500 and goes on (http_connection.cc): handled, not a crash.
    }
    if (!keep_alive) break;
  }
}

}  // namespace
}  // namespace agentreplay::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  agentreplay::fuzz::QuietLogs();
  auto scenario = agentreplay::harness::LoadScenarioFile(std::string(AGENTREPLAY_SCENARIOS_DIR) +
                                                         "/one_tool_call.json");
  if (!scenario) std::abort();  // a shipped scenario that does not load is the build's bug
  agentreplay::fuzz::SharedScenario() =
      std::make_shared<const agentreplay::mocks::Scenario>(std::move(*scenario));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  agentreplay::fuzz::Serve(agentreplay::fuzz::AsText(data, size));
  return 0;
}
