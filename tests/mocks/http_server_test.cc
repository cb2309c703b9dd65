// The mock HTTP server over real loopback sockets, seen by a raw socket client: timed SSE
// chunks, framing, content types, errors, keep-alive, sessions, the write log, and every
// WireFault as bytes / FIN / RST / silence on the wire.
#include "mocks/server/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "harness/scenario/scenario_loader.h"
#include "mocks/api/openai_error.h"
#include "mocks/server/wire_writer.h"

namespace agentreplay::mocks {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

// ---- a raw socket client ------------------------------------------------------------------

enum class End { kQuiet, kFin, kReset };

struct Piece {
  size_t end = 0;  // bytes received so far after this read
  SteadyClock::time_point at;
};

class RawClient {
 public:
  explicit RawClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~RawClient() { Close(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }

  SteadyClock::time_point Send(std::string_view bytes) {
    const auto at = SteadyClock::now();
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) break;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return at;
  }

  // Reads until `done(data)` holds, the peer ends the connection, or nothing arrives for
  // `quiet`. Returns how the reading ended.
  End Read(const std::function<bool(const std::string&)>& done, milliseconds quiet) {
    char buffer[65536];
    while (!done(data_)) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(quiet.count())) == 0) return End::kQuiet;
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n == 0) return End::kFin;
      if (n < 0) return errno == ECONNRESET ? End::kReset : End::kFin;
      data_.append(buffer, static_cast<size_t>(n));
      pieces_.push_back(Piece{data_.size(), SteadyClock::now()});
    }
    return End::kQuiet;
  }
  End ReadToEnd(milliseconds quiet) {
    return Read([](const std::string&) { return false; }, quiet);
  }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  std::string& data() { return data_; }
  const std::vector<Piece>& pieces() const { return pieces_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string data_;
  std::vector<Piece> pieces_;
};

// ---- a strict little HTTP/1.1 response reader ---------------------------------------------

struct Parsed {
  bool complete = false;
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::string> chunks;  // chunked bodies: each chunk's data
  std::vector<size_t> chunk_ends;   // raw offset just after each chunk's trailing CRLF
  std::string body;
  size_t size = 0;  // raw bytes of the whole response when complete
  std::string Header(const std::string& name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) return v;
    }
    return "<absent>";
  }
};

Parsed Parse(const std::string& raw) {
  Parsed p;
  const size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos || raw.rfind("HTTP/1.1 ", 0) != 0) return p;
  p.status = std::stoi(raw.substr(9, 3));
  size_t line = raw.find("\r\n") + 2;
  while (line < head_end + 2) {
    const size_t eol = raw.find("\r\n", line);
    const std::string h = raw.substr(line, eol - line);
    const size_t colon = h.find(": ");
    p.headers.emplace_back(h.substr(0, colon), h.substr(colon + 2));
    line = eol + 2;
  }
  size_t pos = head_end + 4;
  if (p.Header("transfer-encoding") == "chunked") {
    while (true) {
      const size_t eol = raw.find("\r\n", pos);
      if (eol == std::string::npos) return p;
      const size_t n = std::stoul(raw.substr(pos, eol - pos), nullptr, 16);
      if (raw.size() < eol + 2 + n + 2) return p;
      if (n == 0) {
        p.complete = true;
        p.size = eol + 4;
        return p;
      }
      p.chunks.push_back(raw.substr(eol + 2, n));
      p.body += p.chunks.back();
      pos = eol + 2 + n + 2;
      p.chunk_ends.push_back(pos);
    }
  }
  const size_t length = std::stoul(p.Header("content-length"));
  if (raw.size() < pos + length) return p;
  p.body = raw.substr(pos, length);
  p.complete = true;
  p.size = pos + length;
  return p;
}

bool Complete(const std::string& raw) {
  try {
    return Parse(raw).complete;
  } catch (const std::exception&) {
    return false;
  }
}

std::string Request(const std::string& method, const std::string& target,
                    const std::string& body = "", const std::string& session = "",
                    bool close = false) {
  std::string r = method + " " + target + " HTTP/1.1\r\nhost: 127.0.0.1\r\n";
  if (!session.empty()) r += std::string(kSessionHeader) + ": " + session + "\r\n";
  if (close) r += "connection: close\r\n";
  if (!body.empty()) {
    r +=
        "content-type: application/json\r\ncontent-length: " + std::to_string(body.size()) + "\r\n";
  }
  return r + "\r\n" + body;
}

