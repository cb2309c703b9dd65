// The Assistants API side of the mock back end: wire fidelity against the recorded exchanges,
// the polling timeline, the API's errors, file_search, scripted faults, determinism.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "mocks/api/mock_backend.h"
#include "mocks/model/scenario.h"
#include "tests/mocks/mock_test_util.h"

namespace agentreplay::mocks {
namespace {

using testing::Concat;
using testing::Entry;
using testing::Event;
using testing::LoadFixture;
using testing::Ms;
using testing::ParseJson;
using testing::SplitSse;

constexpr const char* kAssistant = "asst_agentreplay";

HttpRequest BetaPost(std::string target, std::string body) {
  return HttpRequest{"POST",
                     std::move(target),
                     {{"content-type", "application/json"}, {"OpenAI-Beta", "assistants=v2"}},
                     std::move(body)};
}

HttpRequest BetaGet(std::string target) {
  return HttpRequest{"GET", std::move(target), {{"OpenAI-Beta", "assistants=v2"}}, ""};
}

// ---------------------------------------------------------------------------------------------
// Shape comparison against the recordings.

// Values that legitimately differ between a recording and the mock (ids, clocks, token
// counts); their JSON types must still agree.
const std::set<std::string> kVolatileKeys = {
    "id",           "created_at", "started_at",    "expires_at",        "completed_at",
    "cancelled_at", "first_id",   "last_id",       "assistant_id",      "thread_id",
    "run_id",       "message_id", "prompt_tokens", "completion_tokens", "total_tokens"};

// The recordings show tool_resources {"code_interpreter":{"file_ids":[]}} on threads and runs
// whose requests sent none: what the API provisioned behind them. Its contents are not
// compared; the key's place is.
const std::set<std::string> kOpaqueKeys = {"tool_resources"};

// Compares `ours` with `theirs` recursively: for every object the same keys in the same order,
// arrays of equal length, scalars of the same JSON type and, outside volatile keys, equal
// values.
void CompareJson(const rapidjson::Value& ours, const rapidjson::Value& theirs,
                 const std::string& path, std::vector<std::string>& diffs,
                 bool compare_values = true) {
  if (ours.IsObject() && theirs.IsObject()) {
    std::string our_keys;
    std::string their_keys;
    for (const auto& m : ours.GetObject()) our_keys += std::string(m.name.GetString()) + ",";
    for (const auto& m : theirs.GetObject()) their_keys += std::string(m.name.GetString()) + ",";
    if (our_keys != their_keys) {
      diffs.push_back(path + ": keys [" + our_keys + "] vs recorded [" + their_keys + "]");
      return;
    }
    for (const auto& m : theirs.GetObject()) {
      const std::string key = m.name.GetString();
      if (kOpaqueKeys.contains(key)) continue;
      CompareJson(ours[key.c_str()], m.value, path + "." + key, diffs,
                  compare_values && !kVolatileKeys.contains(key));
    }
    return;
  }
  if (ours.IsArray() && theirs.IsArray()) {
    if (ours.Size() != theirs.Size()) {
      diffs.push_back(path + ": array sizes differ");
      return;
    }
    for (rapidjson::SizeType i = 0; i < ours.Size(); ++i) {
      CompareJson(ours[i], theirs[i], path + "[" + std::to_string(i) + "]", diffs, compare_values);
    }
    return;
  }
  const bool same_type = ours.GetType() == theirs.GetType() || (ours.IsBool() && theirs.IsBool());
  if (!same_type) {
    diffs.push_back(path + ": JSON types differ: " + testing::Compact(ours) + " vs recorded " +
                    testing::Compact(theirs));
    return;
  }
  if (compare_values && ours != theirs) {
    diffs.push_back(path + ": " + testing::Compact(ours) + " vs recorded " +
                    testing::Compact(theirs));
  }
}

std::string Joined(const std::vector<std::string>& diffs) {
  std::string all;
  for (const auto& d : diffs) all += d + "\n";
  return all;
}

// Replays a recording's requests against a mock: the recorded ids in targets and bodies are
// replaced by the ones the mock issued for the same objects.
class Replay {
 public:
  Replay(const Scenario& scenario, const char* fixture)
      : backend_(scenario, 11), fixture_(LoadFixture(fixture)) {}

  const rapidjson::Value& entry(rapidjson::SizeType i) const { return Entry(fixture_, i); }

  MockResponse Send(rapidjson::SizeType i, double sent_at_ms) {
    const auto& e = entry(i);
    std::string target = e["RequestUri"].GetString();
    target = target.substr(target.find("/v1/"));
    std::string body = e["RequestBody"].IsNull() ? "" : testing::Compact(e["RequestBody"]);
    for (const auto& [recorded, ours] : ids_) {
      Replace(target, recorded, ours);
      Replace(body, recorded, ours);
    }
    HttpRequest request = std::string(e["RequestMethod"].GetString()) == "GET"
                              ? BetaGet(target)
                              : BetaPost(target, body);
    MockResponse response = backend_.Handle(request, testing::At(sent_at_ms));
    if (!e["ResponseBody"].IsArray() && response.status == 200) {
      Learn(ParseJson(Concat(response)), e["ResponseBody"]);
    } else if (e["ResponseBody"].IsArray()) {
      const auto ours = SplitSse(Concat(response));
      const auto theirs = SplitSse(testing::RecordedSseBody(e));
      for (size_t k = 0; k < ours.size() && k < theirs.size(); ++k) {
        if (ours[k].data == "[DONE]" || theirs[k].data == "[DONE]") continue;
        Learn(ParseJson(ours[k].data), ParseJson(theirs[k].data));
      }
    }
    return response;
  }

