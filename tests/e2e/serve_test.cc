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

extern char** environ;

namespace {

// A child process with its stdout on a pipe.
class Served {
 public:
  explicit Served(std::vector<std::string> args) {
    args.insert(args.begin(), AGENTREPLAY_BINARY);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int out[2];
    if (::pipe(out) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    posix_spawn_file_actions_addclose(&actions, out[1]);
    if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    stdout_ = out[0];
  }
  ~Served() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      Wait();
    }
    if (stdout_ >= 0) ::close(stdout_);
  }

  // Everything the child wrote to stdout until a newline, EOF or (a generous) 30 s.
  std::string ReadLine() {
    std::string line;
    char c = 0;
    while (true) {
      pollfd p{stdout_, POLLIN, 0};
      if (::poll(&p, 1, 30000) <= 0 || ::read(stdout_, &c, 1) != 1 || c == '\n') return line;
      line.push_back(c);
    }
  }
  std::string ReadRest() {
    std::string rest;
    char buffer[4096];
    ssize_t n = 0;
    while ((n = ::read(stdout_, buffer, sizeof buffer)) > 0) {
      rest.append(buffer, static_cast<size_t>(n));
    }
    return rest;
  }

  // The exit code, or 128 + the signal that ended it.
  int Wait() {
    int status = 0;
    if (::waitpid(pid_, &status, 0) != pid_) return -1;
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  void Signal(int signal_number) { ::kill(pid_, signal_number); }
  bool started() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
  int stdout_ = -1;
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
