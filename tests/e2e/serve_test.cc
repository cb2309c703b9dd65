// End-to-end: `agentreplay serve` run as a user runs it. Read the URL line, talk HTTP to it,
// stop it with a signal, expect a clean exit.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <regex>
#include <string>
#include <vector>

#include "tests/e2e/child_process.h"

namespace {

// The binary as a child process, with these arguments.
class Served : public agentreplay::testing::ChildProcess {
 public:
  explicit Served(std::vector<std::string> args) : ChildProcess(WithBinary(std::move(args))) {}

 private:
  static std::vector<std::string> WithBinary(std::vector<std::string> args) {
    args.insert(args.begin(), AGENTREPLAY_BINARY);
    return args;
  }
};

// One request on a fresh connection with `connection: close`; the whole answer.
std::string Exchange(int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size())) {
    char buffer[65536];
    ssize_t n = 0;
    while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0) {
      answer.append(buffer, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return answer;
}

// Sends `request` on a fresh connection and reads until the server closes it or `timeout`
// passes; sets `closed` when it was the server.
std::string SendAndRead(int port, const std::string& request, int timeout_ms, bool& closed) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  closed = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size())) {
    char buffer[65536];
    pollfd p{fd, POLLIN, 0};
    while (::poll(&p, 1, timeout_ms) > 0) {
      const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) {
        closed = true;
        break;
      }
      answer.append(buffer, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return answer;
}

int PortOf(const std::string& line) {
  static const std::regex kLine(
      R"(^agentreplay serve: listening on http://127\.0\.0\.1:(\d+)/v1$)");
  std::smatch m;
  return std::regex_match(line, m, kLine) ? std::stoi(m[1]) : -1;
}

TEST(ServeE2eTest, ServesTheDefaultScenarioAndStopsCleanlyOnSigint) {
  Served served({"serve", "--port", "0", "--time-scale", "0.05"});
  ASSERT_TRUE(served.started());
  const std::string line = served.ReadLine();
  const int port = PortOf(line);
  ASSERT_GT(port, 0) << line;
  const std::string body = R"({"model":"gpt-4o-mini","input":"hi","stream":true})";
  const std::string answer =
      Exchange(port,
               "POST /v1/responses HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n"
               "content-type: application/json\r\ncontent-length: " +
                   std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(answer.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << answer;
  EXPECT_NE(answer.find("content-type: text/event-stream"), std::string::npos);
  EXPECT_NE(answer.find("event: response.completed"), std::string::npos);
  // The default scenario calls a tool first.
  EXPECT_NE(answer.find("get_current_time"), std::string::npos);
  served.Signal(SIGINT);
  EXPECT_EQ(served.Wait(), 0);
  EXPECT_EQ(served.ReadRest(), "");  // exactly one line on stdout
}

TEST(ServeE2eTest, StopsCleanlyOnSigtermWithAConnectionOpen) {
  Served served({"serve", "--port", "0", "--seed", "3"});
  ASSERT_TRUE(served.started());
  const int port = PortOf(served.ReadLine());
  ASSERT_GT(port, 0);
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  served.Signal(SIGTERM);
  EXPECT_EQ(served.Wait(), 0);
  ::close(fd);
}

// The limits against hostile clients are the command line's to set (docs/serve.md, "Limits").
TEST(ServeE2eTest, DropsAStalledBodyAndRefusesSessionsBeyondItsLimits) {
  Served served({"serve", "--port", "0", "--body-timeout", "0.2", "--max-sessions", "1"});
  ASSERT_TRUE(served.started());
  const int port = PortOf(served.ReadLine());
  ASSERT_GT(port, 0);
  bool closed = false;
  // Promises 1,000 bytes, sends 2: dropped after the body timeout, not held.
  const std::string stalled =
      SendAndRead(port, "POST /v1/responses HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\n{}",
                  10000, closed);
  EXPECT_TRUE(closed);
  if (!stalled.empty()) {
    EXPECT_EQ(stalled.rfind("HTTP/1.1 408 ", 0), 0u) << stalled;
  }
  const auto get = [](const std::string& session) {
    return "GET /v1/models HTTP/1.1\r\nhost: x\r\nconnection: close\r\nx-agentreplay-session: " +
           session + "\r\n\r\n";
  };
  const std::string first = SendAndRead(port, get("one"), 10000, closed);
  EXPECT_EQ(first.find("HTTP/1.1 503 "), std::string::npos) << first;
  const std::string second = SendAndRead(port, get("two"), 10000, closed);
  EXPECT_EQ(second.rfind("HTTP/1.1 503 ", 0), 0u) << second;
  EXPECT_NE(second.find("--max-sessions"), std::string::npos) << second;
  served.Signal(SIGTERM);
  EXPECT_EQ(served.Wait(), 0);
}

TEST(ServeE2eTest, AScenarioWithErrorsExitsTwo) {
  const std::string file = ::testing::TempDir() + "agentreplay-serve-bad.json";
  std::FILE* f = std::fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs(R"({"schema": "agentreplay.scenario/v1", "name": 3})", f);
  std::fclose(f);
  Served served({"serve", file, "--port", "0"});
  ASSERT_TRUE(served.started());
  EXPECT_EQ(served.Wait(), 2);
  EXPECT_EQ(served.ReadRest(), "");
  std::remove(file.c_str());
}

}  // namespace
