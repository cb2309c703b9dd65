// The real transport's own cost over loopback: a whole request (encode, write, the server's
// canned answer, parse) on a kept-alive connection, and the client's read cost per event of a
// streamed response whose bytes are already waiting in the socket.
//
// The server is a plain blocking thread here (no scheduling of its own, answers at once), so
// what is measured is the client plus loopback; on a 2-core machine the server thread
// competes for CPU, so read these as upper bounds.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "net/event_loop.h"
#include "net/http_transport.h"
#include "net/steady_clock.h"

namespace agentreplay::net {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

// Answers every request on every connection with `answer` (raw bytes), until destroyed.
class CannedServer {
 public:
  explicit CannedServer(std::string answer) : answer_(std::move(answer)) {
    acceptor_.open(tcp::v4());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { Serve(); });
  }
  ~CannedServer() {
    stopping_ = true;
    // Wake the accept (or the read of a kept-alive connection) with one last connection.
    boost::system::error_code ignored;
    tcp::socket poke(io_);
    poke.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ignored);
    poke.close(ignored);
    thread_.join();
  }
  std::string base_url() const { return fmt::format("http://127.0.0.1:{}", port_); }

 private:
  void Serve() {
    // One connection at a time: the client keeps its connection alive.
    while (!stopping_) {
      tcp::socket socket(io_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stopping_) return;
      socket.set_option(tcp::no_delay(true), ec);
      boost::beast::flat_buffer buffer;
      for (;;) {
        http::request<http::string_body> request;
        http::read(socket, buffer, request, ec);
        if (ec) break;
        asio::write(socket, asio::buffer(answer_), ec);
        if (ec) break;
      }
    }
  }

  std::string answer_;
  asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

std::string ChunkedHead() {
  return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
}

std::string Chunk(const std::string& data) {
  return fmt::format("{:x}\r\n{}\r\n", data.size(), data);
}

// One Responses text delta event, the shape of the recorded streams (about 230 bytes).
std::string DeltaEvent(int i) {
  return fmt::format(
      "event: response.output_text.delta\ndata: {{\"type\":\"response.output_text.delta\","
      "\"sequence_number\":{},\"item_id\":\"msg_0123456789abcdef0123456789abcdef\","
      "\"output_index\":0,\"content_index\":0,\"delta\":\" token\",\"logprobs\":[]}}\n\n",
      i);
}

struct Client {
  explicit Client(const std::string& base_url) : clock(loop) {
    HttpTransportOptions options;
    options.base_url = base_url;
    options.api_key = "sk-bench";
    auto created = HttpTransport::Create(loop, clock, options);
    // A benchmark of a transport that does not exist would only crash later, without a word.
    if (!created) throw std::runtime_error("client_bench: " + created.error());
    transport = std::move(*created);
  }
  // Sends one request and reads its body to the end; returns the body pieces seen.
  int64_t RoundTrip(const HttpRequest& request) {
    int64_t pieces = 0;
    bool done = false;
    Spawn(
        [](Transport& t, HttpRequest r, int64_t& n) -> Task<void> {
          HttpResponse response = co_await t.Send(std::move(r));
          if (!response.body) co_return;
          for (;;) {
            BodyChunk chunk = co_await response.body->Next();
            if (chunk.end || chunk.error) break;
            ++n;
          }
        }(*transport, request, pieces),
        [&](std::exception_ptr) { done = true; });
    loop.RunUntil(done);
    return pieces;
  }

  EventLoop loop;
  SteadyClock clock;
  std::unique_ptr<HttpTransport> transport;
};

HttpRequest ResponsesRequest() {
  return HttpRequest{"POST",
                     "/v1/responses",
                     {{"Content-Type", "application/json"}},
                     R"({"model":"gpt-4o-mini","input":"Hello, world!","stream":true})"};
}

// A whole small JSON request/response on a kept-alive loopback connection.
void BM_ClientRequestRoundTrip(benchmark::State& state) {
  const std::string body = R"({"id":"resp_1","object":"response","status":"completed"})";
  CannedServer server(fmt::format(
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
      body.size(), body));
  Client client(server.base_url());
  const HttpRequest request = ResponsesRequest();
  client.RoundTrip(request);  // connect outside the measurement
  for (auto _ : state) benchmark::DoNotOptimize(client.RoundTrip(request));
  state.counters["connections"] = static_cast<double>(client.transport->stats().connections_opened);
}
BENCHMARK(BM_ClientRequestRoundTrip)->Unit(benchmark::kMicrosecond);

// Reading a streamed response of N delta events (each its own HTTP chunk), all already
// written: the client's parse-and-deliver cost per event.
void BM_ClientStreamedEventRead(benchmark::State& state) {
  const int events = static_cast<int>(state.range(0));
  std::string answer = ChunkedHead();
  for (int i = 0; i < events; ++i) answer += Chunk(DeltaEvent(i));
  answer += "0\r\n\r\n";
  CannedServer server(answer);
  Client client(server.base_url());
  const HttpRequest request = ResponsesRequest();
  client.RoundTrip(request);
  int64_t pieces = 0;
  for (auto _ : state) pieces += client.RoundTrip(request);
  state.SetItemsProcessed(state.iterations() * events);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(answer.size()));
  // Body pieces handed to the reader per event (below 1: several events came in one read).
  state.counters["pieces_per_event"] =
      static_cast<double>(pieces) / static_cast<double>(state.iterations() * events);
}
BENCHMARK(BM_ClientStreamedEventRead)->Arg(100)->Arg(1000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace agentreplay::net