  MockBackend& backend() { return backend_; }

 private:
  static void Replace(std::string& s, const std::string& from, const std::string& to) {
    for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
      s.replace(pos, from.size(), to);
    }
  }

  // Pairs every id-valued member of the two objects (and of their nested objects).
  void Learn(const rapidjson::Value& ours, const rapidjson::Value& theirs) {
    if (ours.IsObject() && theirs.IsObject()) {
      for (const auto& m : theirs.GetObject()) {
        const auto it = ours.FindMember(m.name);
        if (it == ours.MemberEnd()) continue;
        if (m.value.IsString() && it->value.IsString() &&
            (std::string(m.name.GetString()) == "id" ||
             std::string(m.name.GetString()).ends_with("_id"))) {
          ids_[m.value.GetString()] = it->value.GetString();
        }
        Learn(it->value, m.value);
      }
    } else if (ours.IsArray() && theirs.IsArray()) {
      for (rapidjson::SizeType k = 0; k < ours.Size() && k < theirs.Size(); ++k) {
        Learn(ours[k], theirs[k]);
      }
    }
  }

  MockBackend backend_;
  rapidjson::Document fixture_;
  std::map<std::string, std::string> ids_;
};

void ExpectBodyMatches(const MockResponse& response, const rapidjson::Value& entry,
                       bool same_length) {
  ASSERT_EQ(response.status, 200) << Concat(response);
  const std::string body = Concat(response);
  std::vector<std::string> diffs;
  CompareJson(ParseJson(body), entry["ResponseBody"], "body", diffs);
  EXPECT_TRUE(diffs.empty()) << Joined(diffs);
  if (same_length) {
    // Same values in the same layout: the recorded Content-Length exactly.
    EXPECT_EQ(std::to_string(body.size()), entry["ResponseHeaders"]["Content-Length"].GetString());
  }
}

void ExpectStreamMatches(const MockResponse& response, const rapidjson::Value& entry) {
  ASSERT_EQ(response.status, 200) << Concat(response);
  EXPECT_EQ(*FindHeader(response.headers, "content-type"), "text/event-stream; charset=utf-8");
  const std::vector<Event> ours = SplitSse(Concat(response));
  const std::vector<Event> theirs = SplitSse(testing::RecordedSseBody(entry));
  std::vector<std::string> our_types;
  std::vector<std::string> their_types;
  for (const auto& e : ours) our_types.push_back(e.type);
  for (const auto& e : theirs) their_types.push_back(e.type);
  ASSERT_EQ(our_types, their_types);
  for (size_t i = 0; i < ours.size(); ++i) {
    SCOPED_TRACE(ours[i].type + " #" + std::to_string(i));
    if (ours[i].type == "done") {
      EXPECT_EQ(ours[i].data, "[DONE]");
      EXPECT_EQ(theirs[i].data, "[DONE]");
      continue;
    }
    std::vector<std::string> diffs;
    CompareJson(ParseJson(ours[i].data), ParseJson(theirs[i].data), ours[i].type, diffs);
    EXPECT_TRUE(diffs.empty()) << Joined(diffs);
  }
}

// The text a recorded stream's thread.message.delta events carry, piece by piece.
std::vector<std::string> RecordedMessageDeltas(const rapidjson::Value& entry) {
  std::vector<std::string> out;
  for (const auto& e : SplitSse(testing::RecordedSseBody(entry))) {
    if (e.type != "thread.message.delta") continue;
    out.emplace_back(ParseJson(e.data)["delta"]["content"][0]["text"]["value"].GetString());
  }
  return out;
}

Scenario FixedLatencyScenario() {
  Scenario s;
  s.name = "assistants";
  s.model = "gpt-4o";
  s.latency.network_rtt_ms = Dist::Fixed(100);
  s.latency.processing_ms = Dist::Fixed(20);
  return s;
}

StepScript TextStep(std::vector<std::string> chunks, double ttft_ms, double gap_ms) {
  StepScript step;
  step.text_chunks = std::move(chunks);
  step.ttft_ms = Dist::Fixed(ttft_ms);
  step.chunk_gap_ms = Dist::Fixed(gap_ms);
  return step;
}

TEST(AssistantsMockFidelityTest, PollingRunMatchesRecording) {
  Scenario scenario = FixedLatencyScenario();
  scenario.turns.push_back(
      TurnScript{"Hello, assistant!", {TextStep(testing::RecordedTextDeltas(), 1000, 100)}, {}});
  Replay replay(scenario, "dotnet-assistants-polling-run.json");
  // The run is created at 1000 ms: queued until 2120, in progress until 2920 (first token at
  // 1000 + 120 + 1000, nine deltas 100 ms apart); a GET sent at t sees the state at t + 50.
  const std::vector<double> sent_at = {0, 200, 400, 600, 1000, 1200, 1300, 1400, 2500, 3000, 3100};
  for (rapidjson::SizeType i = 0; i < sent_at.size(); ++i) {
    SCOPED_TRACE(std::string(replay.entry(i)["RequestMethod"].GetString()) + " " +
                 replay.entry(i)["RequestUri"].GetString());
    // The completed run's token counts have other digit counts than the recording's.
    ExpectBodyMatches(replay.Send(i, sent_at[i]), replay.entry(i), /*same_length=*/i != 9);
  }
}

TEST(AssistantsMockFidelityTest, StreamedTextRunMatchesRecording) {
  const rapidjson::Document fixture = LoadFixture("dotnet-assistants-streaming-run.json");
  Scenario scenario = FixedLatencyScenario();
  scenario.turns.push_back(TurnScript{"Hello there, assistant! How are you today?",
                                      {TextStep(RecordedMessageDeltas(Entry(fixture, 2)), 300, 20)},
                                      {}});
  Replay replay(scenario, "dotnet-assistants-streaming-run.json");
  ExpectBodyMatches(replay.Send(0, 0), replay.entry(0), true);
  ExpectBodyMatches(replay.Send(1, 200), replay.entry(1), true);
  // 43 events: run created/queued/in_progress, step created/in_progress, message
  // created/in_progress, 34 deltas, message completed, step completed, run completed, done.
  ExpectStreamMatches(replay.Send(2, 400), replay.entry(2));
}

TEST(AssistantsMockFidelityTest, StreamedToolCallAndSubmitMatchRecording) {
  const rapidjson::Document fixture = LoadFixture("dotnet-assistants-streaming-tool-call.json");
  Scenario scenario = FixedLatencyScenario();
  StepScript call;
  call.ttft_ms = Dist::Fixed(300);
  call.tool_calls.push_back(ToolCallScript{"get_current_weather", "{}", 1});
  scenario.turns.push_back(
      TurnScript{"What should I wear outside right now?",
                 {call, TextStep(RecordedMessageDeltas(Entry(fixture, 2)), 300, 20)},
                 {}});
  Replay replay(scenario, "dotnet-assistants-streaming-tool-call.json");
  // The function tool comes back normalised (parameters and strict filled in): same bytes.
  ExpectBodyMatches(replay.Send(0, 0), replay.entry(0), true);
  // thread.created, run created/queued/in_progress, step created/in_progress, the call
  // announced, its arguments, requires_action, done.
  ExpectStreamMatches(replay.Send(1, 200), replay.entry(1));
  // The tool_calls step completes with the output, the run is queued and in progress again,
  // then the answer streams as a message step.
  ExpectStreamMatches(replay.Send(2, 2000), replay.entry(2));
}

// ---------------------------------------------------------------------------------------------
// The polling timeline.

struct Flow {
  explicit Flow(const Scenario& scenario, uint64_t seed = 5) : backend(scenario, seed) {}