// ---- crafted responses --------------------------------------------------------------------

MockResponse Sse(int head_ms, const std::vector<std::pair<int, std::string>>& chunks) {
  MockResponse r;
  r.headers = StandardHeaders("text/event-stream; charset=utf-8", "req_crafted", milliseconds(3));
  r.headers_at = milliseconds(head_ms);
  for (const auto& [ms, bytes] : chunks) r.chunks.push_back({milliseconds(ms), bytes});
  return r;
}

std::unique_ptr<MockServer> Serve(MockResponse response, double time_scale = 1.0) {
  MockServerOptions options;
  options.time_scale = time_scale;
  options.handler = [response](std::string_view, const HttpRequest&, TimePoint) {
    return response;
  };
  return MockServer::Start(std::move(options));
}

mocks::Scenario ShippedScenario() {
  auto loaded =
      harness::LoadScenarioFile(std::string(AGENTREPLAY_SCENARIOS_DIR) + "/two_tool_rounds.json");
  EXPECT_TRUE(loaded.ok());
  return *loaded;
}

const std::string kStreamBody = R"({"model":"gpt-4o-mini","input":"hi","stream":true})";

// The server logs a write once its completion handler runs, which may be after the client
// has read the bytes: wait (bounded) for `count` entries.
std::vector<WriteLogEntry> TakeWrites(MockServer& server, size_t count) {
  std::vector<WriteLogEntry> log;
  for (int i = 0; i < 500 && log.size() < count; ++i) {
    auto more = server.TakeWriteLog();
    log.insert(log.end(), more.begin(), more.end());
    if (log.size() < count) std::this_thread::sleep_for(milliseconds(10));
  }
  return log;
}

