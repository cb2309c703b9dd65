// ReadAll, the one place the agent holds a whole response body: it stops at its bound with a
// named error instead of growing with whatever an endpoint sends.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/task.h"
#include "ports/transport.h"

namespace agentreplay {
namespace {

// A body of fixed chunks, then the end.
class ChunksBody : public BodyStream {
 public:
  explicit ChunksBody(std::vector<std::string> chunks) : chunks_(std::move(chunks)) {}
  Task<BodyChunk> Next() override {
    if (next_ < chunks_.size()) co_return BodyChunk{chunks_[next_++], false, {}};
    co_return BodyChunk{{}, true, {}};
  }
  std::size_t read() const { return next_; }

 private:
  std::vector<std::string> chunks_;
  std::size_t next_ = 0;
};

BodyChunk ReadAllOf(ChunksBody& body, std::size_t max_bytes) {
  BodyChunk out;
  Spawn([](ChunksBody& b, std::size_t max,
           BodyChunk& o) -> Task<void> { o = co_await ReadAll(b, max); }(body, max_bytes, out),
        nullptr);
  return out;
}

TEST(ReadAllTest, ABodyWithinTheBoundIsReadWhole) {
  ChunksBody body({"ab", "cd", "e"});
  const BodyChunk all = ReadAllOf(body, 5);
  EXPECT_TRUE(all.end);
  EXPECT_FALSE(all.error);
  EXPECT_EQ(all.bytes, "abcde");
}

TEST(ReadAllTest, ABodyPastTheBoundStopsThereWithANamedError) {
  ChunksBody body({"ab", "cd", "ef", "gh"});
  const BodyChunk all = ReadAllOf(body, 5);
  ASSERT_TRUE(all.error);
  EXPECT_EQ(all.error->kind, ErrorKind::kProtocol);
  EXPECT_EQ(all.error->reason, "body_too_large");
  EXPECT_EQ(all.bytes, "abcd");  // what fitted; the chunk that did not is not kept
  EXPECT_EQ(body.read(), 3u);    // and nothing after it was read
}

}  // namespace
}  // namespace agentreplay
