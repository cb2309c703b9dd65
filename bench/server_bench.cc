// The mock HTTP server's per-event write path: framing one SSE event as an HTTP chunk, turning
// a whole streamed response into its wire plan, a long streamed answer served whole or lazily
// (what a request costs before its first byte, and per chunk), and framing + writing one event
// to a loopback TCP socket (a thread on the other end drains it), which is what the server does
// per event.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "mocks/api/mock_backend.h"
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

// A long streamed answer like scenarios/long_answer.json: 500 text deltas 25 ms apart.
Scenario LongAnswerScenario() {
  Scenario s;
  s.name = "long";
  s.model = "gpt-4o-mini";
  TurnScript turn;
  turn.user = "Write a guide.";
  StepScript step;
  for (int i = 0; i < 500; ++i) step.text_chunks.push_back(i % 2 == 0 ? " data" : " entries");
  step.chunk_gap_ms = Dist::Fixed(25);
  turn.steps.push_back(step);
  s.turns.push_back(turn);
  return s;
}

const HttpRequest& LongAnswerRequest() {
  static const HttpRequest request{
      "POST",
      "/v1/responses",
      {{"content-type", "application/json"}},
      R"({"model":"gpt-4o-mini","stream":true,"input":"Write a guide."})"};
  return request;
}

// What the server thread spends on a request before its first segment can leave: the back
// end's answer and the first pull. Arg 0: whole bodies (rendered up front), 1: lazy.
void BM_LongAnswerFirstSegment(benchmark::State& state) {
  MockBackend backend(LongAnswerScenario(), 1);
  backend.set_lazy_bodies(state.range(0) != 0);
  for (auto _ : state) {
    WireStream stream(backend.Handle(LongAnswerRequest(), TimePoint{}), 1.0, true);
    WireSegment segment;
    benchmark::DoNotOptimize(stream.Next(segment));
  }
}
BENCHMARK(BM_LongAnswerFirstSegment)->Arg(0)->Arg(1);

// A whole long answer served segment by segment; items are segments (framing included, the
// socket not). Arg as above.
void BM_LongAnswerPerSegment(benchmark::State& state) {
  MockBackend backend(LongAnswerScenario(), 1);
  backend.set_lazy_bodies(state.range(0) != 0);
  int64_t segments = 0;
  for (auto _ : state) {
    WireStream stream(backend.Handle(LongAnswerRequest(), TimePoint{}), 1.0, true);
    WireSegment segment;
    while (stream.Next(segment)) {
      benchmark::DoNotOptimize(segment.payload.data());
      ++segments;
    }
  }
  state.SetItemsProcessed(segments);
}
BENCHMARK(BM_LongAnswerPerSegment)->Arg(0)->Arg(1);

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

// Frame + one send() per event with TCP_NODELAY, as the server used to write an event that is
// due on its own (framed into a copy).
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

// One gathered sendmsg() per event straight from the event's bytes (size line, payload, CRLF),
// as the server writes now: no copy of the event.
void BM_GatherWriteSseChunk(benchmark::State& state) {
  LoopbackPair pair;
  char prefix[20];
  const int prefix_size = std::snprintf(prefix, sizeof prefix, "%zx\r\n", kEvent.size());
  char crlf[] = "\r\n";
  iovec parts[3] = {{prefix, static_cast<size_t>(prefix_size)},
                    {const_cast<char*>(kEvent.data()), kEvent.size()},
                    {crlf, 2}};
  msghdr message{};
  message.msg_iov = parts;
  message.msg_iovlen = 3;
  for (auto _ : state) {
    if (::sendmsg(pair.writer(), &message, MSG_NOSIGNAL) < 0) {
      state.SkipWithError("sendmsg failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kEvent.size() + 8));
}
BENCHMARK(BM_GatherWriteSseChunk);

}  // namespace
}  // namespace agentreplay::mocks
