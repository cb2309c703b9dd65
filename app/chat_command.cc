// The `chat` subcommand: one user turn of the agent core against a live OpenAI-compatible
// endpoint (or `agentreplay serve` on loopback). It runs in the live world through the same
// agent session wiring as `run`, prints the answer as it streams, then every metric the result
// model defines that the turn produced.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "app/commands.h"
#include "app/shared_inputs.h"
#include "harness/run/agent_session.h"
#include "harness/run/world.h"
#include "net/url.h"
#include "results/result_model.h"

namespace agentreplay::app {
namespace {

constexpr const char* kDefaultBaseUrl = "https://api.openai.com/v1";

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::string(value) : std::string();
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// Shows what a UI would: the answer's text as it streams on stdout; reasoning, commentary
// (what the model says while it works, which is not the answer) and tool activity on stderr,
// so the answer stays what stdout holds. Reasoning and commentary stream as they arrive, opened
// by "[reasoning] " or "[commentary] " and closed by a line break when anything else comes, so
// they read apart from the answer in a terminal too. Hosted tools (web search, code
// interpreter, ...) print a line per phase. (The agent session's probe sees every event first.)
class ChatPrinter : public EventSink {
 public:
  void OnEvent(const AgentEvent& event) override {
    const std::string_view stream = StderrStreamOf(event);
    if (stream != open_stream_ && !open_stream_.empty()) {
      std::fputs("\n", stderr);
      open_stream_ = {};
    }
    switch (event.type) {
      case AgentEventType::kReasoningDelta:
      case AgentEventType::kTextDelta:
        if (!stream.empty()) {
          if (open_stream_.empty()) fmt::print(stderr, "[{}] ", stream);
          open_stream_ = stream;
          std::fwrite(event.text.data(), 1, event.text.size(), stderr);
          std::fflush(stderr);
          break;
        }
        // A new message of the same turn starts a new paragraph.
        if (message_done_ && printed_text_ && !event.text.empty()) std::fputs("\n\n", stdout);
        message_done_ = false;
        std::fwrite(event.text.data(), 1, event.text.size(), stdout);
        std::fflush(stdout);
        printed_text_ = printed_text_ || !event.text.empty();
        break;
      case AgentEventType::kTextDone:
        if (event.detail.empty()) message_done_ = true;
        break;
      case AgentEventType::kHostedToolActivity:
        PrintHosted(event);
        break;
      case AgentEventType::kToolExecutionStarted:
        fmt::print(stderr, "[tool {} ...]\n", event.tool_name);
        break;
      case AgentEventType::kToolExecutionFailed:
        fmt::print(stderr, "[tool {} failed: {}]\n", event.tool_name, event.text);
        break;
      default:
        break;
    }
  }
  bool printed_text() const { return printed_text_; }

 private:
  // The stderr stream a delta belongs to; empty for the answer's text and other events.
  static std::string_view StderrStreamOf(const AgentEvent& event) {
    if (event.type == AgentEventType::kReasoningDelta) return "reasoning";
    if (event.type == AgentEventType::kTextDelta && event.detail == "commentary") {
      return "commentary";
    }
    return {};
  }

  // One line per phase ("[web_search searching]", "[web_search completed: weather today]");
  // code and argument pieces are not printed one by one, only when done.
  static void PrintHosted(const AgentEvent& event) {
    if (event.detail.ends_with("_delta")) return;
    std::string text = event.text;
    if (const auto nl = text.find('\n'); nl != std::string::npos) {
      text = text.substr(0, nl) + " ...";
    }
    if (text.size() > 120) text = text.substr(0, 117) + "...";
    if (text.empty()) {
      fmt::print(stderr, "[{} {}]\n", event.tool_name, event.detail);
    } else {
      fmt::print(stderr, "[{} {}: {}]\n", event.tool_name, event.detail, text);
    }
  }

  bool printed_text_ = false;
  std::string_view open_stream_;  // the stderr stream whose line is open ("" when none)
  bool message_done_ = false;     // the last message's text is complete
};

std::string FormatValue(std::string_view unit, double v) {
  if (unit == "usd") return fmt::format("{:.6f}", v);
  return v == static_cast<double>(static_cast<int64_t>(v)) ? fmt::format("{}", v)
                                                           : fmt::format("{:.1f}", v);
}

// Every scalar metric of the catalogue the turn defined, in the catalogue's order, with the
// per-endpoint request counts under `requests`; then the critical path.
void PrintMetrics(const results::Sample& sample) {
  // One column wide enough for every name printed, so that no value runs into its name.
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& info : results::MetricCatalog()) {
    auto it = sample.metrics.find(std::string(info.name));
    if (it == sample.metrics.end()) continue;
    rows.emplace_back(std::string(info.name), FormatValue(info.unit, it->second));
    if (info.name == "requests") {
      for (const auto& [endpoint, count] : sample.requests_by_endpoint) {
        rows.emplace_back("  " + endpoint, fmt::format("{}", count));
      }
    }
  }
  if (!sample.itl_ms.empty()) {
    rows.emplace_back("itl_ms", fmt::format("{} gaps", sample.itl_ms.size()));
  }
  for (const auto& name : results::SegmentNames()) {
    auto it = sample.segments.find(std::string(name));
    if (it != sample.segments.end()) {
      rows.emplace_back("segment." + std::string(name), FormatValue("ms", it->second));
    }
  }
  std::size_t width = 0;
  for (const auto& row : rows) width = std::max(width, row.first.size());
  std::puts("\n--- metrics");
  for (const auto& [name, value] : rows) fmt::print("{:<{}}  {}\n", name, width, value);
}

}  // namespace

