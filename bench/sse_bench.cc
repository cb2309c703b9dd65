// SSE decode throughput on the recorded OpenAI streams, fed whole and in network-sized reads.
#include <benchmark/benchmark.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "sse/sse_decoder.h"

namespace agentreplay {
namespace {

constexpr const char* kSseFixtures[] = {
    "dotnet-responses-streaming-text.json", "dotnet-responses-function-call-streaming.json",
    "dotnet-assistants-streaming-run.json", "dotnet-assistants-streaming-tool-call.json",
    "python-chat-parallel-tool-calls.sse",  "python-chat-text-with-usage.sse",
};

struct Corpus {
  std::string bytes;  // every fixture's SSE bodies, one after another
  int64_t events = 0;
  std::string error;
};

bool ReadFile(const std::string& path, std::string& text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  text = buffer.str();
  return true;
}

// In the .json recordings an SSE body is an array of raw lines; JSON bodies are objects.
bool AppendBodies(const std::string& name, std::string& out) {
  std::string text;
  if (!ReadFile(std::string(AGENTREPLAY_FIXTURES_DIR) + "/" + name, text)) return false;
  if (name.ends_with(".sse")) {
    out += text;
    return true;
  }
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("Entries")) return false;
  for (const auto& entry : doc["Entries"].GetArray()) {
    if (!entry.HasMember("ResponseBody") || !entry["ResponseBody"].IsArray()) continue;
    for (const auto& line : entry["ResponseBody"].GetArray()) {
      out.append(line.GetString(), line.GetStringLength());
    }
  }
  return true;
}

const Corpus& GetCorpus() {
  static const Corpus corpus = [] {
    Corpus c;
    for (const char* name : kSseFixtures) {
      if (!AppendBodies(name, c.bytes)) c.error = std::string("cannot load fixture ") + name;
    }
    // Every recorded body ends with its blank line, so the bodies concatenate into one valid
    // stream whose event count is that of the parts.
    SseDecoder decoder;
    std::vector<SseEvent> events;
    decoder.Feed(c.bytes, events);
    if (decoder.Finish()) c.error = "fixture corpus does not end cleanly";
    c.events = static_cast<int64_t>(events.size());
    return c;
  }();
  return corpus;
}

// range(0) is the read size in bytes; 0 feeds the whole corpus in one call.
void SseDecode(benchmark::State& state) {
  const Corpus& corpus = GetCorpus();
  if (!corpus.error.empty()) {
    state.SkipWithError(corpus.error.c_str());
    return;
  }
  const std::string_view bytes = corpus.bytes;
  const size_t chunk = state.range(0) > 0 ? static_cast<size_t>(state.range(0)) : bytes.size();
  // Reused like a caller's per-connection vector; the events' strings are still freed on clear.
  std::vector<SseEvent> events;
  events.reserve(static_cast<size_t>(corpus.events));
  for (auto _ : state) {
    events.clear();
    SseDecoder decoder;
    for (size_t pos = 0; pos < bytes.size(); pos += chunk) {
      decoder.Feed(bytes.substr(pos, std::min(chunk, bytes.size() - pos)), events);
    }
    benchmark::DoNotOptimize(decoder.Finish());
    benchmark::DoNotOptimize(events.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes.size()));
  state.SetItemsProcessed(state.iterations() * corpus.events);
  state.counters["corpus_bytes"] = static_cast<double>(bytes.size());
}
BENCHMARK(SseDecode)->ArgName("chunk")->Arg(1024)->Arg(16384)->Arg(0);

}  // namespace
}  // namespace agentreplay
