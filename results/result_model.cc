#include "results/result_model.h"

namespace agentreplay::results {

const std::vector<MetricInfo>& MetricCatalog() {
  static const std::vector<MetricInfo> kCatalog = {
      {"ttfs_ms", "ms",
       "t0 to the first AgentEvent a UI can render (status, reasoning, tool activity or text)"},
      {"ttft_ms", "ms", "t0 to the first non-empty assistant text delta delivered to the sink"},
      {"ttfr_ms", "ms",
       "t0 to the first non-empty reasoning delta delivered to the sink (absent without "
       "reasoning)"},
      {"e2e_ms", "ms", "t0 to turn_completed"},
      {"itl_ms", "ms", "gaps between consecutive text deltas of one message (a distribution)"},
      {"fidelity_ms", "ms",
       "real world: arrival of each streamed chunk minus when the server was due to write it "
       "(the run's noise floor; a distribution)"},
      {"polls", "count", "GET of a run (runs.retrieve) requests"},
      {"requests", "count",
       "HTTP requests to the model API in the turn (per endpoint: requests_by_endpoint)"},
      {"connections", "count",
       "new connections the agent opened in the turn (model API and proxy hop; pc reuses them)"},
      {"sleep_ms", "ms", "time in deliberate waits (static sleeps, backoff, retry waits)"},
      {"detect_lag_ms", "ms",
       "time between the back end reaching a state and the agent observing it"},
      {"tool_exec_ms", "ms", "time inside tool implementations"},
      {"tool_overhead_ms", "ms",
       "per tool call, call ready to its return minus its execution and tool_queue_ms, plus "
       "per batch of outputs the last return to the request carrying them; summed"},
      {"tool_queue_ms", "ms",
       "per tool call, time waiting for a free tool slot behind the step's other calls (one "
       "after another without px, px's busy workers with it); summed"},
      {"llm_wait_ms", "ms", "time waiting on the model / back end on the critical path"},
      {"tool_path_ms", "ms",
       "tool time on the critical path (execution and dispatch, concurrent calls counted once: "
       "with px the longest call of each wave, where tool_exec_ms sums them all)"},
      {"bytes_up", "bytes", "request bytes sent to the API"},
      {"bytes_down", "bytes", "response bytes received from the API"},
      {"tool_schema_bytes", "bytes", "bytes of tool definitions sent in requests"},
      {"input_tokens", "tokens", "input tokens (usage; estimated as bytes/4 when absent)"},
      {"output_tokens", "tokens", "output tokens (usage; estimated as bytes/4 when absent)"},
      {"tool_calls", "count", "tool calls the model made in the turn"},
      {"steps", "count", "model responses in the turn"},
      {"retries", "count", "requests repeated after a retryable failure"},
      {"tool_fallbacks", "count",
       "steps asked again with every tool because the model wanted one outside the offered packs "
       "(p4)"},
      {"cost_usd", "usd", "input and output tokens priced from scenarios/registry/prices.json"},
      {"errors", "count", "1 when the turn ended in an error"},
      {"agent_cpu_us", "us", "CPU time of the agent core during the turn (mock excluded)"},
      {"start_delay_ms", "ms",
       "load: a session's intended start (its arrival on the open-loop schedule) to its first "
       "turn's t0: the wait for a free slot, set-up and a busy loop"},
      {"ttft_from_intended_ms", "ms",
       "load: ttft_ms counted from the session's intended start (start_delay_ms + ttft_ms; no "
       "coordinated omission)"},
      {"e2e_from_intended_ms", "ms",
       "load: e2e_ms counted from the session's intended start (start_delay_ms + e2e_ms)"},
  };
  return kCatalog;
}

const MetricInfo* FindMetric(std::string_view name) {
  for (const auto& m : MetricCatalog()) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

const std::vector<std::string_view>& SegmentNames() {
  static const std::vector<std::string_view> kNames = {"llm_wait",  "detect_lag",    "sleep",
                                                       "tool_exec", "tool_overhead", "agent_cpu"};
  return kNames;
}

const Summary* FindStat(const Cell& cell, std::string_view metric) {
  auto it = cell.stats.find(std::string(metric));
  return it == cell.stats.end() ? nullptr : &it->second;
}

}  // namespace agentreplay::results