int ChatCommand(const ChatOptions& options) {
  std::string message = options.message;
  if (message.empty()) {
    message.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) {
      message.pop_back();
    }
  }
  if (message.empty()) {
    std::fputs("agentreplay chat: no message (give one, or pipe it on stdin)\n", stderr);
    return kExitBadInput;
  }

  // $OPENAI_BASE_URL replaces the default, never an explicit --base-url.
  harness::LiveWorldOptions live;
  live.base_url = options.base_url;
  if (live.base_url == kDefaultBaseUrl && !Env("OPENAI_BASE_URL").empty()) {
    live.base_url = Env("OPENAI_BASE_URL");
  }
  live.api_key = Env("OPENAI_API_KEY");
  live.user_agent = fmt::format("agentreplay/{}", AGENTREPLAY_VERSION);
  auto world = harness::MakeLiveWorld(live);
  if (!world) {
    fmt::print(stderr, "agentreplay chat: {}\n", world.error());
    return kExitBadInput;
  }
  const bool loopback = [&] {
    auto url = net::ParseBaseUrl(live.base_url);
    return url && net::IsLoopbackHost(url->host);
  }();

  // The variant's packages become agent options through the registry, as in `run`.
  auto inputs = LoadSharedInputs();
  if (!inputs) {
    fmt::print(stderr, "agentreplay chat: {}\n", inputs.error());
    return kExitBadInput;
  }
  auto variant = inputs->registry.ResolveVariant(options.variant);
  if (!variant) {
    fmt::print(stderr, "agentreplay chat: --variant: {}\n", variant.error());
    return kExitBadInput;
  }
  harness::AgentSessionSpec spec;
  spec.settings = variant->settings;
  spec.settings.runtime = ParseRuntime(options.runtime).value_or(Runtime::kResponses);
  spec.seed = std::random_device{}();
  spec.tool_packs = &inputs->tool_packs;
  spec.model = options.model;
  spec.price = inputs->prices.Find(options.model);
  if (spec.settings.vector_store) {
    // The registry's store id exists on the served mock only; a live endpoint needs real ids.
    spec.vector_store_ids = SplitList(Env("AGENTREPLAY_VECTOR_STORE_IDS"));
    if (spec.vector_store_ids.empty() && !loopback) {
      spec.settings.vector_store = false;
      std::fputs(
          "agentreplay chat: note: p1 needs $AGENTREPLAY_VECTOR_STORE_IDS for a live endpoint; "
          "file_search is off\n",
          stderr);
    }
  }
  ChatPrinter printer;
  spec.observer = &printer;

  const auto turn_limit = std::chrono::duration_cast<Duration>(
      std::chrono::duration<double>(options.timeout_s > 0 ? options.timeout_s : 120.0));
  auto world_session = (*world)->Open(mocks::Scenario{}, spec.seed);
  harness::ClientTimeouts timeouts;
  timeouts.total = turn_limit;
  timeouts.read = std::min<Duration>(timeouts.read, turn_limit);
  world_session->SetClientTimeouts(timeouts);
  auto session = harness::AgentSession::Open(*world_session, std::move(spec));
  if (!session) {
    fmt::print(stderr, "agentreplay chat: {}\n", session.error());
    return kExitBadInput;
  }

  harness::MeasuredTurn measured = (*session)->RunTurn(message);
  if (measured.turn && !printer.printed_text() && !measured.turn->answer.empty()) {
    std::fputs(measured.turn->answer.c_str(), stdout);
  }
  std::fputs("\n", stdout);
  PrintMetrics(measured.sample);
  std::fflush(stdout);
  if (!measured.sample.ok) {
    fmt::print(stderr, "agentreplay chat: the turn failed: {} {}: {}\n", measured.sample.error_kind,
               measured.sample.error_reason, measured.sample.error_message);
    return kExitChecksFailed;
  }
  return kExitOk;
}

}  // namespace agentreplay::app
