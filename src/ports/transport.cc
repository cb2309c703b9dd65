#include "ports/transport.h"

#include <fmt/format.h>

namespace agentreplay {

Task<BodyChunk> ReadAll(BodyStream& body, std::size_t max_bytes) {
  BodyChunk all;
  for (;;) {
    BodyChunk chunk = co_await body.Next();
    if (chunk.bytes.size() > max_bytes - all.bytes.size()) {
      all.error = Error{ErrorKind::kProtocol, "body_too_large",
                        fmt::format("the response body is longer than {} bytes", max_bytes), 0};
      co_return all;
    }
    all.bytes += chunk.bytes;
    if (chunk.error) {
      all.error = std::move(chunk.error);
      co_return all;
    }
    if (chunk.end) {
      all.end = true;
      co_return all;
    }
  }
}

}  // namespace agentreplay
