// A scripted HTTP/1.1 server on loopback for the net tests: every request it reads is answered
// by a script of raw writes, pauses, and ways of ending (close, reset, stall), so a test can
// produce exactly the wire faults the client must report. Plain TCP or TLS (a self-signed
// identity made by MakeTestTlsIdentity). One thread per connection, blocking I/O: simple,
// and independent of the client's event loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ports/http.h"

namespace agentreplay::net::testing {

struct Step {
  enum class Kind {
    kWrite,  // write `bytes`
    kSleep,  // pause for `pause`
    kClose,  // FIN: close the connection
    kReset,  // RST: close with SO_LINGER 0
    kStall,  // keep the connection open, write nothing more, until the server stops
  };
  Kind kind = Kind::kWrite;
  std::string bytes;
  std::chrono::milliseconds pause{0};
};

using Script = std::vector<Step>;

Step Write(std::string bytes);
Step Pause(std::chrono::milliseconds d);
Step CloseConnection();
Step ResetConnection();
Step Stall();

// A response head. Without `content_length`, the body is chunked.
std::string Head(int status, std::optional<size_t> content_length, const HttpHeaders& headers = {});
// One chunk of a chunked body, and the last chunk.
std::string Chunk(std::string_view data);
std::string LastChunk();
// A complete response with a Content-Length body.
std::string Full(int status, std::string_view body, const HttpHeaders& headers = {});

struct ReceivedRequest {
  int connection = 0;  // 0-based index of the connection it came on
  std::string method;
  std::string target;
  HttpHeaders headers;
  std::string body;
};

struct TlsIdentity {
  std::string certificate_pem;  // self-signed, also the CA to trust
  std::string private_key_pem;
};

// A fresh key and a self-signed certificate for the given subjectAltName list.
TlsIdentity MakeTestTlsIdentity(const std::string& alt_names = "DNS:localhost,IP:127.0.0.1");

class TestServer {
 public:
  using Handler = std::function<Script(const ReceivedRequest&)>;

  explicit TestServer(Handler handler, std::optional<TlsIdentity> tls = std::nullopt);
  ~TestServer();  // Stop()
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  uint16_t port() const;
  std::string base_url() const;  // "http://127.0.0.1:<port>" (https with TLS)

  int connections_accepted() const;
  std::vector<ReceivedRequest> requests() const;
  // When each kWrite step finished, in order over all connections.
  std::vector<std::chrono::steady_clock::time_point> write_times() const;

  // Ends stalls and pauses, closes every connection, joins the threads.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace agentreplay::net::testing
