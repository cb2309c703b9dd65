// The mock HTTP server's per-event write path: framing one SSE event as an HTTP chunk, turning
// a whole streamed response into its wire plan, and framing + writing one event to a loopback
// TCP socket (a thread on the other end drains it), which is what the server does per event.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "mocks/api/openai_error.h"
#include "mocks/server/wire_writer.h"

namespace agentreplay::mocks {
namespace {

// A typical Responses text delta event, as the mock renders it.
const std::string kEvent =
    "event: response.output_text.delta\n"
    "data: {\"type\":\"response.output_text.delta\",\"sequence_number\":12,\"item_id\":"
    "\"msg_67ccd3acc8d48190a77525dc6de64b4104becb25c7c8a9b6\",\"output_index\":0,"
    "\"content_index\":0,\"delta\":\" afternoon\",\"logprobs\":[]}\n\n";

void BM_FrameSseChunk(benchmark::State& state) {
  std::string out;
  for (auto _ : state) {
    out.clear();
    AppendChunk(out, kEvent);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FrameSseChunk);

// PlanWire over a 200-event stream; items are events.
void BM_PlanWire(benchmark::State& state) {
  MockResponse response;
  response.headers = StandardHeaders("text/event-stream; charset=utf-8", "req_1", {});
  for (int i = 0; i < 200; ++i) {
    response.chunks.push_back({std::chrono::milliseconds(i * 10), kEvent});
  }
  for (auto _ : state) {
    WirePlan plan = PlanWire(response, 1.0, true);
    benchmark::DoNotOptimize(plan.steps.data());
  }
  state.SetItemsProcessed(state.iterations() * 200);
}
BENCHMARK(BM_PlanWire);

// A connected loopback TCP pair; a thread reads the receiving end until it closes.
class LoopbackPair {
 public:
  LoopbackPair() {
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listener, 1);
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
    writer_ = ::socket(AF_INET, SOCK_STREAM, 0);
    ::connect(writer_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    int one = 1;
    ::setsockopt(writer_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    reader_ = ::accept(listener, nullptr, nullptr);
    ::close(listener);
    drain_ = std::thread([fd = reader_] {
      char buffer[65536];
      while (::recv(fd, buffer, sizeof buffer, 0) > 0) {
      }
    });
  }
  ~LoopbackPair() {
    ::shutdown(writer_, SHUT_WR);
    drain_.join();
    ::close(writer_);
    ::close(reader_);
  }
  int writer() const { return writer_; }

 private:
  int writer_ = -1;
  int reader_ = -1;
  std::thread drain_;
};

// Frame + one send() per event with TCP_NODELAY, as the server writes an event that is due
// on its own.
void BM_FrameAndWriteSseChunk(benchmark::State& state) {
  LoopbackPair pair;
  std::string out;
  for (auto _ : state) {
    out.clear();
    AppendChunk(out, kEvent);
    if (::send(pair.writer(), out.data(), out.size(), MSG_NOSIGNAL) < 0) {
      state.SkipWithError("send failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kEvent.size() + 8));
}
BENCHMARK(BM_FrameAndWriteSseChunk);

}  // namespace
}  // namespace agentreplay::mocks
