// Verbatim replay in the simulated world: a recorded Responses stream of about 500 KB (2,600
// deltas; 4,000 give 760 KB) played back to the agent at its recorded offsets, and the
// cassette's parse on its own. Figures: bytes of recorded body per second of CPU.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <chrono>
#include <string>

#include "harness/recording/cassette_reader.h"
#include "harness/recording/cassette_writer.h"
#include "harness/recording/verbatim.h"
#include "harness/run/matrix_runner.h"
#include "harness/run/world.h"

namespace agentreplay::harness {
namespace {

using std::chrono::microseconds;

// A streamed Responses answer of `deltas` text deltas, each event its own recorded chunk 2 ms
// after the last.
mocks::Cassette LongStream(int deltas) {
  mocks::Cassette c;
  c.name = "long_stream";
  c.runtime = "responses";
  c.model = "gpt-4o-mini";
  mocks::CassetteExchange e;
  e.request.method = "POST";
  e.request.target = "/v1/responses";
  e.request.body = R"({"model":"gpt-4o-mini","stream":true,"input":"Tell me everything."})";
  e.response.status = 200;
  e.response.headers = {{"content-type", "text/event-stream"}};
  e.response.headers_at = microseconds(300000);
  auto event = [&](std::string type, std::string data, int64_t at_us) {
    e.response.chunks.push_back(
        {microseconds(at_us), fmt::format("event: {}\ndata: {}\n\n", type, data)});
  };
  const std::string resp = R"("id":"resp_1","object":"response","model":"gpt-4o-mini")";
  event("response.created",
        "{\"type\":\"response.created\",\"response\":{" + resp +
            ",\"status\":\"in_progress\",\"output\":[]}}",
        300000);
  event(
      "response.output_item.added",
      R"({"type":"response.output_item.added","output_index":0,"item":{"id":"msg_1","type":"message","role":"assistant","status":"in_progress","content":[]}})",
      300100);
  std::string text;
  int64_t at = 400000;
  for (int i = 0; i < deltas; ++i, at += 2000) {
    const std::string word = fmt::format(" word{}", i % 1000);
    text += word;
    event(
        "response.output_text.delta",
        fmt::format(
            R"({{"type":"response.output_text.delta","item_id":"msg_1","output_index":0,"content_index":0,"delta":"{}","sequence_number":{}}})",
            word, i + 2),
        at);
  }
  event(
      "response.output_text.done",
      fmt::format(
          R"({{"type":"response.output_text.done","item_id":"msg_1","output_index":0,"content_index":0,"text":"{}"}})",
          text),
      at);
  event(
      "response.completed",
      "{\"type\":\"response.completed\",\"response\":{" + resp +
          R"(,"status":"completed","output":[{"id":"msg_1","type":"message","role":"assistant","status":"completed","content":[{"type":"output_text","text":")" +
          text +
          R"(","annotations":[]}]}],"usage":{"input_tokens":12,"output_tokens":4000,"total_tokens":4012}}})",
      at);
  e.response.end_at = microseconds(at);
  c.exchanges.push_back(std::move(e));
  return c;
}

size_t BodyBytes(const mocks::Cassette& c) {
  size_t n = 0;
  for (const auto& e : c.exchanges) {
    for (const auto& chunk : e.response.chunks) n += chunk.bytes.size();
  }
  return n;
}

Variant StreamingResponses() {
  Variant v;
  v.name = "p0+p2+p3+p5";
  v.settings.runtime = Runtime::kResponses;
  v.settings.stream = true;
  v.settings.proxy_dispatch = false;
  return v;
}

void BM_VerbatimReplayOfALongStream(benchmark::State& state) {
  const mocks::Cassette cassette = LongStream(static_cast<int>(state.range(0)));
  auto scenario = VerbatimScenario(cassette);
  if (!scenario) throw std::runtime_error(scenario.error());
  auto world = MakeSimWorld();
  MatrixOptions options;
  options.repetitions = 1;
  const Variant variant = StreamingResponses();
  for (auto _ : state) {
    results::Cell cell = RunCell(*world, *scenario, variant, Runtime::kResponses, options);
    if (cell.error_samples != 0) state.SkipWithError(cell.samples[0].error_message.c_str());
    benchmark::DoNotOptimize(cell);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(BodyBytes(cassette)));
  state.counters["body_bytes"] = static_cast<double>(BodyBytes(cassette));
}
BENCHMARK(BM_VerbatimReplayOfALongStream)->Arg(2600)->Arg(4000)->Unit(benchmark::kMillisecond);

void BM_ParseALongCassette(benchmark::State& state) {
  const std::string text = CassetteText(LongStream(static_cast<int>(state.range(0))));
  for (auto _ : state) {
    auto parsed = ParseCassette(text, "long.cassette.jsonl");
    if (!parsed) throw std::runtime_error(parsed.error());
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(text.size()));
  state.counters["file_bytes"] = static_cast<double>(text.size());
}
BENCHMARK(BM_ParseALongCassette)->Arg(4000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace agentreplay::harness
