#include "ports/transport.h"

namespace agentreplay {

Task<BodyChunk> ReadAll(BodyStream& body) {
  BodyChunk all;
  for (;;) {
    BodyChunk chunk = co_await body.Next();
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