double Ms(SteadyClock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// ---- tests ---------------------------------------------------------------------------------

TEST(MockServerTest, StartsOnAnEphemeralPortAndRefusesABoundOne) {
  auto server = Serve(Sse(0, {{0, "data: x\n\n"}}));
  ASSERT_NE(server, nullptr);
  EXPECT_NE(server->port(), 0);
  EXPECT_EQ(server->base_url(), "http://127.0.0.1:" + std::to_string(server->port()) + "/v1");
  MockServerOptions taken;
  taken.port = server->port();
  EXPECT_EQ(MockServer::Start(taken), nullptr);
  MockServerOptions bad_scale;
  bad_scale.time_scale = 0;
  EXPECT_EQ(MockServer::Start(bad_scale), nullptr);
}

// Chunks 300 ms apart (60 ms scripted × 5) arrive in separate reads, each no earlier than
// its scaled due time and within a generous 150 ms after it (a shared, noisy machine).
TEST(MockServerTest, StreamedChunksArriveSeparatelyAtScaledTimes) {
  const std::vector<std::pair<int, std::string>> chunks = {
      {40, "data: one\n\n"}, {100, "data: two\n\n"}, {160, "data: three\n\n"}};
  auto server = Serve(Sse(10, chunks), 5.0);
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  ASSERT_TRUE(client.connected());
  const auto sent = client.Send(Request("POST", "/v1/responses", kStreamBody));
  client.Read(Complete, milliseconds(5000));
  const Parsed p = Parse(client.data());
  ASSERT_TRUE(p.complete) << client.data();
  ASSERT_EQ(p.chunks.size(), 3u);
  size_t previous_piece = SIZE_MAX;
  for (size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_EQ(p.chunks[i], chunks[i].second);
    size_t piece = 0;
    while (client.pieces()[piece].end < p.chunk_ends[i]) ++piece;
    EXPECT_NE(piece, previous_piece) << "chunk " << i << " arrived with the one before";
    previous_piece = piece;
    const double arrival_ms = Ms(client.pieces()[piece].at - sent);
    const double due_ms = 5.0 * chunks[i].first;
    EXPECT_GE(arrival_ms, due_ms - 1.0) << "chunk " << i;
    EXPECT_LE(arrival_ms, due_ms + 150.0) << "chunk " << i;
  }
  // The write log says the same from the server's side.
  const auto log = TakeWrites(*server, 3);
  ASSERT_EQ(log.size(), 3u);
  for (size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ(log[i].request_id, "req_crafted");
    EXPECT_EQ(log[i].session, "default");
    EXPECT_GE(log[i].written, log[i].due);
    if (i > 0) {
      EXPECT_EQ(log[i].due - log[i - 1].due, milliseconds(300));
    }
  }
  EXPECT_TRUE(server->TakeWriteLog().empty());
}

TEST(MockServerTest, SseIsChunkedWithOneHttpChunkPerEventAndTheTerminator) {
  auto server = Serve(Sse(0, {{0, "data: {\"a\":1}\n\n"}, {1, "data: [DONE]\n\n"}}));
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  client.Send(Request("POST", "/v1/chat/completions", "{}"));
  client.Read(Complete, milliseconds(5000));
  const std::string& raw = client.data();
  const size_t body = raw.find("\r\n\r\n") + 4;
  EXPECT_EQ(raw.substr(body), "f\r\ndata: {\"a\":1}\n\n\r\ne\r\ndata: [DONE]\n\n\r\n0\r\n\r\n");
  const Parsed p = Parse(raw);
  EXPECT_EQ(p.status, 200);
  EXPECT_EQ(p.Header("content-type"), "text/event-stream; charset=utf-8");
  EXPECT_EQ(p.Header("transfer-encoding"), "chunked");
  EXPECT_EQ(p.Header("content-length"), "<absent>");
  EXPECT_EQ(p.Header("x-request-id"), "req_crafted");
  EXPECT_EQ(p.Header("openai-processing-ms"), "3");
}

TEST(MockServerTest, JsonHasContentLengthAndErrorsKeepTheirStatusAndBody) {
  MockServerOptions options;
  options.scenario = ShippedScenario();
  options.time_scale = 0.01;
  auto server = MockServer::Start(options);
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  client.Send(Request("GET", "/v1/nowhere?x=1"));
  client.Read(Complete, milliseconds(5000));
  const Parsed p = Parse(client.data());
  ASSERT_TRUE(p.complete) << client.data();
  EXPECT_EQ(p.status, 404);
  EXPECT_EQ(client.data().rfind("HTTP/1.1 404 Not Found\r\n", 0), 0u);
  EXPECT_EQ(p.Header("content-type"), "application/json");
  EXPECT_EQ(p.Header("content-length"), std::to_string(p.body.size()));
  EXPECT_EQ(p.Header("transfer-encoding"), "<absent>");
  EXPECT_NE(p.Header("x-request-id"), "<absent>");
  EXPECT_NE(p.Header("openai-processing-ms"), "<absent>");
  EXPECT_NE(p.body.find(R"x("message": "Invalid URL (GET /v1/nowhere)")x"), std::string::npos)
      << p.body;
  EXPECT_NE(p.body.find(R"("type": "invalid_request_error")"), std::string::npos) << p.body;
}

TEST(MockServerTest, BytesThatAreNotHttpGetA400AndTheConnectionCloses) {
  auto server = Serve(Sse(0, {{0, "data: x\n\n"}}));
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  client.Send("THIS IS NOT\x01 HTTP\r\n\r\n");
  EXPECT_EQ(client.ReadToEnd(milliseconds(5000)), End::kFin);
  const Parsed p = Parse(client.data());
  EXPECT_EQ(p.status, 400) << client.data();
  EXPECT_EQ(p.Header("connection"), "close");
}

TEST(MockServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  MockServerOptions options;
  options.scenario = ShippedScenario();
  options.time_scale = 0.01;
  auto server = MockServer::Start(options);
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  for (int i = 0; i < 3; ++i) {
    client.data().clear();
    client.Send(Request("GET", "/v1/models/none"));
    ASSERT_EQ(client.Read(Complete, milliseconds(5000)), End::kQuiet);
    EXPECT_EQ(Parse(client.data()).status, 404);
  }
  // connection: close is honoured after the answer.
  client.data().clear();
  client.Send(Request("GET", "/v1/models/none", "", "", true));
  EXPECT_EQ(client.ReadToEnd(milliseconds(5000)), End::kFin);
  EXPECT_EQ(Parse(client.data()).Header("connection"), "close");
  EXPECT_EQ(server->connections_accepted(), 1u);
  EXPECT_EQ(server->request_log("default")->size(), 4u);
}

// The real mock behind the server: a streamed Responses request. The write log's offsets are
// the body's chunk boundaries and its request id is the response's.
TEST(MockServerTest, StreamsTheMocksResponseAndLogsEveryChunkWrite) {
  MockServerOptions options;
  options.scenario = ShippedScenario();
  options.time_scale = 0.05;
  auto server = MockServer::Start(options);
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  const TimePoint before = server->Now();
  client.Send(Request("POST", "/v1/responses", kStreamBody, "s1"));
  client.Read(Complete, milliseconds(10000));
  const Parsed p = Parse(client.data());
  ASSERT_TRUE(p.complete) << client.data();
  EXPECT_EQ(p.status, 200);
  EXPECT_EQ(p.Header("content-type"), "text/event-stream; charset=utf-8");
  EXPECT_NE(p.body.find("event: response.completed"), std::string::npos);
  const auto log = TakeWrites(*server, p.chunks.size());
  ASSERT_EQ(log.size(), p.chunks.size());
  size_t offset = 0;
  for (size_t i = 0; i < log.size(); ++i) {
    offset += p.chunks[i].size();
    EXPECT_EQ(log[i].body_end, offset);
    EXPECT_EQ(log[i].request_id, p.Header("x-request-id"));
    EXPECT_EQ(log[i].session, "s1");
    EXPECT_GE(log[i].written, log[i].due);
  }
  // The request log is on the server's base.
  const auto requests = server->request_log("s1");
  ASSERT_TRUE(requests.has_value());
  ASSERT_EQ(requests->size(), 1u);
  EXPECT_GE(requests->front().sent_at, before);
  EXPECT_LE(requests->front().sent_at, server->Now());
  EXPECT_EQ(requests->front().endpoint, "responses.create");
}

// Several server threads: each connection is served whole by one of them, streams interleave,
// and the logs (write log, the lazily counted response bytes) still add up per session.
TEST(MockServerTest, SeveralThreadsServeConcurrentStreams) {
  MockServerOptions options;
  options.scenario = ShippedScenario();
  options.time_scale = 0.05;
  options.threads = 3;
  auto server = MockServer::Start(options);
  ASSERT_NE(server, nullptr);
  const auto shared = std::make_shared<const Scenario>(options.scenario);
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 6; ++i) {
    const std::string session = "t" + std::to_string(i);
    server->OpenSession(session, shared, 7);
    clients.push_back(std::make_unique<RawClient>(server->port()));
    ASSERT_TRUE(clients.back()->connected());
    clients.back()->Send(Request("POST", "/v1/responses", kStreamBody, session));
  }
  std::vector<Parsed> parsed;
  size_t chunks = 0;
  for (auto& client : clients) {
    client->Read(Complete, milliseconds(10000));
    parsed.push_back(Parse(client->data()));
    ASSERT_TRUE(parsed.back().complete) << client->data();
    EXPECT_NE(parsed.back().body.find("event: response.completed"), std::string::npos);
    chunks += parsed.back().chunks.size();
  }
  const auto log = TakeWrites(*server, chunks);
  ASSERT_EQ(log.size(), chunks);
  for (size_t i = 0; i < parsed.size(); ++i) {
    const std::string session = "t" + std::to_string(i);
    uint64_t last = 0;
    for (const auto& entry : log) {
      if (entry.session == session) last = std::max(last, entry.body_end);
    }
    EXPECT_EQ(last, parsed[i].body.size()) << session;
    const auto requests = server->request_log(session);
    ASSERT_TRUE(requests.has_value());
    ASSERT_EQ(requests->size(), 1u);
    EXPECT_EQ(requests->front().response_bytes, parsed[i].body.size()) << session;
  }
  EXPECT_EQ(server->connections_accepted(), 6u);
  server->Stop();
  EXPECT_EQ(server->connections_open(), 0u);
}

