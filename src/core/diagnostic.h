// A problem found in input (a file, an option, a URL) or met on a system call, said so that a
// person can fix it: which file, where in it, and what is wrong. Loaders collect every problem
// of a file before giving up, so a file's errors are a list, not one string.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace agentreplay {

struct Diagnostic {
  std::string file;                    // as the user gave it; empty when not about a file
  std::optional<std::string> pointer;  // RFC 6901 JSON pointer of the bad value ("" = the root)
  int line = 0;                        // 1-based; 0 when unknown
  int column = 0;                      // 1-based, in Unicode code points
  std::string message;                 // what is wrong, or what was expected

  // "FILE:LINE:COL: POINTER: MESSAGE". Parts that are unknown are left out: "FILE: POINTER:
  // MESSAGE" without a position, "FILE: MESSAGE" without a pointer, "MESSAGE" without a file.
  // The root pointer is shown as "/".
  std::string ToString() const;
};

// Every diagnostic on its own line, in order (no trailing newline).
std::string JoinDiagnostics(const std::vector<Diagnostic>& diagnostics);

}  // namespace agentreplay