  rapidjson::Document Json(const HttpRequest& request, double sent_at_ms) {
    last = backend.Handle(request, testing::At(sent_at_ms));
    EXPECT_EQ(last.status, 200) << Concat(last);
    return ParseJson(Concat(last));
  }

  std::string CreateThread(double at, const std::string& user = "What should I wear?") {
    return Json(BetaPost("/v1/threads",
                         R"({"messages":[{"role":"user","content":")" + user + R"("}]})"),
                at)["id"]
        .GetString();
  }

  MockBackend backend;
  MockResponse last;
};

Scenario ToolThenTextScenario() {
  Scenario s = FixedLatencyScenario();
  StepScript call;
  call.ttft_ms = Dist::Fixed(300);
  call.chunk_gap_ms = Dist::Fixed(50);
  call.tool_calls.push_back(ToolCallScript{"get_weather", R"({"city":"Paris"})", 2});
  s.turns.push_back(
      TurnScript{"What should I wear?", {call, TextStep({"Wear", " a", " coat."}, 300, 50)}, {}});
  s.turns.push_back(TurnScript{"Thanks", {TextStep({"You're welcome."}, 100, 0)}, {}});
  return s;
}

std::string RunsPath(const std::string& thread) { return "/v1/threads/" + thread + "/runs"; }

TEST(AssistantsMockTimelineTest, PolledRunReachesEachStateAtItsBoundary) {
  Flow flow(ToolThenTextScenario());
  const std::string thread = flow.CreateThread(0);
  // Sent at 1000, answered at 1120 (rtt 100 + processing 20) with the run queued.
  auto run = flow.Json(
      BetaPost(RunsPath(thread), std::string(R"({"assistant_id":")") + kAssistant + R"("})"), 1000);
  EXPECT_EQ(std::string(run["status"].GetString()), "queued");
  EXPECT_EQ(flow.last.headers_at, Ms(120));
  EXPECT_TRUE(run["started_at"].IsNull());
  const std::string run_path = RunsPath(thread) + "/" + run["id"].GetString();

  // Plan: response_start 120, first token 420, argument deltas at 420 and 470 → the run is
  // in progress from 1420 and requires action from 1470 (absolute). A GET sent at t sees t+50.
  const auto status_at = [&](Duration sent_at) {
    auto doc = flow.Json(BetaGet(run_path), ToMillis(sent_at));
    EXPECT_EQ(flow.last.headers_at, Ms(120));
    return std::string(doc["status"].GetString());
  };
  const Duration ns(1);
  EXPECT_EQ(status_at(Ms(1370) - ns), "queued");
  EXPECT_EQ(status_at(Ms(1370)), "in_progress");
  EXPECT_EQ(status_at(Ms(1420) - ns), "in_progress");
  EXPECT_EQ(status_at(Ms(1420)), "requires_action");

  auto polled = flow.Json(BetaGet(run_path), 1500);
  const auto& calls = polled["required_action"]["submit_tool_outputs"]["tool_calls"];
  ASSERT_EQ(calls.Size(), 1U);
  EXPECT_EQ(std::string(calls[0]["type"].GetString()), "function");
  EXPECT_EQ(std::string(calls[0]["function"]["name"].GetString()), "get_weather");
  EXPECT_EQ(std::string(calls[0]["function"]["arguments"].GetString()), R"({"city":"Paris"})");
  EXPECT_TRUE(polled["usage"].IsNull());
  const std::string call_id = calls[0]["id"].GetString();
  EXPECT_EQ(flow.Json(BetaGet("/v1/threads/" + thread + "/messages"), 1500)["data"].Size(), 1U);

  // Submitted at 2000 (arrives 2050): queued again at once, in progress from 2420, completed
  // from 2520 (three deltas 50 ms apart from 420).
  auto submitted = flow.Json(
      BetaPost(run_path + "/submit_tool_outputs",
               R"({"tool_outputs":[{"tool_call_id":")" + call_id + R"(","output":"12C"}]})"),
      2000);
  EXPECT_EQ(std::string(submitted["status"].GetString()), "queued");
  EXPECT_TRUE(submitted["required_action"].IsNull());
  EXPECT_EQ(submitted["started_at"].GetInt64(), polled["started_at"].GetInt64());
  EXPECT_EQ(status_at(Ms(2000) - ns), "requires_action");
  EXPECT_EQ(status_at(Ms(2000)), "queued");
  EXPECT_EQ(status_at(Ms(2370) - ns), "queued");
  EXPECT_EQ(status_at(Ms(2370)), "in_progress");
  EXPECT_EQ(status_at(Ms(2470) - ns), "in_progress");
  EXPECT_EQ(status_at(Ms(2470)), "completed");

  auto done = flow.Json(BetaGet(run_path), 3000);
  EXPECT_TRUE(done["expires_at"].IsNull());
  EXPECT_EQ(done["completed_at"].GetInt64(), 1767225600 + 2);
  EXPECT_EQ(
      done["usage"]["total_tokens"].GetInt64(),
      done["usage"]["prompt_tokens"].GetInt64() + done["usage"]["completion_tokens"].GetInt64());
  // Output tokens: 2 argument pieces of 8 bytes (2 each) + "Wear", " a", " coat." (1+1+2).
  EXPECT_EQ(done["usage"]["completion_tokens"].GetInt64(), 8);

  // The answer appears in messages.list once the run has completed, newest first.
  const std::string messages = "/v1/threads/" + thread + "/messages";
  EXPECT_EQ(flow.Json(BetaGet(messages), ToMillis(Ms(2470) - ns))["data"].Size(), 1U);
  auto listed = flow.Json(BetaGet(messages), 2470);
  ASSERT_EQ(listed["data"].Size(), 2U);
  EXPECT_EQ(std::string(listed["data"][0]["role"].GetString()), "assistant");
  EXPECT_EQ(std::string(listed["data"][0]["content"][0]["text"]["value"].GetString()),
            "Wear a coat.");
  EXPECT_EQ(std::string(listed["data"][0]["run_id"].GetString()), run["id"].GetString());
  EXPECT_EQ(std::string(listed["first_id"].GetString()), listed["data"][0]["id"].GetString());
  EXPECT_FALSE(listed["has_more"].GetBool());
  auto ascending = flow.Json(BetaGet(messages + "?order=asc&limit=1"), 2470);
  ASSERT_EQ(ascending["data"].Size(), 1U);
  EXPECT_EQ(std::string(ascending["data"][0]["role"].GetString()), "user");
  EXPECT_TRUE(ascending["has_more"].GetBool());
  auto after =
      flow.Json(BetaGet(messages + "?order=asc&after=" + ascending["last_id"].GetString()), 2470);
  ASSERT_EQ(after["data"].Size(), 1U);
  EXPECT_EQ(std::string(after["data"][0]["role"].GetString()), "assistant");

  // Steps: the tool_calls step (with the output) and the message step, newest first.
  auto steps = flow.Json(BetaGet(run_path + "/steps"), 3000);
  ASSERT_EQ(steps["data"].Size(), 2U);
  EXPECT_EQ(std::string(steps["data"][0]["type"].GetString()), "message_creation");
  EXPECT_EQ(std::string(steps["data"][1]["type"].GetString()), "tool_calls");
  EXPECT_EQ(
      std::string(
          steps["data"][1]["step_details"]["tool_calls"][0]["function"]["output"].GetString()),
      "12C");

  // What a streaming client would have seen, and when (absolute client times).
  const std::string run_id = run["id"].GetString();
  const std::vector<std::pair<std::string, Duration>> expected = {
      {"queued", Ms(1120)}, {"in_progress", Ms(1420)}, {"requires_action", Ms(1470)},
      {"queued", Ms(2120)}, {"in_progress", Ms(2420)}, {"completed", Ms(2520)}};
  std::vector<std::pair<std::string, Duration>> recorded;
  for (const auto& t : flow.backend.state_log()) {
    if (t.object_id == run_id) recorded.emplace_back(t.status, t.visible_at.time_since_epoch());
  }
  EXPECT_EQ(recorded, expected);
}

TEST(AssistantsMockTimelineTest, StreamedRunEventsArriveAtThePlannedTimes) {
  Flow flow(ToolThenTextScenario());
  const std::string thread = flow.CreateThread(0);
  const MockResponse response =
      flow.backend.Handle(BetaPost(RunsPath(thread), std::string(R"({"assistant_id":")") +
                                                         kAssistant + R"(","stream":true})"),
                          testing::At(1000));
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.headers_at, Ms(120));
  std::vector<std::pair<Duration, std::string>> timeline;
  for (const auto& chunk : response.chunks) {
    for (const auto& e : SplitSse(chunk.bytes)) timeline.emplace_back(chunk.at, e.type);
  }
  const std::vector<std::pair<Duration, std::string>> expected = {
      {Ms(120), "thread.run.created"},          {Ms(120), "thread.run.queued"},
      {Ms(420), "thread.run.in_progress"},      {Ms(420), "thread.run.step.created"},
      {Ms(420), "thread.run.step.in_progress"}, {Ms(420), "thread.run.step.delta"},
      {Ms(420), "thread.run.step.delta"},       {Ms(470), "thread.run.step.delta"},
      {Ms(470), "thread.run.requires_action"},  {Ms(470), "done"},
  };
  EXPECT_EQ(timeline, expected);
}