TEST(MockServerTest, SessionsHaveTheirOwnState) {
  MockServerOptions options;
  options.scenario = ShippedScenario();
  options.time_scale = 0.01;
  auto server = MockServer::Start(options);
  ASSERT_NE(server, nullptr);
  server->OpenSession("a", options.scenario, 7);
  RawClient client(server->port());
  auto exchange = [&](const std::string& request) {
    client.data().clear();
    client.Send(request);
    client.Read(Complete, milliseconds(10000));
    return Parse(client.data());
  };
  const Parsed created =
      exchange(Request("POST", "/v1/responses", R"({"model":"gpt-4o-mini","input":"hi"})", "a"));
  ASSERT_EQ(created.status, 200) << created.body;
  const size_t at = created.body.find("\"resp_");
  ASSERT_NE(at, std::string::npos) << created.body;
  const std::string id = created.body.substr(at + 1, created.body.find('"', at + 1) - at - 1);
  EXPECT_EQ(exchange(Request("GET", "/v1/responses/" + id, "", "a")).status, 200);
  EXPECT_EQ(exchange(Request("GET", "/v1/responses/" + id, "", "b")).status, 404);
  EXPECT_EQ(exchange(Request("GET", "/v1/responses/" + id)).status, 404);
  EXPECT_EQ(server->request_log("a")->size(), 2u);
  EXPECT_EQ(server->request_log("b")->size(), 1u);
  EXPECT_EQ(server->request_log("default")->size(), 1u);
  EXPECT_FALSE(server->request_log("c").has_value());
  EXPECT_TRUE(server->state_log("a").has_value());
  EXPECT_TRUE(server->CloseSession("a"));
  EXPECT_FALSE(server->HasSession("a"));
  EXPECT_FALSE(server->CloseSession("a"));
  // A closed session comes back fresh: the old response is gone.
  EXPECT_EQ(exchange(Request("GET", "/v1/responses/" + id, "", "a")).status, 404);
}

