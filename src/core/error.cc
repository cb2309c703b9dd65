#include "core/error.h"

namespace agentreplay {

std::string_view ErrorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kTransport:
      return "transport";
    case ErrorKind::kTimeout:
      return "timeout";
    case ErrorKind::kHttpStatus:
      return "http_status";
    case ErrorKind::kProtocol:
      return "protocol";
    case ErrorKind::kApi:
      return "api";
    case ErrorKind::kTool:
      return "tool";
    case ErrorKind::kLimit:
      return "limit";
    case ErrorKind::kInternal:
      return "internal";
  }
  return "internal";
}

}  // namespace agentreplay
