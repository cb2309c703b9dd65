// Helpers shared by the mock back end's tests: fixtures, SSE splitting, scenario builders.
#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/time.h"
#include "mocks/api/mock_response.h"
#include "mocks/model/scenario.h"

namespace agentreplay::mocks::testing {

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A recorded exchange file (openai-dotnet recorder format) from the fixtures directory.
inline rapidjson::Document LoadFixture(const std::string& name) {
  rapidjson::Document doc;
  const std::string text = ReadFile(std::string(AGENTREPLAY_FIXTURES_DIR) + "/" + name);
  doc.Parse(text.data(), text.size());
  EXPECT_FALSE(doc.HasParseError()) << name;
  return doc;
}

inline const rapidjson::Value& Entry(const rapidjson::Document& fixture, rapidjson::SizeType i) {
  return fixture["Entries"][i];
}

inline std::string Compact(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// The raw SSE body of a recorded entry (the recorder stores it as an array of raw lines).
inline std::string RecordedSseBody(const rapidjson::Value& entry) {
  std::string body;
  for (const auto& line : entry["ResponseBody"].GetArray()) body += line.GetString();
  return body;
}

struct Event {
  std::string type;
  std::string data;
};

// Splits an SSE body into events. The mock and the recordings only use `event:` and
// single `data:` lines, so this stays deliberately simple (the real decoder is tested on
// its own).
inline std::vector<Event> SplitSse(std::string_view body) {
  std::vector<Event> events;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find("\n\n", pos);
    if (end == std::string_view::npos) end = body.size();
    std::string_view block = body.substr(pos, end - pos);
    Event event;
    size_t line_start = 0;
    while (line_start <= block.size()) {
      size_t line_end = block.find('\n', line_start);
      if (line_end == std::string_view::npos) line_end = block.size();
      const std::string_view line = block.substr(line_start, line_end - line_start);
      if (line.starts_with("event: ")) event.type = std::string(line.substr(7));
      if (line.starts_with("data: ")) {
        if (!event.data.empty()) event.data += '\n';
        event.data += line.substr(6);
      }
      line_start = line_end + 1;
    }
    events.push_back(std::move(event));
    pos = end + 2;
  }
  return events;
}

inline std::string Concat(const MockResponse& response) {
  std::string out;
  for (const auto& chunk : response.chunks) out += chunk.bytes;
  return out;
}

inline rapidjson::Document ParseJson(std::string_view text) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  EXPECT_FALSE(doc.HasParseError()) << text;
  return doc;
}

inline HttpRequest Post(std::string target, std::string body) {
  return HttpRequest{
      "POST", std::move(target), {{"content-type", "application/json"}}, std::move(body)};
}

inline HttpRequest Get(std::string target) { return HttpRequest{"GET", std::move(target), {}, ""}; }

inline TimePoint At(double ms) { return TimePoint(FromMillis(ms)); }

inline Duration Ms(double ms) { return FromMillis(ms); }

// The fixtures' text answer, as the deltas the recording streamed.
inline std::vector<std::string> RecordedTextDeltas() {
  return {"Hello", "!", " How", " can", " I", " assist", " you", " today", "?"};
}

// A scenario with fixed (zero) latencies: turn 0 calls get_weather_at_location with the
// recording's arguments in 8 deltas, then answers; turn 1 answers directly.
inline Scenario WeatherScenario() {
  Scenario s;
  s.name = "weather";
  s.model = "gpt-4o-mini";
  TurnScript turn0;
  turn0.user = "What should I wear for the weather in San Francisco, CA?";
  StepScript call;
  call.tool_calls.push_back(
      ToolCallScript{"get_weather_at_location", R"({"location":"San Francisco, CA"})", 8});
  turn0.steps.push_back(call);
  StepScript answer;
  answer.text_chunks = RecordedTextDeltas();
  turn0.steps.push_back(answer);
  s.turns.push_back(turn0);
  TurnScript turn1;
  turn1.user = "Thanks!";
  StepScript bye;
  bye.text_chunks = {"You're", " welcome."};
  turn1.steps.push_back(bye);
  s.turns.push_back(turn1);
  return s;
}

}  // namespace agentreplay::mocks::testing
