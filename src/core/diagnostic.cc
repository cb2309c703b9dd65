#include "core/diagnostic.h"

namespace agentreplay {

std::string Diagnostic::ToString() const {
  std::string out;
  if (!file.empty()) {
    out += file;
    if (line > 0) out += ':' + std::to_string(line) + ':' + std::to_string(column);
    out += ": ";
  }
  if (pointer) out += (pointer->empty() ? std::string("/") : *pointer) + ": ";
  out += message;
  return out;
}

std::string JoinDiagnostics(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const auto& d : diagnostics) {
    if (!out.empty()) out += '\n';
    out += d.ToString();
  }
  return out;
}

}  // namespace agentreplay
