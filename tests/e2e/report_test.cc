// End-to-end: `agentreplay report` on a results file, the formats it writes, and --push to a
// Pushgateway stand-in (a loopback HTTP server started by the test) that records the request.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "results/results_json.h"
#include "tests/e2e/cli_runner.h"
#include "tests/results/sample_results.h"

namespace {

namespace fs = std::filesystem;
namespace asio = boost::asio;
namespace http = boost::beast::http;
using agentreplay::testing::CliResult;
using agentreplay::testing::Slurp;
using ::testing::HasSubstr;
using ::testing::Not;

// A one-request HTTP server on an ephemeral loopback port: records the request it gets and
// answers with `status`. Stands in for a Prometheus Pushgateway.
class OneShotServer {
 public:
  explicit OneShotServer(http::status status)
      : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this, status] {
      boost::system::error_code ec;
      asio::ip::tcp::socket socket(io_);
      acceptor_.accept(socket, ec);
      if (ec) return;
      boost::beast::flat_buffer buffer;
      http::request<http::string_body> request;
      http::read(socket, buffer, request, ec);
      if (ec) return;
      method_ = std::string(request.method_string());
      target_ = std::string(request.target());
      content_type_ = std::string(request[http::field::content_type]);
      body_ = request.body();
      http::response<http::string_body> response{status, 11};
      response.body() = status == http::status::ok ? "" : "pushed metrics are invalid";
      response.keep_alive(false);
      response.prepare_payload();
      http::write(socket, response, ec);
      socket.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    });
  }
  ~OneShotServer() {
    boost::system::error_code ec;
    // When no request came the thread still blocks in accept(). Closing the descriptor from this
    // thread does not reliably wake it on Linux (the test hung now and then); shutting the
    // listening socket down does: accept() returns EINVAL.
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    acceptor_.close(ec);
    if (thread_.joinable()) thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  // Valid once the client process has exited.
  const std::string& method() const { return method_; }
  const std::string& target() const { return target_; }
  const std::string& content_type() const { return content_type_; }
  const std::string& body() const { return body_; }

 private:
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  std::string method_, target_, content_type_, body_;
};

class ReportCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("agentreplay-report-e2e-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    results_ = (dir_ / "results.json").string();
    std::ofstream(results_, std::ios::binary)
        << agentreplay::results::ResultsToJson(agentreplay::reports::fixtures::SampleResults());
  }
  void TearDown() override { fs::remove_all(dir_); }

  CliResult Run(const std::vector<std::string>& args) {
    return agentreplay::testing::RunCli(dir_, args);
  }

  fs::path dir_;
  std::string results_;
};

