#include "tests/net/test_server.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace agentreplay::net::testing {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

std::string ReadBio(BIO* bio) {
  std::string out(BIO_ctrl_pending(bio), '\0');
  const int n = BIO_read(bio, out.data(), static_cast<int>(out.size()));
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

void AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) throw std::runtime_error("X509V3_EXT_conf_nid failed");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

}  // namespace

Step Write(std::string bytes) { return Step{Step::Kind::kWrite, std::move(bytes), {}}; }
Step Pause(std::chrono::milliseconds d) { return Step{Step::Kind::kSleep, {}, d}; }
Step CloseConnection() { return Step{Step::Kind::kClose, {}, {}}; }
Step ResetConnection() { return Step{Step::Kind::kReset, {}, {}}; }
Step Stall() { return Step{Step::Kind::kStall, {}, {}}; }

std::string Head(int status, std::optional<size_t> content_length, const HttpHeaders& headers) {
  std::string out = fmt::format("HTTP/1.1 {} X\r\n", status);
  if (content_length) {
    out += fmt::format("Content-Length: {}\r\n", *content_length);
  } else {
    out += "Transfer-Encoding: chunked\r\n";
  }
  for (const auto& h : headers) out += fmt::format("{}: {}\r\n", h.name, h.value);
  return out + "\r\n";
}

std::string Chunk(std::string_view data) {
  return fmt::format("{:x}\r\n{}\r\n", data.size(), data);
}
std::string LastChunk() { return "0\r\n\r\n"; }

std::string Full(int status, std::string_view body, const HttpHeaders& headers) {
  return Head(status, body.size(), headers) + std::string(body);
}

TlsIdentity MakeTestTlsIdentity(const std::string& alt_names) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (key == nullptr) throw std::runtime_error("key generation failed");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  AddExtension(cert, NID_basic_constraints, "critical,CA:TRUE");
  AddExtension(cert, NID_subject_alt_name, alt_names.c_str());
  if (X509_sign(cert, key, EVP_sha256()) == 0) throw std::runtime_error("signing failed");

  TlsIdentity identity;
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  identity.certificate_pem = ReadBio(bio);
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  identity.private_key_pem = ReadBio(bio);
  BIO_free(bio);
  X509_free(cert);
  EVP_PKEY_free(key);
  return identity;
}

namespace {

// One accepted connection. `mutex` guards the socket's closing against Stop()'s shutdown, so
// Stop never touches a descriptor number the process may already have reused.
struct Conn {
  explicit Conn(asio::io_context& io) : socket(io) {}
  tcp::socket socket;
  std::optional<ssl::stream<tcp::socket&>> tls;
  std::mutex mutex;
  bool closed = false;
  std::thread thread;

  void Close(bool reset) {
    std::lock_guard lock(mutex);
    if (closed) return;
    error_code ignored;
    if (reset) socket.set_option(asio::socket_base::linger(true, 0), ignored);
    socket.close(ignored);
    closed = true;
  }
  void Shutdown() {
    std::lock_guard lock(mutex);
    if (!closed) ::shutdown(socket.native_handle(), SHUT_RDWR);
  }
};

}  // namespace

struct TestServer::Impl {
  Handler handler;
  std::unique_ptr<ssl::context> tls;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread accept_thread;
  std::atomic<bool> stopping{false};
  mutable std::mutex mutex;
  std::condition_variable wake;  // ends pauses and stalls on Stop()
  std::vector<std::unique_ptr<Conn>> conns;
  std::vector<ReceivedRequest> requests;
  std::vector<std::chrono::steady_clock::time_point> write_times;
  uint16_t port = 0;

  void AcceptLoop() {
    while (!stopping) {
      pollfd p{acceptor.native_handle(), POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      auto conn = std::make_unique<Conn>(io);
      error_code ec;
      acceptor.accept(conn->socket, ec);
      if (ec) continue;
      conn->socket.set_option(tcp::no_delay(true), ec);
      std::lock_guard lock(mutex);
      if (stopping) break;
      Conn* c = conn.get();
      const int index = static_cast<int>(conns.size());
      conns.push_back(std::move(conn));
      c->thread = std::thread([this, c, index] { Serve(*c, index); });
    }
  }

  // Sleeps `d` unless the server stops first; false when stopping.
  bool Sleep(std::chrono::milliseconds d) {
    std::unique_lock lock(mutex);
    return !wake.wait_for(lock, d, [this] { return stopping.load(); });
  }

  template <typename Stream>
  void ServeOn(Stream& stream, Conn& c, int index) {
    boost::beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      error_code ec;
      http::read(stream, buffer, req, ec);
      if (ec) return;
      ReceivedRequest r;
      r.connection = index;
      r.method = std::string(req.method_string());
      r.target = std::string(req.target());
      for (const auto& f : req) {
        r.headers.push_back(HttpHeader{std::string(f.name_string()), std::string(f.value())});
      }
      r.body = req.body();
      {
        std::lock_guard lock(mutex);
        requests.push_back(r);
      }
      for (const Step& step : handler(r)) {
        switch (step.kind) {
          case Step::Kind::kWrite:
            asio::write(stream, asio::buffer(step.bytes), ec);
            {
              std::lock_guard lock(mutex);
              write_times.push_back(std::chrono::steady_clock::now());
            }
            if (ec) return;
            break;
          case Step::Kind::kSleep:
            if (!Sleep(step.pause)) return;
            break;
          case Step::Kind::kClose:
            c.Close(false);
            return;
          case Step::Kind::kReset:
            c.Close(true);
            return;
          case Step::Kind::kStall:
            Sleep(std::chrono::hours(1));
            return;
        }
      }
    }
  }

  void Serve(Conn& c, int index) {
    if (tls) {
      c.tls.emplace(c.socket, *tls);
      error_code ec;
      c.tls->handshake(ssl::stream_base::server, ec);
      if (!ec) ServeOn(*c.tls, c, index);
    } else {
      ServeOn(c.socket, c, index);
    }
    c.Close(false);
  }
};

TestServer::TestServer(Handler handler, std::optional<TlsIdentity> tls)
    : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  if (tls) {
    impl_->tls = std::make_unique<ssl::context>(ssl::context::tls_server);
    impl_->tls->use_certificate_chain(asio::buffer(tls->certificate_pem));
    impl_->tls->use_private_key(asio::buffer(tls->private_key_pem), ssl::context::pem);
  }
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen();
  impl_->acceptor.non_blocking(true);
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->accept_thread = std::thread([this] { impl_->AcceptLoop(); });
}

TestServer::~TestServer() { Stop(); }

uint16_t TestServer::port() const { return impl_->port; }

std::string TestServer::base_url() const {
  return fmt::format("{}://127.0.0.1:{}", impl_->tls ? "https" : "http", impl_->port);
}

int TestServer::connections_accepted() const {
  std::lock_guard lock(impl_->mutex);
  return static_cast<int>(impl_->conns.size());
}

std::vector<ReceivedRequest> TestServer::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->requests;
}

std::vector<std::chrono::steady_clock::time_point> TestServer::write_times() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->write_times;
}

void TestServer::Stop() {
  if (impl_->stopping.exchange(true)) return;
  if (impl_->accept_thread.joinable()) impl_->accept_thread.join();
  {
    std::lock_guard lock(impl_->mutex);
    impl_->wake.notify_all();
  }
  for (auto& c : impl_->conns) c->Shutdown();
  for (auto& c : impl_->conns) {
    if (c->thread.joinable()) c->thread.join();
  }
  error_code ignored;
  impl_->acceptor.close(ignored);
}

}  // namespace agentreplay::net::testing
