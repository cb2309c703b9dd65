// HttpTransport over TLS against a loopback server with a self-signed certificate made in the
// test: trusted through the CA-file option, rejected without it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "net/http_transport.h"
#include "net/steady_clock.h"
#include "tests/net/net_test_util.h"
#include "tests/net/test_server.h"

namespace agentreplay::net {
namespace {

namespace fs = std::filesystem;
using testing::Full;
using ::testing::HasSubstr;
using testing::ReceivedRequest;
using testing::RunOnLoop;
using testing::Script;
using testing::TestServer;
using testing::Write;

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    identity_ = testing::MakeTestTlsIdentity();
    ca_file_ = fs::temp_directory_path() /
               ("agentreplay-net-ca-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".pem");
    std::ofstream(ca_file_) << identity_.certificate_pem;
  }
  void TearDown() override { fs::remove(ca_file_); }

  // GET /hello through a transport for `base_url`; the response, or its error.
  HttpResponse Fetch(const std::string& base_url, std::string ca_file, std::string* body) {
    HttpTransportOptions options;
    options.base_url = base_url;
    options.ca_file = std::move(ca_file);
    options.connect_timeout = std::chrono::seconds(10);
    auto created = HttpTransport::Create(loop_, clock_, std::move(options));
    if (!created) {
      ADD_FAILURE() << created.error();
      return {};
    }
    std::unique_ptr<HttpTransport> transport = std::move(*created);
    auto run = [&]() -> Task<HttpResponse> {
      HttpRequest request{"GET", "/hello", {}, {}};  // named: see the GCC 12 note in task.h
      HttpResponse response = co_await transport->Send(std::move(request));
      if (response.body) {
        BodyChunk all = co_await ReadAll(*response.body);
        *body = all.bytes;
      }
      co_return response;
    };
    auto response = RunOnLoop(loop_, run());
    return response ? std::move(*response) : HttpResponse{};
  }

  testing::TlsIdentity identity_;
  fs::path ca_file_;
  EventLoop loop_;
  SteadyClock clock_{loop_};
};

Script Hello(const ReceivedRequest&) { return Script{Write(Full(200, "hello over tls"))}; }

TEST_F(TlsTest, TrustedThroughTheCaFileOption) {
  TestServer server(Hello, identity_);
  std::string body;
  const HttpResponse r = Fetch(server.base_url(), ca_file_.string(), &body);
  ASSERT_FALSE(r.error) << r.error->reason << ": " << r.error->message;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(body, "hello over tls");
}

TEST_F(TlsTest, HostNameIsVerifiedAndSentAsSni) {
  // "localhost" goes through the resolver, SNI and the certificate's DNS name.
  TestServer server(Hello, identity_);
  std::string body;
  const HttpResponse r =
      Fetch("https://localhost:" + std::to_string(server.port()), ca_file_.string(), &body);
  ASSERT_FALSE(r.error) << r.error->reason << ": " << r.error->message;
  EXPECT_EQ(body, "hello over tls");
}

TEST_F(TlsTest, SelfSignedCertificateIsRejectedByTheSystemStore) {
  TestServer server(Hello, identity_);
  std::string body;
  const HttpResponse r = Fetch(server.base_url(), "", &body);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->kind, ErrorKind::kTransport);
  EXPECT_EQ(r.error->reason, "tls_handshake");
  EXPECT_THAT(r.error->message, HasSubstr("certificate"));
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(TlsTest, CertificateForAnotherNameIsRejected) {
  // The CA is trusted, but its certificate names another host than the one dialled.
  const testing::TlsIdentity other = testing::MakeTestTlsIdentity("DNS:other.example");
  std::ofstream(ca_file_) << other.certificate_pem;
  TestServer server(Hello, other);
  std::string body;
  const HttpResponse r = Fetch(server.base_url(), ca_file_.string(), &body);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->reason, "tls_handshake");
  EXPECT_THAT(r.error->message, HasSubstr("mismatch"));
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(TlsTest, UnreadableCaFileFailsAtCreation) {
  EventLoop loop;
  SteadyClock clock(loop);
  HttpTransportOptions options;
  options.base_url = "https://127.0.0.1:1";
  options.ca_file = (fs::temp_directory_path() / "agentreplay-no-such-ca.pem").string();
  const auto transport = HttpTransport::Create(loop, clock, options);
  ASSERT_FALSE(transport);
  EXPECT_THAT(transport.error(), HasSubstr("CA file"));
}

}  // namespace
}  // namespace agentreplay::net