// ---------------------------------------------------------------------------------------------
// Errors, with the API's exact bodies.

void ExpectError(const MockResponse& response, int status, const std::string& message,
                 const char* param, const char* code) {
  EXPECT_EQ(response.status, status);
  EXPECT_EQ(*FindHeader(response.headers, "content-type"), "application/json");
  const auto doc = ParseJson(Concat(response));
  ASSERT_TRUE(doc.IsObject() && doc.HasMember("error")) << Concat(response);
  const auto& e = doc["error"];
  EXPECT_EQ(std::string(e["message"].GetString()), message);
  EXPECT_EQ(std::string(e["type"].GetString()), "invalid_request_error");
  if (param == nullptr) {
    EXPECT_TRUE(e["param"].IsNull());
  } else {
    EXPECT_EQ(std::string(e["param"].GetString()), param);
  }
  if (code == nullptr) {
    EXPECT_TRUE(e["code"].IsNull());
  } else {
    EXPECT_EQ(std::string(e["code"].GetString()), code);
  }
}

TEST(AssistantsMockErrorTest, MissingBetaHeaderIsTheApisExact400) {
  Flow flow(ToolThenTextScenario());
  const auto response = flow.backend.Handle(testing::Post("/v1/threads", "{}"), {});
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(Concat(response),
            "{\n  \"error\": {\n    \"message\": \"You must provide the 'OpenAI-Beta' header to "
            "access the Assistants API. Please try again by setting the header 'OpenAI-Beta: "
            "assistants=v2'.\",\n    \"type\": \"invalid_request_error\",\n    \"param\": null,\n"
            "    \"code\": null\n  }\n}");
  EXPECT_EQ(response.headers_at, Ms(120));
  ASSERT_TRUE(FindHeader(response.headers, "x-request-id").has_value());
  EXPECT_EQ(*FindHeader(response.headers, "openai-processing-ms"), "20");
  EXPECT_EQ(*FindHeader(response.headers, "openai-version"), "2020-10-01");
}

