// Import + lift throughput: a ~500 KB synthetic SSE body (a Responses or a Chat stream with
// thousands of text deltas and a streamed function call), read by the raw SSE importer,
// decoded into a transcript and lifted into a scenario, reported in bytes of SSE per second.
// A long answer streamed token by token is the largest thing a recording holds, so this is the
// cost that grows with recordings.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <vector>

#include "harness/recording/import.h"
#include "harness/recording/lift.h"
#include "harness/recording/transcript.h"

namespace agentreplay::harness {
namespace {

constexpr std::size_t kTargetBytes = 500 * 1000;

// A Responses stream: created, a message of word deltas, a function call in small pieces,
// completed.
std::string ResponsesStream() {
  std::string out;
  int64_t seq = 0;
  const auto event = [&](const std::string& type, const std::string& fields) {
    out += fmt::format("event: {}\ndata: {{\"type\":\"{}\",\"sequence_number\":{}{}}}\n\n", type,
                       type, seq++, fields);
  };
  event(
      "response.created",
      R"(,"response":{"id":"resp_bench","object":"response","status":"in_progress","model":"gpt-4.1-mini"})");
  event(
      "response.output_item.added",
      R"(,"output_index":0,"item":{"id":"msg_bench","type":"message","status":"in_progress","content":[],"role":"assistant"})");
  for (int i = 0; out.size() < kTargetBytes - 4000; ++i) {
    event(
        "response.output_text.delta",
        fmt::format(
            R"(,"item_id":"msg_bench","output_index":0,"content_index":0,"delta":" word{}","logprobs":[],"obfuscation":"abcdefghij")",
            i));
  }
  event(
      "response.output_item.added",
      R"(,"output_index":1,"item":{"id":"fc_bench","type":"function_call","status":"in_progress","arguments":"","call_id":"call_bench","name":"get_current_time"})");
  // The pieces as they appear inside the JSON string (quotes escaped).
  for (const char* piece : {R"({\")", "timezone", R"(\":\")", "Asia", "/Tokyo", R"(\"})"}) {
    event("response.function_call_arguments.delta",
          fmt::format(R"(,"item_id":"fc_bench","output_index":1,"delta":"{}")", piece));
  }
  event(
      "response.completed",
      R"(,"response":{"id":"resp_bench","object":"response","status":"completed","usage":{"input_tokens":120,"output_tokens":4000}})");
  return out;
}

// A Chat stream of the same length: role chunk, content deltas, one tool call, finish, usage,
// [DONE].
std::string ChatStream() {
  std::string out;
  const auto chunk = [&out](const std::string& choices) {
    out += fmt::format(
        "data: {{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1,"
        "\"model\":\"gpt-4o-2024-08-06\",\"choices\":{}}}\n\n",
        choices);
  };
  chunk(R"([{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}])");
  for (int i = 0; out.size() < kTargetBytes - 2000; ++i) {
    chunk(
        fmt::format(R"([{{"index":0,"delta":{{"content":" word{}"}},"finish_reason":null}}])", i));
  }
  chunk(
      R"([{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_bench","type":"function","function":{"name":"get_current_time","arguments":""}}]},"finish_reason":null}])");
  chunk(
      R"([{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"timezone\": \"UTC\"}"}}]},"finish_reason":null}])");
  chunk(R"([{"index":0,"delta":{},"finish_reason":"tool_calls"}])");
  out += "data: [DONE]\n\n";
  return out;
}

void ImportAndLift(benchmark::State& state, const std::string& body) {
  ImportOptions options;
  options.format = ImportFormat::kSse;
  std::size_t deltas = 0;
  for (auto _ : state) {
    auto imported = ImportText(body, "bench.sse", options);
    if (!imported || imported->cassettes.size() != 1) {
      state.SkipWithError(imported ? "expected one cassette" : imported.error().c_str());
      return;
    }
    auto lifted = LiftScenario(imported->cassettes.front(), LiftOptions{});
    if (!lifted) {
      state.SkipWithError(lifted.error().c_str());
      return;
    }
    deltas = lifted->turns.front().steps.front().text_chunks.size();
    benchmark::DoNotOptimize(lifted);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(body.size()));
  state.counters["body_kb"] = static_cast<double>(body.size()) / 1000.0;
  state.counters["deltas"] = static_cast<double>(deltas);
}

void BM_ImportAndLiftResponsesStream(benchmark::State& state) {
  static const std::string body = ResponsesStream();
  ImportAndLift(state, body);
}
BENCHMARK(BM_ImportAndLiftResponsesStream)->Unit(benchmark::kMillisecond);

void BM_ImportAndLiftChatStream(benchmark::State& state) {
  static const std::string body = ChatStream();
  ImportAndLift(state, body);
}
BENCHMARK(BM_ImportAndLiftChatStream)->Unit(benchmark::kMillisecond);

// The transcript alone (the cassette imported once), to see what decoding costs apart from the
// import.
void BM_DecodeTranscriptResponsesStream(benchmark::State& state) {
  static const std::string body = ResponsesStream();
  ImportOptions options;
  options.format = ImportFormat::kSse;
  auto imported = ImportText(body, "bench.sse", options);
  if (!imported) {
    state.SkipWithError(imported.error().c_str());
    return;
  }
  for (auto _ : state) {
    auto transcript = DecodeTranscript(imported->cassettes.front());
    benchmark::DoNotOptimize(transcript);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_DecodeTranscriptResponsesStream)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace agentreplay::harness