TEST_F(ReportCliTest, ConsoleByDefaultWithTheWithinRunComparison) {
  const CliResult r = Run({"report", results_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("weather"));
  EXPECT_THAT(r.out, HasSubstr("where the time goes"));
  // weather/assistants/p0 names responses/p5 as its baseline: the comparison is shown.
  EXPECT_THAT(r.out, HasSubstr("assistants/p0"));
  EXPECT_THAT(r.out, HasSubstr("\u25b2"));  // its e2e regressed against the baseline
}

TEST_F(ReportCliTest, WritesEveryFileFormatIntoTheOutDirectory) {
  const fs::path out = dir_ / "reports";
  const CliResult r =
      Run({"report", results_, "--format",
           "markdown,html,csv,junit,prometheus,openmetrics,gbench,github-benchmark,bencher,json",
           "--out", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");  // no console format asked for
  for (const char* file : {"report.md", "report.html", "report.csv", "junit.xml", "metrics.prom",
                           "metrics.openmetrics.txt", "gbench.json", "github-benchmark.json",
                           "bencher.json", "results.json"}) {
    EXPECT_TRUE(fs::exists(out / file)) << file;
    EXPECT_THAT(r.err, HasSubstr((out / file).string()));
  }
  EXPECT_EQ(Slurp(out / "results.json"), Slurp(results_));
  EXPECT_THAT(Slurp(out / "metrics.openmetrics.txt"), HasSubstr("# EOF\n"));
}

TEST_F(ReportCliTest, UnknownFormatsAndBadFilesAreErrors) {
  CliResult r = Run({"report", results_, "--format", "html,pdf"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown format 'pdf'"));
  EXPECT_FALSE(fs::exists("report.html"));
  std::ofstream(dir_ / "broken.json") << "{\"schema\": 3}";
  r = Run({"report", (dir_ / "broken.json").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("broken.json"));
}

// A results file nested 200,000 levels deep once overflowed the parser's stack and killed
// `report`; now it is a located error, exit 2, and no report is written.
TEST_F(ReportCliTest, DeeplyNestedFileIsALocatedErrorNotACrash) {
  const fs::path deep = dir_ / "deep.json";
  std::ofstream out(deep);
  out << "{\"schema\": \"agentreplay.results/v1\", \"context\":\n";
  for (int i = 0; i < 200000; ++i) out << "{\"a\":";
  out.close();
  const CliResult r = Run({"report", deep.string(), "--format", "junit,prometheus"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err,
              HasSubstr(deep.string() + ":2:2556: invalid JSON: Nesting deeper than 512 levels."));
  EXPECT_FALSE(fs::exists(dir_ / "junit.xml"));
}

// A NUL in a scenario name never reaches junit.xml or metrics.prom: the file is refused.
TEST_F(ReportCliTest, NulInANameIsRefused) {
  std::string text = Slurp(results_);
  const std::string from = "\"scenario\": \"weather\"";
  ASSERT_NE(text.find(from), std::string::npos);
  text.replace(text.find(from), from.size(), "\"scenario\": \"wea\\u0000ther\"");
  std::ofstream(results_, std::ios::binary) << text;
  const CliResult r =
      Run({"report", results_, "--format", "junit,prometheus", "--out", (dir_ / "out").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr(results_ + ": /cells/0/scenario: contains a NUL character"));
  EXPECT_FALSE(fs::exists(dir_ / "out" / "junit.xml"));
  EXPECT_FALSE(fs::exists(dir_ / "out" / "metrics.prom"));
}

TEST_F(ReportCliTest, PushPutsThePrometheusTextToTheGateway) {
  OneShotServer gateway(http::status::ok);
  const CliResult r = Run({"report", results_, "--format", "console", "--job", "nightly", "--push",
                           "http://127.0.0.1:" + std::to_string(gateway.port())});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("pushed metrics"));
  EXPECT_EQ(gateway.method(), "PUT");
  EXPECT_EQ(gateway.target(), "/metrics/job/nightly/world/sim");
  EXPECT_THAT(gateway.content_type(), HasSubstr("text/plain; version=0.0.4"));
  EXPECT_THAT(gateway.body(), HasSubstr("# TYPE agentreplay_e2e_seconds histogram\n"));
  EXPECT_THAT(
      gateway.body(),
      HasSubstr(R"(agentreplay_e2e_seconds_count{scenario="weather",runtime="responses",)"));
  EXPECT_THAT(gateway.body(), Not(HasSubstr("# EOF")));
}

TEST_F(ReportCliTest, PushFailuresExitTwo) {
  {
    OneShotServer gateway(http::status::bad_request);
    const CliResult r = Run({"report", results_, "--format", "console", "--push",
                             "http://127.0.0.1:" + std::to_string(gateway.port())});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.err, HasSubstr("HTTP 400"));
    EXPECT_THAT(r.err, HasSubstr("pushed metrics are invalid"));
  }
  uint16_t closed_port = 0;
  {
    OneShotServer gone(http::status::ok);
    closed_port = gone.port();
  }  // closed again: nothing listens there now
  const CliResult r = Run({"report", results_, "--format", "console", "--push",
                           "http://127.0.0.1:" + std::to_string(closed_port)});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("cannot connect"));
  EXPECT_EQ(Run({"report", results_, "--push", "https://gateway:9091"}).exit_code, 2);
}

}  // namespace