TEST(AssistantsMockErrorTest, MissingAssistantIdAndUnknownIds) {
  Flow flow(ToolThenTextScenario());
  const std::string thread = flow.CreateThread(0);
  ExpectError(flow.backend.Handle(BetaPost(RunsPath(thread), "{}"), {}), 400,
              "Missing required parameter: 'assistant_id'.", "assistant_id",
              "missing_required_parameter");
  ExpectError(flow.backend.Handle(BetaPost("/v1/threads/runs", R"({"thread":{}})"), {}), 400,
              "Missing required parameter: 'assistant_id'.", "assistant_id",
              "missing_required_parameter");
  ExpectError(flow.backend.Handle(BetaGet("/v1/threads/thread_nope"), {}), 404,
              "No thread found with id 'thread_nope'.", nullptr, nullptr);
  ExpectError(flow.backend.Handle(BetaGet(RunsPath("thread_nope") + "/run_x"), {}), 404,
              "No thread found with id 'thread_nope'.", nullptr, nullptr);
  ExpectError(flow.backend.Handle(BetaGet(RunsPath(thread) + "/run_nope"), {}), 404,
              "No run found with id 'run_nope'.", nullptr, nullptr);
  ExpectError(flow.backend.Handle(BetaPost(RunsPath(thread) + "/run_nope/submit_tool_outputs",
                                           R"({"tool_outputs":[]})"),
                                  {}),
              404, "No run found with id 'run_nope'.", nullptr, nullptr);
  ExpectError(flow.backend.Handle(BetaPost(RunsPath(thread), R"({"assistant_id":"gpt-4o"})"), {}),
              404, "No assistant found with id 'gpt-4o'.", nullptr, nullptr);
  // Any asst_ id is an assistant provisioned ahead.
  auto assistant = flow.Json(BetaGet("/v1/assistants/asst_provisioned"), 0);
  EXPECT_EQ(std::string(assistant["model"].GetString()), "gpt-4o");
}