// ---- wire faults ---------------------------------------------------------------------------

MockResponse Faulty(WireFault fault, int fault_ms) {
  MockResponse r = Sse(
      0, {{0, "data: first\n\n"}, {20, "data: second\n\n"}, {fault_ms + 100, "data: never\n\n"}});
  r.fault = fault;
  r.fault_at = milliseconds(fault_ms);
  return r;
}

struct FaultOutcome {
  End end;
  std::string data;
};

FaultOutcome Provoke(MockResponse response, milliseconds quiet = milliseconds(5000)) {
  auto server = Serve(std::move(response));
  EXPECT_NE(server, nullptr);
  RawClient client(server->port());
  client.Send(Request("POST", "/v1/responses", kStreamBody));
  const End end = client.ReadToEnd(quiet);
  return {end, client.data()};
}

std::string HeadOf(const MockResponse& response) {
  return FormatHead(response.status, response.headers, {{"transfer-encoding", "chunked"}});
}

const std::string kTwoChunks = "d\r\ndata: first\n\n\r\ne\r\ndata: second\n\n\r\n";

TEST(MockServerFaultTest, EmptyResponseClosesBeforeAnyByte) {
  const auto out = Provoke(Faulty(WireFault::kEmptyResponse, 30));
  EXPECT_EQ(out.end, End::kFin);
  EXPECT_EQ(out.data, "");
}

TEST(MockServerFaultTest, MalformedChunkBreaksTheFramingThenCloses) {
  const MockResponse r = Faulty(WireFault::kMalformedChunk, 50);
  const auto out = Provoke(r);
  EXPECT_EQ(out.end, End::kFin);
  EXPECT_EQ(out.data, HeadOf(r) + kTwoChunks + std::string(kMalformedChunkBytes));
}

TEST(MockServerFaultTest, MalformedChunkOfAJsonAnswerStillGetsChunkedFraming) {
  MockResponse r = MakeErrorResponse(MissingParameter("model"), "req_x", {}, {});
  r.fault = WireFault::kMalformedChunk;
  r.fault_at = milliseconds(10);
  const auto out = Provoke(r);
  EXPECT_EQ(out.end, End::kFin);
  EXPECT_NE(out.data.find("transfer-encoding: chunked\r\n"), std::string::npos);
  EXPECT_EQ(out.data.substr(out.data.size() - kMalformedChunkBytes.size()), kMalformedChunkBytes);
}

