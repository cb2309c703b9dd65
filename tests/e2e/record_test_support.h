// For the end-to-end tests of `agentreplay record`: `serve` and `record` as child processes
// (stderr kept in a file, so a test can check that no secret reaches the logs), and a small
// blocking client over the project's own socket transport that notes when each piece of an
// answer arrived.
#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "net/event_loop.h"
#include "net/http_transport.h"
#include "net/steady_clock.h"
#include "tests/e2e/child_process.h"
#include "tests/e2e/cli_runner.h"

namespace agentreplay::testing {

// The agentreplay binary with `args`, its stderr going to `stderr_file`.
class Agentreplay : public ChildProcess {
 public:
  Agentreplay(std::vector<std::string> args, const std::string& stderr_file)
      : ChildProcess(Wrap(std::move(args), stderr_file)) {}

  // Reads the first stdout line and returns the URL in it ("http://HOST:PORT/v1").
  std::string BaseUrl() {
    line_ = ReadLine();
    std::smatch m;
    if (!std::regex_search(line_, m, std::regex(R"(http://[0-9.:]+/v1)"))) return "";
    return m.str(0);
  }
  const std::string& first_line() const { return line_; }

 private:
  static std::vector<std::string> Wrap(std::vector<std::string> args, const std::string& err) {
    // exec: the signals a test sends reach the binary, not a shell.
    std::vector<std::string> argv = {"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>" + Quote(err),
                                     AGENTREPLAY_BINARY};
    for (auto& a : args) argv.push_back(std::move(a));
    return argv;
  }
  std::string line_;
};

struct Piece {
  double at_ms = 0;  // arrival, from the request's send
  std::string bytes;
};

struct Answer {
  int status = 0;
  double headers_ms = 0;  // the head arrived, from the request's send
  std::string error;      // the client's error reason, if any
  std::string body;
  std::vector<Piece> pieces;
};

// One keep-alive client to one base URL ("http://HOST:PORT/v1"), used from the test's thread.
class Client {
 public:
  Client(const std::string& base_url, HttpHeaders headers) {
    net::HttpTransportOptions options;
    options.base_url = base_url;
    options.extra_headers = std::move(headers);
    options.read_timeout = std::chrono::seconds(20);
    auto t = net::HttpTransport::Create(loop_, clock_, options);
    if (!t) throw std::runtime_error(t.error());
    transport_ = std::move(*t);
  }
  ~Client() {
    open_ = HttpResponse{};
    transport_.reset();
    loop_.Run();  // cancelled timers complete, so no coroutine frame is left behind
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  Answer Call(const std::string& method, const std::string& target, const std::string& body = "",
              const HttpHeaders& headers = {}) {
    HttpRequest request{method, target, headers, body};
    if (!body.empty()) request.headers.push_back({"Content-Type", "application/json"});
    std::optional<Answer> answer;
    bool done = false;
    Spawn(Exchange(*transport_, clock_, std::move(request), answer),
          [&](std::exception_ptr) { done = true; });
    loop_.RunUntil(done);
    return answer.value_or(Answer{});
  }

  // Reads the first piece of a streamed answer and hands it back with the body still open, for
  // FinishStream() or Drop().
  std::string StartStream(const std::string& target, const std::string& body) {
    HttpRequest request{"POST", target, {{"Content-Type", "application/json"}}, body};
    std::string first;
    bool done = false;
    Spawn(
        [](Client& self, HttpRequest r, std::string& out) -> Task<void> {
          self.open_ = co_await self.transport_->Send(std::move(r));
          if (self.open_.error) co_return;
          BodyChunk c = co_await self.open_.body->Next();
          out = c.bytes;
        }(*this, std::move(request), first),
        [&](std::exception_ptr) { done = true; });
    loop_.RunUntil(done);
    return first;
  }
  // The rest of the stream StartStream() opened.
  Answer FinishStream() {
    Answer a;
    if (!open_.body) return a;
    bool done = false;
    Spawn(
        [](BodyStream& body, Answer& out) -> Task<void> {
          BodyChunk rest = co_await ReadAll(body);
          out.body = rest.bytes;
          if (rest.error) out.error = rest.error->reason;
        }(*open_.body, a),
        [&](std::exception_ptr) { done = true; });
    loop_.RunUntil(done);
    open_ = HttpResponse{};
    return a;
  }
  // Closes the stream StartStream() opened, unread.
  void Drop() { open_ = HttpResponse{}; }

 private:
  static Task<void> Exchange(Transport& t, Clock& clock, HttpRequest request,
                             std::optional<Answer>& out) {
    Answer a;
    const TimePoint sent = clock.Now();
    HttpResponse r = co_await t.Send(std::move(request));
    if (r.error) {
      a.error = r.error->reason;
      out = std::move(a);
      co_return;
    }
    a.status = r.status;
    a.headers_ms = ToMillis(clock.Now() - sent);
    for (;;) {
      BodyChunk c = co_await r.body->Next();
      if (!c.bytes.empty()) {
        a.pieces.push_back(Piece{ToMillis(clock.Now() - sent), c.bytes});
        a.body += c.bytes;
      }
      if (c.error) a.error = c.error->reason;
      if (c.error || c.end) break;
    }
    out = std::move(a);
  }

  net::EventLoop loop_;
  net::SteadyClock clock_{loop_};
  std::unique_ptr<net::HttpTransport> transport_;
  HttpResponse open_;
};

// A string member of a JSON body ("" when absent).
inline std::string JsonString(const std::string& json, const char* name) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember(name) || !doc[name].IsString()) {
    return "";
  }
  return doc[name].GetString();
}

}  // namespace agentreplay::testing