TEST(AssistantsMockErrorTest, SubmitOutsideRequiresActionAndWrongCallIds) {
  Flow flow(ToolThenTextScenario());
  const std::string thread = flow.CreateThread(0);
  auto run = flow.Json(
      BetaPost(RunsPath(thread), std::string(R"({"assistant_id":")") + kAssistant + R"("})"), 1000);
  const std::string submit =
      RunsPath(thread) + "/" + run["id"].GetString() + "/submit_tool_outputs";
  const std::string wrong = R"({"tool_outputs":[{"tool_call_id":"call_nope","output":"x"}]})";
  // Arrives at 1400 + 50, before the run requires action (1470).
  ExpectError(flow.backend.Handle(BetaPost(submit, wrong), testing::At(1400)), 400,
              "Runs in status \"in_progress\" do not accept tool outputs.", nullptr, nullptr);
  ExpectError(flow.backend.Handle(BetaPost(submit, "{}"), testing::At(1500)), 400,
              "Missing required parameter: 'tool_outputs'.", "tool_outputs",
              "missing_required_parameter");
  auto polled = flow.Json(BetaGet(RunsPath(thread) + "/" + run["id"].GetString()), 1500);
  const std::string call_id =
      polled["required_action"]["submit_tool_outputs"]["tool_calls"][0]["id"].GetString();
  ExpectError(flow.backend.Handle(BetaPost(submit, wrong), testing::At(1500)), 400,
              "Expected tool outputs for call_ids ['" + call_id + "'], got ['call_nope']", nullptr,
              nullptr);
  ExpectError(flow.backend.Handle(BetaPost(submit, R"({"tool_outputs":[]})"), testing::At(1500)),
              400, "Expected tool outputs for call_ids ['" + call_id + "'], got []", nullptr,
              nullptr);
  // The rejected submits changed nothing: the right one is accepted, a second one is not.
  const std::string right =
      R"({"tool_outputs":[{"tool_call_id":")" + call_id + R"(","output":"12C"}]})";
  flow.Json(BetaPost(submit, right), 1600);
  ExpectError(flow.backend.Handle(BetaPost(submit, right), testing::At(1600)), 400,
              "Runs in status \"queued\" do not accept tool outputs.", nullptr, nullptr);
  ExpectError(flow.backend.Handle(BetaPost(submit, right), testing::At(5000)), 400,
              "Runs in status \"completed\" do not accept tool outputs.", nullptr, nullptr);
}

TEST(AssistantsMockErrorTest, ActiveRunBlocksNewRunsAndMessages) {
  Flow flow(ToolThenTextScenario());
  const std::string thread = flow.CreateThread(0);
  const std::string create = std::string(R"({"assistant_id":")") + kAssistant + R"("})";
  auto run = flow.Json(BetaPost(RunsPath(thread), create), 1000);
  const std::string run_id = run["id"].GetString();
  ExpectError(flow.backend.Handle(BetaPost(RunsPath(thread), create), testing::At(1100)), 400,
              "Thread " + thread + " already has an active run " + run_id + ".", nullptr, nullptr);
  // requires_action is still active.
  ExpectError(flow.backend.Handle(BetaPost("/v1/threads/" + thread + "/messages",
                                           R"({"role":"user","content":"Thanks"})"),
                                  testing::At(3000)),
              400, "Can't add messages to " + thread + " while a run " + run_id + " is active.",
              nullptr, nullptr);
  // Cancelled (cancelling from its arrival, cancelled once the reply is back): the thread is
  // free again, and the states the run would have reached are gone from the state log.
  auto cancelled = flow.Json(BetaPost(RunsPath(thread) + "/" + run_id + "/cancel", ""), 3000);
  EXPECT_EQ(std::string(cancelled["status"].GetString()), "cancelling");
  ExpectError(flow.backend.Handle(BetaPost(RunsPath(thread) + "/" + run_id + "/cancel", ""),
                                  testing::At(4000)),
              400, "Cannot cancel run with status 'cancelled'.", nullptr, nullptr);
  auto polled = flow.Json(BetaGet(RunsPath(thread) + "/" + run_id), 4000);
  EXPECT_EQ(std::string(polled["status"].GetString()), "cancelled");
  flow.Json(
      BetaPost("/v1/threads/" + thread + "/messages", R"({"role":"user","content":"Thanks"})"),
      4000);
  // The second user message starts turn 1, which answers directly.
  auto second = flow.Json(BetaPost(RunsPath(thread), create), 4100);
  auto done = flow.Json(BetaGet(RunsPath(thread) + "/" + second["id"].GetString()), 9000);
  EXPECT_EQ(std::string(done["status"].GetString()), "completed");
  auto runs = flow.Json(BetaGet(RunsPath(thread)), 9000);
  ASSERT_EQ(runs["data"].Size(), 2U);
  EXPECT_EQ(std::string(runs["data"][0]["id"].GetString()), second["id"].GetString());
  EXPECT_EQ(std::string(runs["data"][1]["status"].GetString()), "cancelled");
}

TEST(AssistantsMockErrorTest, RunsAwaitingOutputsExpireAfterTenMinutes) {
  Flow flow(ToolThenTextScenario());
  const std::string thread = flow.CreateThread(0);
  const std::string create = std::string(R"({"assistant_id":")") + kAssistant + R"("})";
  auto run = flow.Json(BetaPost(RunsPath(thread), create), 1000);
  const std::string path = RunsPath(thread) + "/" + run["id"].GetString();
  // Created when the request arrived (1050 ms); expires_at is created_at + 600 s.
  EXPECT_EQ(run["expires_at"].GetInt64(), run["created_at"].GetInt64() + 600);
  const double expiry = 1050 + 600000;
  EXPECT_EQ(std::string(flow.Json(BetaGet(path), expiry - 50 - 1)["status"].GetString()),
            "requires_action");
  EXPECT_EQ(std::string(flow.Json(BetaGet(path), expiry - 50)["status"].GetString()), "expired");
  ExpectError(
      flow.backend.Handle(BetaPost(path + "/submit_tool_outputs",
                                   R"({"tool_outputs":[{"tool_call_id":"call_x","output":"x"}]})"),
                          testing::At(expiry)),
      400, "Runs in status \"expired\" do not accept tool outputs.", nullptr, nullptr);
  // An expired run no longer blocks the thread.
  flow.Json(BetaPost(RunsPath(thread), create), expiry);
}

// ---------------------------------------------------------------------------------------------
// file_search, faults, determinism.

Scenario FileSearchScenario() {
  Scenario s = FixedLatencyScenario();
  StepScript searched = TextStep({"The", " policy", " says", " yes."}, 300, 50);
  searched.file_search =
      FileSearchScript{"refund policy", Dist::Fixed(200), {"policy.md", "faq.md"}};
  StepScript fallback = TextStep({"I", " cannot", " tell."}, 300, 50);
  StepCondition no_store;
  no_store.tool_not_offered = "file_search";
  searched.alternatives.push_back({no_store, fallback});
  s.turns.push_back(TurnScript{"What is the refund policy?", {searched}, {}});
  return s;
}

TEST(AssistantsMockFileSearchTest, SearchStepPrecedesTheMessageWhenAVectorStoreIsAttached) {
  Flow flow(FileSearchScenario());
  const MockResponse response = flow.backend.Handle(
      BetaPost("/v1/threads/runs",
               std::string(R"({"assistant_id":")") + kAssistant +
                   R"(","tools":[{"type":"file_search"}],"stream":true,"thread":{"messages":)"
                   R"([{"role":"user","content":"What is the refund policy?"}],"tool_resources":)"
                   R"({"file_search":{"vector_store_ids":["vs_1"]}}}})"),
      testing::At(0));
  ASSERT_EQ(response.status, 200) << Concat(response);
  std::vector<std::pair<Duration, std::string>> timeline;
  std::vector<Event> events;
  for (const auto& chunk : response.chunks) {
    for (auto& e : SplitSse(chunk.bytes)) {
      timeline.emplace_back(chunk.at, e.type);
      events.push_back(std::move(e));
    }
  }
  // The search is issued at the first token (420), finishes 200 ms later; the answer follows.
  const std::vector<std::pair<Duration, std::string>> expected = {
      {Ms(120), "thread.created"},           {Ms(120), "thread.run.created"},
      {Ms(120), "thread.run.queued"},        {Ms(420), "thread.run.in_progress"},
      {Ms(420), "thread.run.step.created"},  {Ms(420), "thread.run.step.in_progress"},
      {Ms(420), "thread.run.step.delta"},    {Ms(620), "thread.run.step.completed"},
      {Ms(620), "thread.run.step.created"},  {Ms(620), "thread.run.step.in_progress"},
      {Ms(620), "thread.message.created"},   {Ms(620), "thread.message.in_progress"},
      {Ms(620), "thread.message.delta"},     {Ms(670), "thread.message.delta"},
      {Ms(720), "thread.message.delta"},     {Ms(770), "thread.message.delta"},
      {Ms(770), "thread.message.completed"}, {Ms(770), "thread.run.step.completed"},
      {Ms(770), "thread.run.completed"},     {Ms(770), "done"},
  };
  EXPECT_EQ(timeline, expected);
  const auto search = ParseJson(events[7].data);
  EXPECT_EQ(std::string(search["type"].GetString()), "tool_calls");
  const auto& call = search["step_details"]["tool_calls"][0];
  EXPECT_EQ(std::string(call["type"].GetString()), "file_search");
  ASSERT_EQ(call["file_search"]["results"].Size(), 2U);
  EXPECT_EQ(std::string(call["file_search"]["results"][0]["file_name"].GetString()), "policy.md");
  // The answer cites each document found (an empty span at the end of the scripted text), in
  // the completed event and in messages.list alike.
  const auto check_citations = [](const rapidjson::Value& message) {
    const auto& text = message["content"][0]["text"];
    EXPECT_EQ(std::string(text["value"].GetString()), "The policy says yes.");
    ASSERT_EQ(text["annotations"].Size(), 2U);
    const auto& first = text["annotations"][0];
    EXPECT_EQ(std::string(first["type"].GetString()), "file_citation");
    EXPECT_EQ(std::string(first["text"].GetString()), "\u30100:0\u2020policy.md\u3011");
    EXPECT_EQ(first["start_index"].GetInt(), 20);
    EXPECT_EQ(first["end_index"].GetInt(), 20);
    EXPECT_TRUE(std::string(first["file_citation"]["file_id"].GetString()).starts_with("file-"));
  };
  const auto completed = ParseJson(events[16].data);
  check_citations(completed);
  EXPECT_EQ(
      std::string(completed["content"][0]["text"]["annotations"][0]["file_citation"]["file_id"]
                      .GetString()),
      call["file_search"]["results"][0]["file_id"].GetString());
  auto listed = flow.Json(
      BetaGet("/v1/threads/" + std::string(completed["thread_id"].GetString()) + "/messages"),
      1000);
  ASSERT_EQ(listed["data"].Size(), 2U);
  check_citations(listed["data"][0]);
}

TEST(AssistantsMockFileSearchTest, WithoutAVectorStoreTheAlternativePlays) {
  Flow flow(FileSearchScenario());
  // The file_search tool alone, with no vector store on the thread or the run, is not an
  // offer of file_search.
  auto run =
      flow.Json(BetaPost("/v1/threads/runs",
                         std::string(R"({"assistant_id":")") + kAssistant +
                             R"(","tools":[{"type":"file_search"}],"thread":{"messages":)"
                             R"([{"role":"user","content":"What is the refund policy?"}]}})"),
                0);
  const std::string thread = run["thread_id"].GetString();
  auto steps = flow.Json(BetaGet(RunsPath(thread) + "/" + run["id"].GetString() + "/steps"), 5000);
  ASSERT_EQ(steps["data"].Size(), 1U);
  EXPECT_EQ(std::string(steps["data"][0]["type"].GetString()), "message_creation");
  auto messages = flow.Json(BetaGet("/v1/threads/" + thread + "/messages"), 5000);
  EXPECT_EQ(std::string(messages["data"][0]["content"][0]["text"]["value"].GetString()),
            "I cannot tell.");
}

TEST(AssistantsMockFaultTest, ScriptedRateLimitThenTheRunPlays) {
  Scenario scenario = ToolThenTextScenario();
  FaultScript fault;
  fault.retry_after_s = 1;
  scenario.turns[0].steps[0].faults.push_back(fault);
  Flow flow(scenario);
  const std::string thread = flow.CreateThread(0);
  const std::string create = std::string(R"({"assistant_id":")") + kAssistant + R"("})";
  const auto limited = flow.backend.Handle(BetaPost(RunsPath(thread), create), testing::At(1000));
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(*FindHeader(limited.headers, "retry-after"), "1");
  const auto error = ParseJson(Concat(limited));
  EXPECT_EQ(std::string(error["error"]["code"].GetString()), "rate_limit_exceeded");
  EXPECT_EQ(std::string(error["error"]["type"].GetString()), "requests");
  // No run was created, so the thread is free.
  EXPECT_EQ(flow.Json(BetaGet(RunsPath(thread)), 1100)["data"].Size(), 0U);
  auto run = flow.Json(BetaPost(RunsPath(thread), create), 2000);
  EXPECT_EQ(std::string(run["status"].GetString()), "queued");
  auto polled = flow.Json(BetaGet(RunsPath(thread) + "/" + run["id"].GetString()), 3000);
  EXPECT_EQ(std::string(polled["status"].GetString()), "requires_action");
}

// Every response of a full flow (streamed and polled, with random latencies), as bytes with
// their arrival times.
std::vector<std::string> FullFlow(uint64_t seed) {
  Scenario scenario = ToolThenTextScenario();
  scenario.latency.network_rtt_ms = Dist::Lognormal(80, 0.3);
  scenario.turns[0].steps[1].chunk_gap_ms = Dist::Uniform(10, 60);
  MockBackend backend(scenario, seed);
  std::vector<std::string> out;
  const auto send = [&](const HttpRequest& request, double at) {
    const MockResponse response = backend.Handle(request, testing::At(at));
    std::string record =
        std::to_string(response.status) + "@" + std::to_string(response.headers_at.count()) + ":";
    for (const auto& h : response.headers) record += h.name + "=" + h.value + ";";
    for (const auto& chunk : response.chunks) {
      record += std::to_string(chunk.at.count()) + "|" + chunk.bytes;
    }
    out.push_back(record);
    return ParseJson(response.chunks.back().bytes.starts_with("{") ? response.chunks.back().bytes
                                                                   : "{}");
  };
  auto run = send(BetaPost("/v1/threads/runs",
                           std::string(R"({"assistant_id":")") + kAssistant +
                               R"(","thread":{"messages":[{"role":"user","content":"hi"}]}})"),
                  0);
  const std::string path = RunsPath(run["thread_id"].GetString()) + "/" + run["id"].GetString();
  auto polled = send(BetaGet(path), 3000);
  const std::string call_id =
      polled["required_action"]["submit_tool_outputs"]["tool_calls"][0]["id"].GetString();
  send(BetaPost(path + "/submit_tool_outputs",
                R"({"stream":true,"tool_outputs":[{"tool_call_id":")" + call_id +
                    R"(","output":"12C"}]})"),
       3100);
  send(BetaGet("/v1/threads/" + std::string(run["thread_id"].GetString()) + "/messages"), 9000);
  send(BetaGet(path + "/steps"), 9000);
  return out;
}

TEST(AssistantsMockDeterminismTest, SameSeedSameBytes) {
  const auto a = FullFlow(42);
  EXPECT_EQ(a, FullFlow(42));
  EXPECT_NE(a, FullFlow(43));
  ASSERT_EQ(a.size(), 5U);
}

}  // namespace
}  // namespace agentreplay::mocks
