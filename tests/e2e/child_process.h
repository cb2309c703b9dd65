// A child process run the way a user runs one, with its stdout on a pipe: for end-to-end tests
// that start a long-running command (`agentreplay serve`), read what it prints, signal it and
// collect its exit code.
#pragma once

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

extern char** environ;

namespace agentreplay::testing {

class ChildProcess {
 public:
  // argv[0] is the program (a path; not searched in PATH).
  explicit ChildProcess(std::vector<std::string> args) {
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
  ~ChildProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      Wait();
    }
    if (stdout_ >= 0) ::close(stdout_);
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }

  // What the child wrote to stdout up to a newline, EOF or `timeout_ms`.
  std::string ReadLine(int timeout_ms = 30000) {
    std::string line;
    char c = 0;
    while (true) {
      pollfd p{stdout_, POLLIN, 0};
      if (::poll(&p, 1, timeout_ms) <= 0 || ::read(stdout_, &c, 1) != 1 || c == '\n') return line;
      line.push_back(c);
    }
  }

  // Everything the child writes to stdout until it closes it (it exits).
  std::string ReadRest() {
    std::string rest;
    char buffer[4096];
    ssize_t n = 0;
    while ((n = ::read(stdout_, buffer, sizeof buffer)) > 0) {
      rest.append(buffer, static_cast<size_t>(n));
    }
    return rest;
  }

  void Signal(int signal_number) { ::kill(pid_, signal_number); }

  // The exit code, or 128 + the signal that ended it.
  int Wait() {
    int status = 0;
    if (::waitpid(pid_, &status, 0) != pid_) return -1;
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_ = -1;
  int stdout_ = -1;
};

}  // namespace agentreplay::testing
