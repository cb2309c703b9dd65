// Runs the agentreplay binary the way a user runs it from a shell, for end-to-end tests: its
// stdout and stderr go to files in a scratch directory, its stdin is empty, and the exit code
// comes back with both outputs.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace agentreplay::testing {

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Single-quoted for sh: any byte survives.
inline std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// `prefix` goes before the binary (e.g. "env -u OPENAI_API_KEY"); outputs land in `dir`.
inline CliResult RunCli(const std::filesystem::path& dir, const std::vector<std::string>& args,
                        const std::string& prefix = "") {
  std::string cmd = prefix.empty() ? std::string() : prefix + " ";
  cmd += Quote(AGENTREPLAY_BINARY);
  for (const auto& a : args) cmd += " " + Quote(a);
  cmd += " >" + Quote((dir / "stdout").string()) + " 2>" + Quote((dir / "stderr").string()) +
         " </dev/null";
  const int status = std::system(cmd.c_str());
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = Slurp(dir / "stdout");
  r.err = Slurp(dir / "stderr");
  return r;
}

}  // namespace agentreplay::testing
