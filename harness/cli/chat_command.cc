// The `chat` subcommand: one user turn of the agent core against a live OpenAI-compatible
// endpoint (or `agentreplay serve` on loopback), over the real world's ports: an event loop,
// the steady clock, the HTTP transport and in-process tools. The answer is printed as it
// streams in; then the turn's metrics, measured by the same probe the harness uses.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "cli/commands.h"
#include "measure/metrics.h"
#include "measure/probe.h"
#include "net/deadline.h"
#include "net/event_loop.h"
#include "net/http_transport.h"
#include "net/steady_clock.h"
#include "net/url.h"
#include "packages/registry.h"
#include "packages/tool_packs_file.h"
#include "run/prices.h"
#include "sim/sim_world.h"
#include "tools/in_process_dispatcher.h"
#include "tools/tool_catalog.h"
#include "tools/workspace.h"

namespace agentreplay::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDefaultBaseUrl = "https://api.openai.com/v1";
// The turn's own limit; the watchdog below only catches a turn that outlives it by this much.
constexpr auto kWatchdogGrace = std::chrono::seconds(2);

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

// Shows what a UI would: the answer's text as it streams, tool activity on stderr. Every
// event also goes to the probe, which is what the metrics are computed from.
class ChatPrinter : public EventSink {
 public:
  explicit ChatPrinter(EventSink& probe) : probe_(probe) {}