TEST(MockServerFaultTest, RandomDataReplacesTheResponseThenCloses) {
  const auto out = Provoke(Faulty(WireFault::kRandomDataThenClose, 10));
  EXPECT_EQ(out.end, End::kFin);
  EXPECT_EQ(out.data, RandomDataBytes());
  EXPECT_NE(out.data.rfind("HTTP", 0), 0u);
}

TEST(MockServerFaultTest, ConnectionResetSendsAnRstAfterTheChunksDueBefore) {
  const MockResponse r = Faulty(WireFault::kConnectionReset, 120);
  const auto out = Provoke(r);
  EXPECT_EQ(out.end, End::kReset);
  EXPECT_EQ(out.data, HeadOf(r) + kTwoChunks);
}

TEST(MockServerFaultTest, CloseSendsAFinWithTheBodyUnfinished) {
  const MockResponse r = Faulty(WireFault::kClose, 60);
  const auto out = Provoke(r);
  EXPECT_EQ(out.end, End::kFin);
  EXPECT_EQ(out.data, HeadOf(r) + kTwoChunks);  // no terminator, no late chunk
}

TEST(MockServerFaultTest, SlowCloseCompletesTheBodyThenClosesLate) {
  MockResponse r = Sse(0, {{0, "data: first\n\n"}, {20, "data: second\n\n"}});
  r.close_delay = milliseconds(300);
  auto server = Serve(r);
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  const auto start = std::chrono::steady_clock::now();
  client.Send(Request("POST", "/v1/responses", kStreamBody));
  EXPECT_EQ(client.ReadToEnd(milliseconds(5000)), End::kFin);
  const auto closed_after = std::chrono::steady_clock::now() - start;
  EXPECT_NE(client.data().find("connection: close\r\n"), std::string::npos);
  EXPECT_NE(client.data().find(kTwoChunks + "0\r\n\r\n"), std::string::npos);  // complete
  // The FIN comes the delay after the last chunk (20 ms), not with it; generous upper bound.
  EXPECT_GE(closed_after, milliseconds(300));
  EXPECT_LT(closed_after, milliseconds(3000));
}

TEST(MockServerFaultTest, CloseBeforeTheHeadersSendsNothing) {
  MockResponse r = Faulty(WireFault::kClose, 5);
  r.headers_at = milliseconds(30);
  for (auto& c : r.chunks) c.at += milliseconds(30);
  const auto out = Provoke(r);
  EXPECT_EQ(out.end, End::kFin);
  EXPECT_EQ(out.data, "");
}

TEST(MockServerFaultTest, StallKeepsTheConnectionOpenUntilTheClientLeaves) {
  const MockResponse r = Faulty(WireFault::kStall, 10);
  auto server = Serve(r);
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  client.Send(Request("POST", "/v1/responses", kStreamBody));
  // Nothing after the first chunk, and no FIN: the read goes quiet.
  EXPECT_EQ(client.ReadToEnd(milliseconds(400)), End::kQuiet);
  EXPECT_EQ(client.data(), HeadOf(r) + "d\r\ndata: first\n\n\r\n");
  EXPECT_EQ(server->connections_open(), 1u);
  client.Close();
  // The server notices the client leaving (bounded wait, not a timing assertion).
  for (int i = 0; i < 500 && server->connections_open() != 0; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_EQ(server->connections_open(), 0u);
}

TEST(MockServerFaultTest, StopEndsAStalledConnection) {
  auto server = Serve(Faulty(WireFault::kStall, 10));
  ASSERT_NE(server, nullptr);
  RawClient client(server->port());
  client.Send(Request("POST", "/v1/responses", kStreamBody));
  EXPECT_EQ(client.ReadToEnd(milliseconds(200)), End::kQuiet);
  server->Stop();
  EXPECT_NE(client.ReadToEnd(milliseconds(5000)), End::kQuiet);
  EXPECT_EQ(server->connections_open(), 0u);
}

}  // namespace
}  // namespace agentreplay::mocks
