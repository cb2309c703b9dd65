// Hand-driven ports for agent-core tests: a transport that answers from a script and records
// requests, a clock that never moves unless told, a sink that keeps every event.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <coroutine>
#include <deque>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/task.h"
#include "ports/clock.h"
#include "ports/event_sink.h"
#include "ports/transport.h"

namespace agentreplay::testing {

class FixedClock : public Clock {
 public:
  TimePoint Now() const override { return now; }
  Task<void> Sleep(Duration d) override {
    now += d;
    co_return;
  }
  // Nothing else runs while this clock "waits", so a wait is only cut short when it was
  // cancelled before it began.
  Task<bool> SleepUnlessCancelled(Duration d, WaitCanceller& canceller) override {
    if (canceller.cancelled()) co_return false;
    now += d;
    co_return true;
  }
  TimePoint now{};
};

struct CannedResponse {
  int status = 200;
  std::vector<std::string> chunks;
  bool break_at_end = false;  // end with a transport error instead of a clean end
  // After the chunks the body never ends: a server holding the connection open. A client
  // that waits for the end never finishes (RunSync throws).
  bool hold_open = false;
};

// An awaiter nothing ever resumes.
struct Never {
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  void await_resume() const noexcept {}
};

class ScriptedTransport : public Transport {
 public:
  Task<HttpResponse> Send(HttpRequest request) override {
    requests.push_back(std::move(request));
    HttpResponse r;
    if (responses.empty()) {
      r.error = Error{ErrorKind::kTransport, "no_script", "no canned response left", 0};
      co_return r;
    }
    CannedResponse canned = std::move(responses.front());
    responses.pop_front();
    r.status = canned.status;
    r.body = std::make_unique<Body>(std::move(canned), unfinished_bodies);
    co_return r;
  }
  std::deque<CannedResponse> responses;
  std::vector<HttpRequest> requests;
  // Bodies dropped before their end or break was read (a real transport closes their
  // connection instead of reusing it).
  int unfinished_bodies = 0;

 private:
  class Body : public BodyStream {
   public:
    Body(CannedResponse c, int& unfinished) : canned_(std::move(c)), unfinished_(unfinished) {}
    ~Body() override {
      if (!ended_) ++unfinished_;
    }
    Body(const Body&) = delete;
    Body& operator=(const Body&) = delete;
    Task<BodyChunk> Next() override {
      if (next_ < canned_.chunks.size()) co_return BodyChunk{canned_.chunks[next_++], false, {}};
      if (canned_.hold_open) co_await Never{};
      ended_ = true;
      if (canned_.break_at_end) {
        co_return BodyChunk{
            {}, false, Error{ErrorKind::kTransport, "connection_reset", "reset", 0}};
      }
      co_return BodyChunk{{}, true, {}};
    }

   private:
    CannedResponse canned_;
    int& unfinished_;
    size_t next_ = 0;
    bool ended_ = false;
  };
};

class RecordingSink : public EventSink {
 public:
  void OnEvent(const AgentEvent& event) override { events.push_back(event); }
  std::vector<AgentEvent> events;
};

// Runs a task that never suspends on anything external and returns its result.
template <typename T>
T RunSync(Task<T> task) {
  std::optional<T> out;
  bool done = false;
  Spawn([](Task<T> t, std::optional<T>& o) -> Task<void> { o.emplace(co_await t); }(std::move(task),
                                                                                    out),
        [&](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
          done = true;
        });
  if (!done) throw std::runtime_error("task suspended on something the test never resumes");
  return std::move(*out);
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The SSE body (or JSON body) of entry `index` of an openai-dotnet recording.
inline std::string RecordedBody(const std::string& file, size_t index) {
  rapidjson::Document doc;
  doc.Parse(ReadFile(std::string(AGENTREPLAY_FIXTURES_DIR) + "/" + file).c_str());
  const auto& body = doc["Entries"][static_cast<rapidjson::SizeType>(index)]["ResponseBody"];
  if (body.IsArray()) {
    std::string out;
    for (const auto& line : body.GetArray()) out += line.GetString();
    return out;
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  body.Accept(w);
  return buffer.GetString();
}

}  // namespace agentreplay::testing