  void OnEvent(const AgentEvent& event) override {
    probe_.OnEvent(event);
    switch (event.type) {
      case AgentEventType::kTextDelta:
        std::fwrite(event.text.data(), 1, event.text.size(), stdout);
        std::fflush(stdout);
        printed_text_ = printed_text_ || !event.text.empty();
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
  EventSink& probe_;
  bool printed_text_ = false;
};

std::string FormatValue(std::string_view name, double v) {
  if (name.ends_with("_usd")) return fmt::format("{:.6f}", v);
  return v == static_cast<double>(static_cast<int64_t>(v)) ? fmt::format("{}", v)
                                                           : fmt::format("{:.1f}", v);
}

void PrintMetrics(const results::Sample& sample, const net::HttpTransportStats& net) {
  // The latency metrics first, then the counts; a metric the turn did not define is absent.
  const char* order[] = {"ttfs_ms",      "ttft_ms",          "e2e_ms",        "llm_wait_ms",
                         "tool_exec_ms", "tool_overhead_ms", "sleep_ms",      "agent_cpu_us",
                         "requests",     "tool_calls",       "retries",       "bytes_up",
                         "bytes_down",   "input_tokens",     "output_tokens", "cost_usd"};
  std::puts("\n--- metrics");
  for (const char* name : order) {
    auto it = sample.metrics.find(name);
    if (it != sample.metrics.end()) fmt::print("{:<20}{}\n", name, FormatValue(name, it->second));
  }
  for (const auto& [endpoint, count] : sample.requests_by_endpoint) {
    fmt::print("{:<20}{}\n", "  " + endpoint, count);
  }
  fmt::print("{:<20}{} opened, {} reused\n", "connections", net.connections_opened,
             net.connections_reused);
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
  std::string base_url = options.base_url;
  if (base_url == kDefaultBaseUrl && !Env("OPENAI_BASE_URL").empty()) {
    base_url = Env("OPENAI_BASE_URL");
  }
  std::string error;
  const auto url = net::ParseBaseUrl(base_url, &error);
  if (!url) {
    fmt::print(stderr, "agentreplay chat: --base-url {}: {}\n", base_url, error);
    return kExitBadInput;
  }
  const bool loopback = net::IsLoopbackHost(url->host);
  const std::string api_key = Env("OPENAI_API_KEY");
  if (api_key.empty() && !loopback) {
    fmt::print(stderr,
               "agentreplay chat: OPENAI_API_KEY is not set (needed for {}; a loopback base URL "
               "needs none)\n",
               url->Origin());
    return kExitBadInput;
  }

  // The variant's packages become agent options through the registry, as in `run`.
  auto registry = harness::Registry::Load(ScenariosDir() / "registry" / "packages.json");
  if (auto* err = std::get_if<std::string>(&registry)) {
    fmt::print(stderr, "agentreplay chat: {}\n", *err);
    return kExitBadInput;
  }
  auto variant = std::get<harness::Registry>(registry).ResolveVariant(options.variant);
  if (auto* err = std::get_if<std::string>(&variant)) {
    fmt::print(stderr, "agentreplay chat: --variant: {}\n", *err);
    return kExitBadInput;
  }
  harness::VariantSettings settings = std::get<harness::Variant>(variant).settings;
  settings.runtime = ParseRuntime(options.runtime).value_or(Runtime::kResponses);
  if (settings.proxy_dispatch) {
    // There is no proxy_router in front of a live endpoint: p2 off has no hop to take.
    std::fputs("agentreplay chat: note: no proxy_router here, tools run in-process (p2)\n", stderr);
  }
  AgentOptions agent_options = harness::MakeAgentOptions(settings, std::random_device{}());
  agent_options.llm.model = options.model;
  agent_options.llm.api_prefix = url->path;
  if (settings.intent_tool_selection) {
    auto loaded = harness::LoadToolPacks(ScenariosDir() / "registry" / "tool_packs.json");
    if (auto* err = std::get_if<std::string>(&loaded)) {
      fmt::print(stderr, "agentreplay chat: {}\n", *err);
      return kExitBadInput;
    }
    agent_options.tool_packs = std::get<ToolPacks>(loaded);
  }
  if (agent_options.llm.vector_store.attach) {
    // The registry's store id exists on the served mock only; a live endpoint needs real ids.
    const auto ids = SplitList(Env("AGENTREPLAY_VECTOR_STORE_IDS"));
    if (!ids.empty()) {
      agent_options.llm.vector_store.vector_store_ids = ids;
    } else if (!loopback) {
      agent_options.llm.vector_store.attach = false;
      std::fputs(
          "agentreplay chat: note: p1 needs $AGENTREPLAY_VECTOR_STORE_IDS for a live endpoint; "
          "file_search is off\n",
          stderr);
    }
  }

  const double timeout_s = options.timeout_s > 0 ? options.timeout_s : 120.0;
  const auto turn_limit =
      std::chrono::duration_cast<Duration>(std::chrono::duration<double>(timeout_s));

  net::EventLoop loop;
  net::SteadyClock clock(loop);
  net::HttpTransportOptions transport_options;
  transport_options.base_url = url->Origin();
  transport_options.api_key = api_key;
  transport_options.user_agent = fmt::format("agentreplay/{}", AGENTREPLAY_VERSION);
  transport_options.total_timeout = turn_limit;
  transport_options.read_timeout = std::min<Duration>(transport_options.read_timeout, turn_limit);
  auto transport = net::HttpTransport::Create(loop, clock, transport_options, &error);
  if (!transport) {
    fmt::print(stderr, "agentreplay chat: {}\n", error);
    return kExitBadInput;
  }

  // The data and file tools get a temporary workspace, made only if a tool needs one.
  std::unique_ptr<Workspace> workspace;
  bool workspace_failed = false;
  ToolCatalog catalog = MakeDefaultCatalog();
  ToolContext tool_context{
      &clock, std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now())};
  tool_context.open_workspace = [&]() -> Workspace* {
    if (!workspace && !workspace_failed) {
      std::string why;
      workspace = Workspace::CreateTemporary(&why);
      if (!workspace) {
        workspace_failed = true;
        fmt::print(stderr, "agentreplay chat: no workspace for the data tools: {}\n", why);
      }
    }
    return workspace.get();
  };
  InProcessDispatcher in_process(catalog, tool_context);

  harness::Probe probe(clock);
  ChatPrinter printer(probe);
  auto agent = Agent::Create(agent_options,
                             AgentPorts{probe.clock(), probe.WrapTransport(*transport),
                                        probe.WrapDispatcher(in_process), printer},
                             catalog.Specs());
  if (!agent) {
    fmt::print(stderr, "agentreplay chat: runtime '{}' is not available\n", options.runtime);
    return kExitBadInput;
  }

  probe.BeginTurn();
  const Duration cpu_before = harness::ThreadCpuTime();
  std::optional<TurnResult> turn;
  std::exception_ptr failure;
  bool done = false;
  Spawn(
      [](Agent& a, std::string text, std::optional<TurnResult>& out) -> Task<void> {
        out.emplace(co_await a.RunTurn(std::move(text)));
      }(*agent, message, turn),
      [&](std::exception_ptr e) {
        failure = e;
        done = true;
      });
  // A backstop: the request timeouts normally end a slow turn cleanly first.
  bool watchdog_fired = false;
  net::Deadline watchdog(clock, turn_limit + kWatchdogGrace);
  watchdog.SetOnExpire([&] { watchdog_fired = true; });
  loop.RunUntil([&] { return done || watchdog_fired; });
  watchdog.Finish();

  if (!done) {
    fmt::print(stderr, "\nagentreplay chat: the turn did not finish within {} s\n", timeout_s);
    // The turn's coroutines are still suspended on sockets: leave without unwinding them.
    std::fflush(stdout);
    std::_Exit(kExitChecksFailed);
  }
  loop.Run();  // let cancelled timers finish
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      fmt::print(stderr, "\nagentreplay chat: internal error: {}\n", e.what());
    }
    return kExitChecksFailed;
  }
  if (!printer.printed_text() && !turn->answer.empty()) std::fputs(turn->answer.c_str(), stdout);
  std::fputs("\n", stdout);

  harness::TurnContext context;
  context.agent_cpu = harness::ThreadCpuTime() - cpu_before;
  auto prices = harness::PriceTable::Load(ScenariosDir() / "registry" / "prices.json");
  if (auto* table = std::get_if<harness::PriceTable>(&prices)) {
    context.price = table->Find(options.model);
  }
  results::Sample sample;
  harness::DeriveMetrics(probe.TakeTimeline(), *turn, context, sample);
  PrintMetrics(sample, transport->stats());
  std::fflush(stdout);

  if (!turn->ok) {
    const Error& e = turn->error ? *turn->error : Error{};
    fmt::print(stderr, "agentreplay chat: the turn failed: {} {}: {}\n", ErrorKindName(e.kind),
               e.reason, e.message);
    return kExitChecksFailed;
  }
  return kExitOk;
}

}  // namespace agentreplay::cli
