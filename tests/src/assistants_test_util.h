// Shared fixture for the assistants client tests: scripted ports, canned API objects in the
// Assistants API v2 wire shape, and views of what the client sent.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "json/json_text.h"
#include "llm/assistants_client.h"
#include "tests/src/fake_ports.h"

namespace agentreplay::testing {

// A FixedClock that also remembers every wait, so tests can check each interval.
class SleepLogClock : public FixedClock {
 public:
  Task<void> Sleep(Duration d) override {
    sleeps.push_back(d);
    now += d;
    co_return;
  }
  std::vector<Duration> sleeps;
};

// A ScriptedTransport that notes how many events the sink held when each request was sent,
// which shows where a request fell between the events.
class MarkingTransport : public ScriptedTransport {
 public:
  explicit MarkingTransport(const RecordingSink& sink) : sink_(sink) {}
  Task<HttpResponse> Send(HttpRequest request) override {
    events_before.push_back(sink_.events.size());
    return ScriptedTransport::Send(std::move(request));
  }
  std::vector<size_t> events_before;

 private:
  const RecordingSink& sink_;
};

inline std::chrono::milliseconds Ms(int64_t n) { return std::chrono::milliseconds(n); }

inline std::string ThreadJson(const std::string& id = "thread_1") {
  return R"({"id":")" + id +
         R"(","object":"thread","created_at":1761861548,"metadata":{},)"
         R"("tool_resources":{}})";
}

inline std::string UserMessageJson(const std::string& thread = "thread_1") {
  return R"({"id":"msg_u1","object":"thread.message","thread_id":")" + thread +
         R"(","run_id":null,"role":"user","content":[{"type":"text","text":{"value":"Hi",)"
         R"("annotations":[]}}]})";
}

// A run object; `extra` is spliced in as further members (a leading comma included).
inline std::string RunJson(const std::string& status, const std::string& extra = {}) {
  return R"({"id":"run_1","object":"thread.run","thread_id":"thread_1",)"
         R"("assistant_id":"asst_agentreplay","status":")" +
         status + "\"" + extra + "}";
}

inline std::string RequiresActionRun() {
  return RunJson("requires_action",
                 R"(,"required_action":{"type":"submit_tool_outputs","submit_tool_outputs":)"
                 R"({"tool_calls":[{"id":"call_1","type":"function","function":)"
                 R"({"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]}},"usage":null)");
}

inline std::string CompletedRun() {
  return RunJson("completed",
                 R"(,"usage":{"prompt_tokens":120,"completion_tokens":9,"total_tokens":129})");
}

inline std::string MessagesJson(const std::string& answer) {
  return R"({"object":"list","data":[{"id":"msg_a1","object":"thread.message",)"
         R"("thread_id":"thread_1","run_id":"run_1","role":"assistant","content":[{"type":)"
         R"("text","text":{"value":")" +
         answer +
         R"(","annotations":[]}}]},{"id":"msg_u1","object":"thread.message",)"
         R"("thread_id":"thread_1","run_id":null,"role":"user","content":[]}],)"
         R"("has_more":false})";
}

inline std::string UserOnlyMessagesJson() {
  return R"({"object":"list","data":[{"id":"msg_u1","object":"thread.message","role":"user",)"
         R"("run_id":null,"content":[]}],"has_more":false})";
}

inline std::string RunsListJson(const std::string& status) {
  return R"({"object":"list","data":[{"id":"run_0","object":"thread.run","status":")" + status +
         R"("}],"has_more":false})";
}

// The request body of entry `index` of an openai-dotnet recording, compact.
inline std::string RecordedRequestBody(const std::string& file, size_t index) {
  rapidjson::Document doc;
  doc.Parse(ReadFile(std::string(AGENTREPLAY_FIXTURES_DIR) + "/" + file).c_str());
  return json::Compact(doc["Entries"][static_cast<rapidjson::SizeType>(index)]["RequestBody"]);
}

inline std::vector<std::string> Targets(const std::vector<HttpRequest>& requests) {
  std::vector<std::string> out;
  for (const auto& r : requests) out.push_back(r.method + " " + r.target);
  return out;
}

inline std::vector<std::string> EventNames(const std::vector<AgentEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.emplace_back(AgentEventTypeName(e.type));
  return out;
}

inline std::vector<std::string> Statuses(const std::vector<AgentEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) {
    if (e.type == AgentEventType::kStatus) out.push_back(e.text);
  }
  return out;
}

inline std::vector<std::string> Pieces(const std::string& body, size_t size) {
  std::vector<std::string> out;
  for (size_t i = 0; i < body.size(); i += size) out.push_back(body.substr(i, size));
  return out;
}

class AssistantsClientTest : public ::testing::Test {
 protected:
  // Lean handler (p0 on) by default: the options' defaults.
  LlmClientOptions Options(bool stream) const {
    LlmClientOptions options;
    options.stream = stream;
    return options;
  }
  static LlmClientOptions Legacy(LlmClientOptions options) {
    options.assistants.list_runs_before_create = true;
    options.assistants.pause_before_submit = Ms(500);
    options.assistants.list_messages_each_state_change = true;
    return options;
  }
  AssistantsClient MakeClient(LlmClientOptions options) {
    return AssistantsClient(std::move(options), LlmClientPorts{clock_, transport_, sink_});
  }
  void Script(int status, std::string body) {
    transport_.responses.push_back(CannedResponse{status, {std::move(body)}, false});
  }
  void Script(std::string body) { Script(200, std::move(body)); }
  static std::vector<ToolSpec> Tools() {
    return {ToolSpec{"get_weather", "Gets the weather",
                     R"({"type":"object","properties":{"city":{"type":"string"}}})"}};
  }
  static std::string NestedToolJson() {
    return R"({"type":"function","function":{"name":"get_weather","description":)"
           R"("Gets the weather","parameters":{"type":"object","properties":{"city":)"
           R"({"type":"string"}}}}})";
  }
  Duration SleepTotal() const { return clock_.now - TimePoint{}; }

  SleepLogClock clock_;
  RecordingSink sink_;
  MarkingTransport transport_{sink_};
};

}  // namespace agentreplay::testing
